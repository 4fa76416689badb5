// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The disk tools of the simulated machines, run as separate processes the way LiveStick runs the
 * real ones: `powershell.exe` (only LiveStick's own three scripts, recognised verbatim), and
 * macOS' `diskutil` and `df`. Each records what it was asked in the command log and applies it
 * to the shared state (./state.ts). Bundled by esbuild and started through a small shell wrapper:
 * `fake-tools.cjs ROOT TOOL ARGS…`.
 */
import { statSync } from 'node:fs';
import { windowsScript, type WindowsScriptName } from '../../../src/engine/device/windows';
import {
  discoverVolumes,
  isRunning,
  loadState,
  logCommand,
  saveState,
  type SimDisk,
  type SimState,
  type SimVolume,
} from './state';

const [root, tool, ...args] = process.argv.slice(2) as [string, string, ...string[]];

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function diskNumbered(state: SimState, number: number): SimDisk | undefined {
  return state.disks.find((disk) => disk.number === number && !disk.ejected);
}

// ---- Windows PowerShell ------------------------------------------------------------------------

const SCRIPT_NAMES: readonly WindowsScriptName[] = [
  'disk-facts',
  'hold-volumes',
  'reread-partitions',
  'eject',
];

function powerShell(): void {
  const at = args.indexOf('-EncodedCommand');
  const encoded = at === -1 ? undefined : args[at + 1];
  if (encoded === undefined) fail('fake PowerShell: only -EncodedCommand is simulated');
  const text = Buffer.from(encoded, 'base64').toString('utf16le');
  const name = /^# livestick: (\S+)\n/.exec(text)?.[1] as WindowsScriptName | undefined;
  const number = Number(/\n\$DiskNumber = (\d+)\n/.exec(text)?.[1]);
  const parentText = /\n\$ParentPid = (\d+)\n/.exec(text)?.[1];
  const parentPid = parentText === undefined ? undefined : Number(parentText);
  // Only LiveStick's scripts, exactly as written, with a disk number: anything else would be
  // a command this simulation cannot vouch for.
  if (!name || !SCRIPT_NAMES.includes(name) || text !== windowsScript(name, number, parentPid)) {
    logCommand(root, { tool, args: args.slice(0, at), script: 'unknown' });
    fail('fake PowerShell cannot run this script');
  }
  logCommand(root, { tool, args: args.slice(0, at), script: name, disk: number });
  switch (name) {
    case 'disk-facts':
      return diskFacts(number);
    case 'hold-volumes':
      return holdVolumes(number, parentPid ?? fail('hold-volumes without $ParentPid'));
    case 'reread-partitions':
      return rereadPartitions(number);
    case 'eject':
      return ejectWindows(number);
  }
}

function diskFacts(number: number): void {
  const disk = diskNumbered(loadState(root), number);
  if (!disk)
    fail(`Get-Disk : No MSFT_Disk objects found with property 'Number' equal to '${number}'.`);
  say(
    JSON.stringify({
      Size: statSync(disk.image).size,
      LogicalSectorSize: disk.sectorBytes,
      IsBoot: disk.system,
      IsSystem: disk.system,
      IsReadOnly: disk.readOnly,
      DriveLetters: disk.volumes.flatMap((volume) => (volume.letter ? [volume.letter] : [])),
    }),
  );
}

const volumeName = (volume: SimVolume): string =>
  volume.letter ? `${volume.letter}:` : `partition ${volume.partition}`;

function holdVolumes(number: number, parentPid: number): void {
  const state = loadState(root);
  const disk = diskNumbered(state, number);
  if (!disk) {
    say(`error No MSFT_Disk objects found with property 'Number' equal to '${number}'.`);
    process.exit(1);
  }
  for (const volume of disk.volumes) {
    // FSCTL_LOCK_VOLUME then FSCTL_DISMOUNT_VOLUME: held by this process from now on.
    volume.lockedBy = process.pid;
    logCommand(root, { tool, args: [], event: 'lock', disk: number, script: volumeName(volume) });
    logCommand(root, {
      tool,
      args: [],
      event: 'dismount',
      disk: number,
      script: volumeName(volume),
    });
  }
  saveState(root, state);
  for (const volume of disk.volumes) say(`held ${volumeName(volume)}`);
  say('ready');
  // The handles close when this process ends, killed or because LiveStick's process ended:
  // the volumes it still holds are free again.
  const letGo = (): never => {
    const current = loadState(root);
    for (const volume of diskNumbered(current, number)?.volumes ?? []) {
      if (volume.lockedBy !== process.pid) continue;
      volume.lockedBy = null;
      logCommand(root, {
        tool,
        args: [],
        event: 'unlock',
        disk: number,
        script: volumeName(volume),
      });
    }
    saveState(root, current);
    process.exit(0);
  };
  process.on('SIGTERM', letGo);
  setInterval(() => {
    if (!isRunning(parentPid)) letGo();
  }, 50);
}

function rereadPartitions(number: number): void {
  // IOCTL_DISK_UPDATE_PROPERTIES: the old volumes go, the new table's volumes arrive.
  const state = loadState(root);
  const disk = diskNumbered(state, number);
  if (!disk) fail(`Cannot open \\\\.\\PhysicalDrive${number}`);
  disk.volumes = discoverVolumes(state, disk);
  saveState(root, state);
  logCommand(root, { tool, args: [], event: 'reread', disk: number });
  say('reread');
}

function ejectWindows(number: number): void {
  const state = loadState(root);
  const disk = diskNumbered(state, number);
  const letter = disk?.volumes.find((volume) => volume.letter)?.letter;
  if (!disk || !letter) fail('Windows shows no drive letter for it');
  disk.ejected = true;
  disk.volumes = [];
  saveState(root, state);
  logCommand(root, { tool, args: [], event: 'eject', disk: number, script: `${letter}:` });
  say(`ejected ${letter}:`);
}

// ---- macOS diskutil and df ---------------------------------------------------------------------

type Plist = string | number | boolean | Plist[] | { [key: string]: Plist };

function plistValue(value: Plist): string {
  if (typeof value === 'string') return `<string>${value}</string>`;
  if (typeof value === 'number') return `<integer>${value}</integer>`;
  if (typeof value === 'boolean') return value ? '<true/>' : '<false/>';
  if (Array.isArray(value)) return `<array>${value.map(plistValue).join('')}</array>`;
  return `<dict>${Object.entries(value)
    .map(([key, inner]) => `<key>${key}</key>${plistValue(inner)}`)
    .join('')}</dict>`;
}

function sayPlist(value: Plist): void {
  say(
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
  );
  say(`<plist version="1.0">\n${plistValue(value)}\n</plist>`);
}

/** macOS' own disk: disk0 physically, with an APFS container synthesized as disk1. */
const SYSTEM_VOLUME: Plist = {
  DeviceIdentifier: 'disk1s1',
  DeviceNode: '/dev/disk1s1',
  MountPoint: '/',
  WholeDisk: false,
  ParentWholeDisk: 'disk1',
  APFSPhysicalStores: [{ APFSPhysicalStore: 'disk0s2' }],
};

function macNode(what: string): { disk: SimDisk; volume: SimVolume | null } | null {
  const state = loadState(root);
  const byNode = /^\/dev\/r?disk(\d+)(?:s(\d+))?$/.exec(what);
  if (byNode) {
    const disk = diskNumbered(state, Number(byNode[1]));
    if (!disk) return null;
    if (byNode[2] === undefined) return { disk, volume: null };
    const volume = disk.volumes.find((v) => v.partition === Number(byNode[2]));
    return volume ? { disk, volume } : null;
  }
  for (const disk of state.disks) {
    const volume = disk.volumes.find((v) => v.mountPoint === what && !disk.ejected);
    if (volume) return { disk, volume };
  }
  return null;
}

function diskutil(): void {
  logCommand(root, { tool, args });
  const [verb, ...rest] = args;
  const device = rest.at(-1) ?? '';
  if (verb === 'info' && rest[0] === '-plist') {
    if (device === '/' || device === '/dev/disk1s1') return sayPlist(SYSTEM_VOLUME);
    const node = macNode(device);
    if (!node) fail(`Could not find disk: ${device}`);
    const { disk, volume } = node;
    if (volume === null) {
      return sayPlist({
        DeviceIdentifier: `disk${disk.number}`,
        DeviceNode: `/dev/disk${disk.number}`,
        WholeDisk: true,
        Internal: disk.system,
        TotalSize: statSync(disk.image).size,
        DeviceBlockSize: disk.sectorBytes,
        WritableMedia: !disk.readOnly,
        ...(disk.system ? { APFSPhysicalStores: [{ APFSPhysicalStore: 'disk0s2' }] } : {}),
      });
    }
    return sayPlist({
      DeviceIdentifier: `disk${disk.number}s${volume.partition}`,
      WholeDisk: false,
      ParentWholeDisk: `disk${disk.number}`,
      TotalSize: volume.lengthBytes,
      ...(volume.mountPoint ? { MountPoint: volume.mountPoint } : {}),
    });
  }
  const whole = /^\/dev\/disk(\d+)$/.exec(device);
  const state = loadState(root);
  const disk = whole ? diskNumbered(state, Number(whole[1])) : undefined;
  if (!disk) fail(`Could not find disk: ${device}`);
  switch (verb) {
    case 'list':
      return sayPlist({
        AllDisks: [
          `disk${disk.number}`,
          ...disk.volumes.map((v) => `disk${disk.number}s${v.partition}`),
        ],
        AllDisksAndPartitions: [
          {
            DeviceIdentifier: `disk${disk.number}`,
            Size: statSync(disk.image).size,
            Partitions: disk.volumes.map((v) => ({
              DeviceIdentifier: `disk${disk.number}s${v.partition}`,
              Size: v.lengthBytes,
              ...(v.mountPoint ? { MountPoint: v.mountPoint } : {}),
            })),
          },
        ],
      });
    case 'unmountDisk':
      for (const volume of disk.volumes) volume.mountPoint = null;
      saveState(root, state);
      return say(`Unmount of all volumes on disk${disk.number} was successful`);
    case 'mountDisk':
      // Mounting reads the partition table as it is now.
      disk.volumes = discoverVolumes(state, disk);
      saveState(root, state);
      return say(`Volume(s) mounted successfully`);
    case 'eject':
      disk.ejected = true;
      disk.volumes = [];
      saveState(root, state);
      return say(`Disk /dev/disk${disk.number} ejected`);
    default:
      fail(`fake diskutil: "${verb}" is not simulated`);
  }
}

function df(): void {
  logCommand(root, { tool, args });
  const file = args.at(-1) ?? '';
  let device = '/dev/disk1s1';
  let mountPoint = '/';
  for (const disk of loadState(root).disks) {
    for (const volume of disk.volumes) {
      if (
        volume.mountPoint &&
        volume.mountPoint !== '/' &&
        file.startsWith(`${volume.mountPoint}/`)
      ) {
        device = `/dev/disk${disk.number}s${volume.partition}`;
        mountPoint = volume.mountPoint;
      }
    }
  }
  say('Filesystem 512-blocks Used Available Capacity Mounted on');
  say(`${device} 1000000 500000 500000 50% ${mountPoint}`);
}

switch (tool) {
  case 'powershell.exe':
    powerShell();
    break;
  case 'diskutil':
    diskutil();
    break;
  case 'df':
    df();
    break;
  default:
    fail(`fake tool ${tool} is not simulated`);
}
