// SPDX-License-Identifier: GPL-3.0-or-later
import { execFile } from 'node:child_process';
import { readFile, readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { LiveStickError } from '../shared/errors';

/**
 * The last line of defence before bytes hit a disk: the privileged helper and the CLI both run
 * these checks on the path they were given, whatever main or the user already decided. A write
 * target must be a regular file, or a whole disk that is not a partition, does not run this
 * computer, does not hold the ISO being written, and has nothing mounted or stacked on it.
 *
 * On Linux everything is read from sysfs and procfs, whose roots are injectable so tests can
 * describe devices this machine cannot create (partitions of loop devices, LVM stacks).
 */
export type CheckedTarget =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'device'; readonly path: string; readonly disk: string };

export interface TargetCheckOptions {
  readonly platform?: NodeJS.Platform;
  /** Linux: where sysfs is mounted ('/sys'). */
  readonly sysRoot?: string;
  /** Linux: where procfs is mounted ('/proc'); `self/mountinfo` and `swaps` are read. */
  readonly procRoot?: string;
  /** Files whose disk runs this computer besides the root file system: the running binary. */
  readonly systemFiles?: readonly string[];
  /**
   * Skip only the "something is mounted" check: the helper first makes sure the disk is one it
   * may touch at all, then unmounts it, then checks again without this.
   */
  readonly ignoreMounts?: boolean;
}

/** Mount points whose disk is part of the running system. */
const SYSTEM_MOUNT_POINTS = new Set(['/', '/boot', '/boot/efi', '/efi', '/usr', '/var']);

const refuse = (message: string): never => {
  throw new LiveStickError('TARGET_REFUSED', message);
};

export async function checkWriteTarget(
  target: string,
  imagePath: string,
  options: TargetCheckOptions = {},
): Promise<CheckedTarget> {
  const platform = options.platform ?? process.platform;
  if (platform === 'win32') return checkWindowsTarget(target, imagePath);
  const resolved = await realpath(target).catch(() => null);
  if (resolved === null) {
    // Only image files may be created; a device path must exist.
    if (target.startsWith('/dev/')) refuse(`${target} does not exist.`);
    return { kind: 'file', path: target };
  }
  const targetStat = await stat(resolved, { bigint: true });
  if (targetStat.isFile()) {
    const imageStat = await stat(imagePath, { bigint: true }).catch(() => null);
    if (imageStat && imageStat.dev === targetStat.dev && imageStat.ino === targetStat.ino) {
      refuse(`${target} is the image itself.`);
    }
    return { kind: 'file', path: resolved };
  }
  if (!targetStat.isBlockDevice()) refuse(`${target} is neither a disk nor a regular file.`);
  if (platform === 'darwin') return checkMacTarget(target, resolved, imagePath);
  const linux = new LinuxBlockDevices(options.sysRoot ?? '/sys', options.procRoot ?? '/proc');
  return linux.checkWriteTarget(target, resolved, targetStat.rdev, imagePath, {
    systemFiles: options.systemFiles ?? [process.execPath],
    ignoreMounts: options.ignoreMounts ?? false,
  });
}

/** Reading is harmless, so inspection only needs a whole disk or a file. */
export async function checkInspectTarget(
  target: string,
  options: TargetCheckOptions = {},
): Promise<CheckedTarget> {
  const platform = options.platform ?? process.platform;
  if (platform === 'win32') {
    if (!WINDOWS_DISK.test(target)) return { kind: 'file', path: target };
    return { kind: 'device', path: target, disk: target };
  }
  const resolved = await realpath(target).catch(() => refuse(`${target} does not exist.`));
  const targetStat = await stat(resolved, { bigint: true });
  if (targetStat.isFile()) return { kind: 'file', path: resolved };
  if (!targetStat.isBlockDevice()) refuse(`${target} is neither a disk nor a regular file.`);
  if (platform === 'darwin') {
    const disk =
      macWholeDisk(resolved) ?? refuse(`${target} is a partition; choose the whole disk.`);
    return { kind: 'device', path: resolved, disk };
  }
  const linux = new LinuxBlockDevices(options.sysRoot ?? '/sys', options.procRoot ?? '/proc');
  const name = await linux.wholeDiskName(target, targetStat.rdev);
  return { kind: 'device', path: resolved, disk: name };
}

