// SPDX-License-Identifier: GPL-3.0-or-later
import { constants } from 'node:fs';
import { open, readFile, readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { LiveStickError } from '../../shared/errors';
import { SECTOR_BYTES } from '../../core/sector';
import { BufferedIo, DIRECT_ALIGN_BYTES, openDirectIo } from '../block-io';
import { checkPathTarget, checkReadablePath, neitherDiskNorFile, refuse } from './file-target';
import { toolFailureText, type HostSystem } from './host-system';
import type {
  CheckedTarget,
  DevicePlatform,
  DiskGeometry,
  OpenedDisk,
  ReleasedVolumes,
  TargetCheckOptions,
} from './platform';

/**
 * Linux: disks are block devices, and everything about them is read from sysfs and procfs,
 * whose roots are injectable so tests can describe devices this machine cannot create
 * (partitions of loop devices, LVM stacks). This is the only part of LiveStick that reads /sys
 * or /proc.
 */
const SYS_ROOT = '/sys';
const PROC_ROOT = '/proc';

/** Mount points whose disk is part of the running system. */
const SYSTEM_MOUNT_POINTS = new Set(['/', '/boot', '/boot/efi', '/efi', '/usr', '/var']);

export interface MountEntry {
  readonly majorMinor: string;
  readonly mountPoint: string;
  readonly source: string;
}

/** /proc/self/mountinfo: `id parent major:minor root mountpoint options [tags] - fstype source superopts`. */
export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.split(' ');
    const separator = fields.indexOf('-');
    const majorMinor = fields[2];
    const mountPoint = fields[4];
    const source = separator === -1 ? undefined : fields[separator + 2];
    if (!majorMinor || !mountPoint || source === undefined) continue;
    entries.push({
      majorMinor,
      mountPoint: unescapeOctal(mountPoint),
      source: unescapeOctal(source),
    });
  }
  return entries;
}

