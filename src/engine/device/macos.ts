// SPDX-License-Identifier: GPL-3.0-or-later
import { constants } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { LiveStickError } from '../../shared/errors';
import { AlignedIo } from '../block-io';
import { checkPathTarget, checkReadablePath, neitherDiskNorFile, refuse } from './file-target';
import { toolFailureText, type HostSystem } from './host-system';
import { parsePlistDict, type PlistDict, type PlistValue } from './plist';
import type {
  CheckedTarget,
  DevicePlatform,
  DiskGeometry,
  OpenedDisk,
  ReleasedVolumes,
  TargetCheckOptions,
} from './platform';

/**
 * macOS: a whole disk is /dev/diskN, with /dev/rdiskN its raw (character) device, which moves
 * data straight between the stick and our buffer and so is the one written and read back. It
 * accepts only whole blocks at block offsets. What macOS knows about a disk comes from
 * `diskutil info -plist` and `diskutil list -plist`: size (TotalSize) and block size
 * (DeviceBlockSize), whether it is a whole disk, and its mount points; the disks behind a
 * mounted path are its ParentWholeDisk and, for APFS, its physical stores (Apple, diskutil(8)).
 * Volumes are released with `diskutil unmountDisk`, given back with `diskutil mountDisk`, and
 * the stick is ejected with `diskutil eject`; macOS refuses to open a disk for writing while a
 * volume of it is mounted.
 */
const DISK_NODE = /^\/dev\/r?(disk\d+)((?:s\d+)*)$/;

interface DiskNode {
  /** The path as given or resolved: /dev/disk4, /dev/rdisk4, /dev/disk4s1. */
  readonly path: string;
  /** BSD name of the whole disk: disk4. */
  readonly disk: string;
  readonly whole: boolean;
}

function diskNodeOf(path: string): DiskNode | null {
  const match = DISK_NODE.exec(path);
  return match ? { path, disk: match[1]!, whole: match[2] === '' } : null;
}

/** /dev/rdisk4 → disk4, or refuses what is not a whole disk. */
function wholeDisk(device: string): string {
  const node = diskNodeOf(device);
  if (!node?.whole) refuse(`${device} is not a whole disk (/dev/diskN).`);
  return node!.disk;
}

function integer(dict: PlistDict, key: string): number | null {
  const value = dict[key];
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}

/** Every MountPoint in a `diskutil list -plist` entry: the disk, its partitions, APFS volumes. */
function mountPointsIn(value: PlistValue | undefined, into: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const item of value) mountPointsIn(item, into);
  } else if (typeof value === 'object' && value !== null) {
    const dict = value as PlistDict;
    const mountPoint = dict.MountPoint;
    if (typeof mountPoint === 'string' && mountPoint !== '') into.push(mountPoint);
    for (const [key, inner] of Object.entries(dict)) {
      if (key !== 'MountPoint') mountPointsIn(inner, into);
    }
  }
  return into;
}

export interface MacDevicesOptions {
  readonly host: HostSystem;
  /** /usr/sbin/diskutil; absolute, so a privileged helper never runs a program found on PATH. */
  readonly diskutil: string;
  /** /bin/df, which names the volume a file lives on. */
  readonly df: string;
}

export class MacDevices implements DevicePlatform {
  readonly os = 'darwin';
  readonly automountsVolumes = true;

  constructor(private readonly options: MacDevicesOptions) {}

  async isDevice(target: string): Promise<boolean> {
    return (await this.diskNode(target)) !== null;
  }

  async checkWriteTarget(
    target: string,
    imagePath: string,
    options: TargetCheckOptions,
  ): Promise<CheckedTarget> {
    const node = await this.diskNode(target);
    if (node === null) {
      const checked = await checkPathTarget(target, imagePath, { devicePrefix: '/dev/' });
      return checked.kind === 'file' ? checked : neitherDiskNorFile(target);
    }
    if (!node.whole) refuse(`${target} is a partition; choose the whole disk /dev/${node.disk}.`);
    const info = await this.diskInfo(target, node.disk);
    if (info.WholeDisk !== true) refuse(`${target} is not a whole disk.`);
    if ((await this.disksBehind('/')).has(node.disk)) refuse(`${target} runs this computer.`);
    if (imagePath && (await this.disksHolding(imagePath)).has(node.disk)) {
      refuse(`${target} holds the image you chose (${imagePath}).`);
    }
    if (info.WritableMedia === false) {
      throw new LiveStickError('WRITE_PROTECTED', `${target} is write-protected.`);
    }
    if (!options.ignoreMounts) {
      const mounted = await this.mountPoints(node.disk);
      if (mounted[0] !== undefined) {
        throw new LiveStickError(
          'DEVICE_BUSY',
          `${target} is mounted at ${mounted[0]}; unmount it first.`,
        );
      }
    }
    return { kind: 'device', path: node.path, disk: node.disk };
  }