/** Linux: the file systems mounted from a whole disk or any of its partitions. */
export async function mountsOnDisk(
  device: string,
  options: Pick<TargetCheckOptions, 'sysRoot' | 'procRoot'> = {},
): Promise<MountEntry[]> {
  const linux = new LinuxBlockDevices(options.sysRoot ?? '/sys', options.procRoot ?? '/proc');
  const deviceStat = await stat(device, { bigint: true });
  return linux.mountsOnDisk(await linux.wholeDiskName(device, deviceStat.rdev));
}

// ---- Linux -------------------------------------------------------------------------------------

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

// ---- macOS and Windows -------------------------------------------------------------------------

const run = promisify(execFile);

/** /dev/disk4 or /dev/rdisk4 are whole disks; /dev/disk4s1 is a partition. */
function macWholeDisk(device: string): string | null {
  const match = /^\/dev\/r?(disk\d+)$/.exec(device);
  return match ? match[1]! : null;
}

/** The physical whole disks behind a mounted path: APFS volumes live on a synthesized disk. */
async function macDisksOf(file: string): Promise<Set<string>> {
  const { stdout } = await run('/usr/sbin/diskutil', ['info', '-plist', file]);
  const disks = new Set<string>();
  const parent = /<key>ParentWholeDisk<\/key>\s*<string>(disk\d+)<\/string>/.exec(stdout);
  if (parent) disks.add(parent[1]!);
  for (const store of stdout.matchAll(/<key>APFSPhysicalStore<\/key>\s*<string>(disk\d+)/g)) {
    disks.add(store[1]!);
  }
  return disks;
}

async function checkMacTarget(
  target: string,
  resolved: string,
  imagePath: string,
): Promise<CheckedTarget> {
  const disk = macWholeDisk(resolved) ?? refuse(`${target} is a partition; choose the whole disk.`);
  if ((await macDisksOf('/')).has(disk)) refuse(`${target} runs this computer.`);
  const imageDisks = await macDisksOf(imagePath).catch(() => new Set<string>());
  if (imageDisks.has(disk)) refuse(`${target} holds the image you chose (${imagePath}).`);
  return { kind: 'device', path: resolved, disk };
}

const WINDOWS_DISK = /^\\\\\.\\PhysicalDrive(\d+)$/i;

/** The disk number holding a drive letter, or null for UNC paths and letters without a disk. */
async function windowsDiskOf(file: string): Promise<number | null> {
  const letter = /^([A-Za-z]):/.exec(path.win32.resolve(file))?.[1];
  if (!letter) return null;
  const { stdout } = await run(
    'powershell.exe',
    [
      '-NoProfile',
      '-NonInteractive',
      '-Command',
      `(Get-Partition -DriveLetter ${letter} | Get-Disk).Number`,
    ],
    { windowsHide: true },
  );
  const number = Number(stdout.trim());
  return stdout.trim() !== '' && Number.isInteger(number) ? number : null;
}

async function checkWindowsTarget(target: string, imagePath: string): Promise<CheckedTarget> {
  const match = WINDOWS_DISK.exec(target);
  if (!match) {
    if (/^\\\\\.\\/.test(target)) refuse(`${target} is not a whole disk (\\\\.\\PhysicalDriveN).`);
    return { kind: 'file', path: target };
  }
  const number = Number(match[1]);
  const systemDrive = process.env.SystemDrive ?? 'C:';
  if ((await windowsDiskOf(`${systemDrive}\\`)) === number) refuse(`${target} runs this computer.`);
  if ((await windowsDiskOf(imagePath).catch(() => null)) === number) {
    refuse(`${target} holds the image you chose (${imagePath}).`);
  }
  return { kind: 'device', path: target, disk: `PhysicalDrive${number}` };
}
