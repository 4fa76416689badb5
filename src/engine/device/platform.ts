// SPDX-License-Identifier: GPL-3.0-or-later
import type { BlockIo } from '../block-io';

/**
 * The device layer: everything about a whole-disk target that differs between the operating
 * systems, behind one interface with one implementation per OS, chosen at run time
 * (src/engine/device/host-devices.ts). The jobs, the helper and the CLI see only this interface.
 * The tests build the Windows and macOS implementations over a simulated system
 * (test/integration/simulated-os), since no such machine runs them.
 */
export type DeviceOs = 'linux' | 'win32' | 'darwin';

/** A target the checks accepted: an image file, or a whole disk with its name on that OS. */
export type CheckedTarget =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'device'; readonly path: string; readonly disk: string };

export interface TargetCheckOptions {
  /** Whose rules apply: an implementation (tests), or the OS by name (default: this machine). */
  readonly devices?: DevicePlatform;
  readonly platform?: NodeJS.Platform;
  /** Linux: where sysfs is mounted ('/sys'). */
  readonly sysRoot?: string;
  /** Linux: where procfs is mounted ('/proc'); `self/mountinfo` and `swaps` are read. */
  readonly procRoot?: string;
  /** Files whose disk runs this computer besides the root file system: the running binary. */
  readonly systemFiles?: readonly string[];
  /**
   * Skip only the "something is mounted" check: a job that may release the disk's volumes first
   * makes sure the disk is one it may touch at all, releases them, then checks again without this.
   */
  readonly ignoreMounts?: boolean;
}

/** Size and addressing unit of a whole disk, as its own OS reports them. */
export interface DiskGeometry {
  readonly sizeBytes: number;
  /** The logical sector: the unit of every read and write the raw device accepts. */
  readonly sectorBytes: number;
}

export interface OpenedDisk extends DiskGeometry {
  /** Reads and writes of any size at any offset, turned into what the device accepts. */
  readonly io: BlockIo;
}

export interface ReleasedVolumes {
  /** What was taken away, for the job's log ("Unmounted /media/me/LIVE."), or null. */
  readonly summary: string | null;
  /**
   * Ends the release. `layoutChanged` says the job rewrote the partition table: the OS must then
   * find the new volumes itself rather than be handed the old ones back. Resolves with a warning
   * when the volumes could not be given back (the data is written; replugging shows them).
   */
  giveBack(options: { readonly layoutChanged: boolean }): Promise<string | null>;
}

export interface DevicePlatform {
  readonly os: DeviceOs;
  /**
   * The OS mounts every volume of a disk it sees, so a mounted stick is the normal state and the
   * user's confirmation to erase or change it covers releasing its volumes (Windows, macOS). On
   * Linux a mounted stick is the user's doing: the CLI refuses it and says so.
   */
  readonly automountsVolumes: boolean;
  /** The path names a disk device of this OS (a whole disk or not): writing it changes a disk. */
  isDevice(target: string): Promise<boolean>;
  /** The checks of src/engine/target-checks.ts for a write target, with this OS's facts. */
  checkWriteTarget(
    target: string,
    imagePath: string,
    options: TargetCheckOptions,
  ): Promise<CheckedTarget>;
  checkInspectTarget(target: string, options: TargetCheckOptions): Promise<CheckedTarget>;
  /** The size and sector size of a whole disk, from the OS, never from the file handle. */
  geometry(device: string): Promise<DiskGeometry>;
  /** Takes every volume of the disk away so its sectors can be written, until giveBack(). */
  release(device: string): Promise<ReleasedVolumes>;
  /** Opens the whole disk for sector-aligned raw I/O; `write: false` for inspection. */
  open(
    device: string,
    options: { readonly write: boolean; readonly maxWriteBytes: number },
  ): Promise<OpenedDisk>;
  /** Makes the stick safe to pull out; resolves with a warning when it could not. */
  eject(device: string): Promise<string | null>;
}