  async checkInspectTarget(target: string): Promise<CheckedTarget> {
    const node = await this.diskNode(target);
    if (node === null) {
      const checked = await checkReadablePath(target);
      return checked.kind === 'file' ? checked : neitherDiskNorFile(target);
    }
    if (!node.whole) refuse(`${target} is a partition; choose the whole disk /dev/${node.disk}.`);
    return { kind: 'device', path: node.path, disk: node.disk };
  }

  async geometry(device: string): Promise<DiskGeometry> {
    const info = await this.diskInfo(device, wholeDisk(device));
    const sizeBytes = integer(info, 'TotalSize') ?? integer(info, 'Size');
    const sectorBytes = integer(info, 'DeviceBlockSize');
    if (sizeBytes === null || sectorBytes === null || sectorBytes <= 0) {
      return refuse(`Cannot tell the size of ${device}: diskutil gives no TotalSize.`);
    }
    return { sizeBytes, sectorBytes };
  }

  async release(device: string): Promise<ReleasedVolumes> {
    const disk = wholeDisk(device);
    const mounted = await this.mountPoints(disk);
    try {
      await this.diskutil('unmountDisk', `/dev/${disk}`);
    } catch (error) {
      throw new LiveStickError(
        'DEVICE_BUSY',
        `Could not unmount ${device}: ${toolFailureText(error)}.`,
      );
    }
    let givenBack = false;
    return {
      summary: mounted.length > 0 ? `Unmounted ${mounted.join(', ')}.` : null,
      giveBack: async ({ layoutChanged }) => {
        // After a new partition table the old volumes are gone: macOS mounts the new ones
        // when it next looks at the stick (at the latest when it is plugged in again).
        if (givenBack || layoutChanged) return null;
        givenBack = true;
        try {
          await this.diskutil('mountDisk', `/dev/${disk}`);
          return null;
        } catch (error) {
          return `Could not mount ${device} again: ${toolFailureText(error)}.`;
        }
      },
    };
  }

  async open(
    device: string,
    options: { readonly write: boolean; readonly maxWriteBytes: number },
  ): Promise<OpenedDisk> {
    const geometry = await this.geometry(device);
    const handle = await this.options.host.openDevice(
      `/dev/r${wholeDisk(device)}`,
      options.write ? constants.O_RDWR : constants.O_RDONLY,
    );
    const window = new Uint8Array(options.maxWriteBytes + geometry.sectorBytes);
    return { ...geometry, io: new AlignedIo(handle, window, geometry.sectorBytes, true) };
  }

  async eject(device: string): Promise<string | null> {
    try {
      await this.diskutil('eject', `/dev/${wholeDisk(device)}`);
      return null;
    } catch (error) {
      return `Could not eject ${device}: ${toolFailureText(error)}.`;
    }
  }

  /** A disk node by its name, or through a symlink to one. */
  private async diskNode(target: string): Promise<DiskNode | null> {
    const direct = diskNodeOf(target);
    if (direct) return direct;
    const resolved = await realpath(target).catch(() => null);
    return resolved === null ? null : diskNodeOf(resolved);
  }

  private diskutil(...args: string[]): Promise<string> {
    return this.options.host.run(this.options.diskutil, args);
  }

  private async info(what: string): Promise<PlistDict> {
    return parsePlistDict(await this.diskutil('info', '-plist', what));
  }

  private async diskInfo(target: string, disk: string): Promise<PlistDict> {
    try {
      return await this.info(`/dev/${disk}`);
    } catch (error) {
      return refuse(`macOS knows no disk ${target}: ${toolFailureText(error)}`);
    }
  }

  /** The whole disks under a mount point or device: APFS volumes live on a synthesized disk. */
  private async disksBehind(what: string): Promise<Set<string>> {
    const info = await this.info(what);
    const disks = new Set<string>();
    if (typeof info.ParentWholeDisk === 'string') disks.add(info.ParentWholeDisk);
    const stores = Array.isArray(info.APFSPhysicalStores) ? info.APFSPhysicalStores : [];
    for (const store of stores) {
      const name =
        typeof store === 'object' && !Array.isArray(store) ? store.APFSPhysicalStore : null;
      const disk = typeof name === 'string' ? /^disk\d+/.exec(name)?.[0] : undefined;
      if (disk) disks.add(disk);
    }
    return disks;
  }

  /** The disks holding a file: `df -P` names the device of its volume. */
  private async disksHolding(file: string): Promise<Set<string>> {
    const output = await this.options.host.run(this.options.df, ['-P', file]).catch(() => '');
    const device = output.split('\n')[1]?.split(/\s+/)[0];
    if (!device || !device.startsWith('/dev/')) return new Set();
    return this.disksBehind(device).catch(() => new Set<string>());
  }

  private async mountPoints(disk: string): Promise<string[]> {
    const list = parsePlistDict(await this.diskutil('list', '-plist', `/dev/${disk}`));
    return mountPointsIn(list.AllDisksAndPartitions);
  }
}