/** The kernel escapes space, tab, newline and backslash in mount fields as \ooo. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_match, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  );
}

/** Linux dev_t as glibc encodes it: 12 bits of major and 20 of minor, split across the word. */
export function majorMinorOf(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

class LinuxBlockDevices {
  private mounts: MountEntry[] | null = null;

  constructor(
    private readonly sysRoot: string,
    private readonly procRoot: string,
  ) {}

  async checkWriteTarget(
    target: string,
    resolved: string,
    rdev: bigint,
    imagePath: string,
    { systemFiles, ignoreMounts }: { systemFiles: readonly string[]; ignoreMounts: boolean },
  ): Promise<CheckedTarget> {
    const disk = await this.wholeDiskName(target, rdev);
    const shown = `${target}${target === `/dev/${disk}` ? '' : ` (/dev/${disk})`}`;

    for (const entry of await this.mountEntries()) {
      if (!SYSTEM_MOUNT_POINTS.has(entry.mountPoint)) continue;
      if ((await this.disksOfDev(entry.majorMinor)).has(disk)) {
        refuse(`${shown} runs this computer (it holds ${entry.mountPoint}).`);
      }
    }
    for (const swap of await this.swapDevices()) {
      const swapStat = await stat(swap, { bigint: true }).catch(() => null);
      if (
        swapStat?.isBlockDevice() &&
        (await this.disksOfDev(majorMinorOf(swapStat.rdev))).has(disk)
      ) {
        refuse(`${shown} runs this computer (${swap} is in use as swap).`);
      }
    }
    for (const file of systemFiles) {
      const fileStat = await stat(file, { bigint: true }).catch(() => null);
      if (fileStat && (await this.disksOfDev(majorMinorOf(fileStat.dev))).has(disk)) {
        refuse(`${shown} runs this computer (it holds ${file}).`);
      }
    }
    const imageStat = await stat(imagePath, { bigint: true }).catch(() => null);
    if (imageStat && (await this.disksOfDev(majorMinorOf(imageStat.dev))).has(disk)) {
      refuse(`${shown} holds the image you chose (${imagePath}).`);
    }
    const mounted = ignoreMounts ? [] : await this.mountsOnDisk(disk);
    if (mounted[0]) {
      throw new LiveStickError(
        'DEVICE_BUSY',
        `${shown} is mounted at ${mounted[0].mountPoint}; unmount it first.`,
      );
    }
    for (const name of [disk, ...(await this.partitionsOf(disk))]) {
      const holders = await this.listDir(`class/block/${name}/holders`);
      if (holders.length > 0) {
        throw new LiveStickError(
          'DEVICE_BUSY',
          `${shown} is in use by /dev/${holders.join(', /dev/')} (device mapper, RAID or LVM).`,
        );
      }
    }
    return { kind: 'device', path: resolved, disk };
  }

  async mountsOnDisk(disk: string): Promise<MountEntry[]> {
    const mounted: MountEntry[] = [];
    for (const entry of await this.mountEntries()) {
      if ((await this.disksOfDev(entry.majorMinor)).has(disk)) mounted.push(entry);
    }
    return mounted;
  }

  /** The kernel name of the disk, refusing partitions and devices sysfs does not know. */
  async wholeDiskName(target: string, rdev: bigint): Promise<string> {
    const name = await this.blockName(majorMinorOf(rdev));
    if (name === null) return refuse(`${target} is not a block device this system knows.`);
    if (await this.isPartition(name)) {
      const parent = await this.parentOf(name);
      refuse(`${target} is a partition; choose the whole disk /dev/${parent} instead.`);
    }
    return name;
  }

  private sys(relative: string): string {
    return path.join(this.sysRoot, relative);
  }

  private async blockName(majorMinor: string): Promise<string | null> {
    const link = await readlink(this.sys(`dev/block/${majorMinor}`)).catch(() => null);
    return link === null ? null : path.basename(link);
  }

  private async isPartition(name: string): Promise<boolean> {
    return stat(this.sys(`class/block/${name}/partition`)).then(
      () => true,
      () => false,
    );
  }

  /** A partition's sysfs directory sits inside its disk's: devices/…/block/sdb/sdb1. */
  private async parentOf(name: string): Promise<string> {
    const device = await realpath(this.sys(`class/block/${name}`));
    return path.basename(path.dirname(device));
  }

  private async listDir(relative: string): Promise<string[]> {
    return readdir(this.sys(relative)).catch(() => []);
  }

  private async partitionsOf(disk: string): Promise<string[]> {
    const partitions: string[] = [];
    for (const entry of await this.listDir(`class/block/${disk}`)) {
      if (entry.startsWith(disk) && (await this.isPartition(entry))) partitions.push(entry);
    }
    return partitions;
  }

  /** The whole disks under a block device: through partitions and device-mapper/md stacks. */
  private async disksOfName(name: string, seen = new Set<string>()): Promise<Set<string>> {
    if (seen.has(name)) return new Set();
    seen.add(name);
    if (await this.isPartition(name)) return new Set([await this.parentOf(name)]);
    const slaves = await this.listDir(`class/block/${name}/slaves`);
    if (slaves.length === 0) return new Set([name]);
    const disks = new Set<string>();
    for (const slave of slaves) {
      for (const disk of await this.disksOfName(slave, seen)) disks.add(disk);
    }
    return disks;
  }

  /**
   * File systems such as btrfs report an anonymous st_dev (0:NN) that sysfs does not know; their
   * mountinfo line carries the same number and names the real source device.
   */
  private async disksOfDev(majorMinor: string): Promise<Set<string>> {
    const name = await this.blockName(majorMinor);
    if (name !== null) return this.disksOfName(name);
    const disks = new Set<string>();
    for (const entry of await this.mountEntries()) {
      if (entry.majorMinor !== majorMinor || !entry.source.startsWith('/dev/')) continue;
      const sourceStat = await stat(entry.source, { bigint: true }).catch(() => null);
      const sourceName = sourceStat?.isBlockDevice()
        ? await this.blockName(majorMinorOf(sourceStat.rdev))
        : null;
      if (sourceName !== null)
        for (const disk of await this.disksOfName(sourceName)) disks.add(disk);
    }
    return disks;
  }

  private async mountEntries(): Promise<MountEntry[]> {
    this.mounts ??= parseMountinfo(
      await readFile(path.join(this.procRoot, 'self', 'mountinfo'), 'utf8'),
    );
    return this.mounts;
  }

  /** /proc/swaps: a header line, then `Filename Type Size Used Priority`; files are skipped later. */
  private async swapDevices(): Promise<string[]> {
    const text = await readFile(path.join(this.procRoot, 'swaps'), 'utf8').catch(() => '');
    return text
      .split('\n')
      .slice(1)
      .map((line) => unescapeOctal(line.split(/\s+/)[0] ?? ''))
      .filter((file) => file !== '');
  }
}

/**
 * Size and sector size of a block device. fstat reports size 0 for them; sysfs publishes the size
 * in 512-byte sectors whatever the device's own sector (this covers loop devices too), and the
 * logical block size in the device's queue.
 */
async function blockDeviceGeometry(
  majorMinor: string,
  sysRoot: string,
): Promise<DiskGeometry | null> {
  const base = path.join(sysRoot, 'dev', 'block', majorMinor);
  const number = (text: string | null): number | null =>
    text !== null && /^\d+\s*$/.test(text) ? Number(text.trim()) : null;
  const sectors = number(await readFile(path.join(base, 'size'), 'utf8').catch(() => null));
  if (sectors === null) return null;
  const logical = number(
    await readFile(path.join(base, 'queue', 'logical_block_size'), 'utf8').catch(() => null),
  );
  return { sizeBytes: sectors * SECTOR_BYTES, sectorBytes: logical ?? SECTOR_BYTES };
}

export interface LinuxCommand {
  readonly file: string;
  readonly args: readonly string[];
}

/**
 * One `umount` per mounted file system, deepest first so nested mounts come off before their
 * parents. As root umount needs no daemon; otherwise udisksctl asks polkit.
 */
export function unmountCommands(
  mounts: readonly MountEntry[],
  { root }: { root: boolean },
): LinuxCommand[] {
  return [...mounts]
    .sort((a, b) => b.mountPoint.length - a.mountPoint.length)
    .map((mount) =>
      root
        ? { file: 'umount', args: ['--', mount.mountPoint] }
        : { file: 'udisksctl', args: ['unmount', '--no-user-interaction', '-b', mount.source] },
    );
}

/** Loop devices have nothing to power off. */
export function ejectCommand(device: string): LinuxCommand | null {
  return device.startsWith('/dev/loop')
    ? null
    : { file: 'udisksctl', args: ['power-off', '--no-user-interaction', '-b', device] };
}

export class LinuxDevices implements DevicePlatform {
  readonly os = 'linux';
  readonly automountsVolumes = false;

  constructor(private readonly host: HostSystem) {}

  async isDevice(target: string): Promise<boolean> {
    const targetStat = await stat(target).catch(() => null);
    return targetStat?.isBlockDevice() ?? false;
  }

  async checkWriteTarget(
    target: string,
    imagePath: string,
    options: TargetCheckOptions,
  ): Promise<CheckedTarget> {
    const checked = await checkPathTarget(target, imagePath, { devicePrefix: '/dev/' });
    if (checked.kind === 'file') return checked;
    if (!checked.stat.isBlockDevice()) neitherDiskNorFile(target);
    return blockDevices(options).checkWriteTarget(
      target,
      checked.path,
      checked.stat.rdev,
      imagePath,
      {
        systemFiles: options.systemFiles ?? [process.execPath],
        ignoreMounts: options.ignoreMounts ?? false,
      },
    );
  }

  async checkInspectTarget(target: string, options: TargetCheckOptions): Promise<CheckedTarget> {
    const checked = await checkReadablePath(target);
    if (checked.kind === 'file') return checked;
    if (!checked.stat.isBlockDevice()) neitherDiskNorFile(target);
    const disk = await blockDevices(options).wholeDiskName(target, checked.stat.rdev);
    return { kind: 'device', path: checked.path, disk };
  }

  async geometry(device: string): Promise<DiskGeometry> {
    const deviceStat = await stat(device, { bigint: true });
    const geometry = deviceStat.isBlockDevice()
      ? await blockDeviceGeometry(majorMinorOf(deviceStat.rdev), SYS_ROOT)
      : null;
    return geometry ?? refuse(`Cannot tell the size of ${device}.`);
  }

  async release(device: string): Promise<ReleasedVolumes> {
    const mounts = await mountsOnDisk(device);
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    for (const command of unmountCommands(mounts, { root })) {
      try {
        await this.host.run(command.file, command.args);
      } catch (error) {
        throw new LiveStickError(
          'DEVICE_BUSY',
          `Could not unmount ${device}: ${toolFailureText(error)}.`,
        );
      }
    }
    return {
      summary:
        mounts.length > 0 ? `Unmounted ${mounts.map((m) => m.mountPoint).join(', ')}.` : null,
      // The stick stays unmounted, as it always has on Linux: the desktop mounts its volumes
      // when it is plugged in next, and root's umount cannot restore a user's udisks mount.
      giveBack: async () => null,
    };
  }

  /**
   * Block devices are opened with O_EXCL, which Linux turns into "fail with EBUSY if anything
   * has it mounted or claimed" — a last guard against writing under a mounted file system.
   */
  async open(
    device: string,
    options: { readonly write: boolean; readonly maxWriteBytes: number },
  ): Promise<OpenedDisk> {
    const geometry = await this.geometry(device);
    if (!options.write) return { ...geometry, io: new BufferedIo(await open(device, 'r')) };
    const flags = constants.O_RDWR | constants.O_EXCL;
    // Direct I/O works in whole 4 KiB blocks, so a device whose end is not on one stays buffered.
    const direct =
      geometry.sizeBytes % DIRECT_ALIGN_BYTES === 0
        ? await openDirectIo(device, flags, options.maxWriteBytes)
        : null;
    return { ...geometry, io: direct ?? new BufferedIo(await open(device, flags)) };
  }

  /** Powers the stick down so it can be pulled out (udisks), where there is anything to power. */
  async eject(device: string): Promise<string | null> {
    const command = ejectCommand(device);
    if (command === null) return null;
    try {
      await this.host.run(command.file, command.args);
      return null;
    } catch (error) {
      return `Could not eject ${device}: ${toolFailureText(error)}.`;
    }
  }
}

function blockDevices(options: TargetCheckOptions): LinuxBlockDevices {
  return new LinuxBlockDevices(options.sysRoot ?? SYS_ROOT, options.procRoot ?? PROC_ROOT);
}

/** The file systems mounted from a whole disk or any of its partitions. */
export async function mountsOnDisk(
  device: string,
  options: Pick<TargetCheckOptions, 'sysRoot' | 'procRoot'> = {},
): Promise<MountEntry[]> {
  const linux = blockDevices(options);
  const deviceStat = await stat(device, { bigint: true });
  return linux.mountsOnDisk(await linux.wholeDiskName(device, deviceStat.rdev));
}
