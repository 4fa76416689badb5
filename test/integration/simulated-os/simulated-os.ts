// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * A simulated Windows or macOS machine for the device layer (src/engine/device), since no such
 * machine runs these tests. What is real: WindowsDevices and MacDevices themselves, the process
 * runner, the jobs, the CLI and the helper. What is simulated is only what those systems alone
 * have: their disk tools (./fake-tools.ts, separate processes) and their raw disks, here image
 * files behind a handle that behaves like the real device where LiveStick could go wrong:
 * - fstat reports size 0, so a size can only come from the OS's own facts;
 * - a read or write whose offset or length is not a whole number of sectors fails with EINVAL;
 * - Windows refuses (EPERM) a write into the sectors of a volume that no running process holds
 *   locked (Microsoft, "Blocking Direct Write Operations to Volumes and Disks");
 * - macOS refuses to open a disk for writing while a volume of it is mounted (EBUSY), and a
 *   write into a mounted volume (EPERM);
 * - a write past the end of the disk fails (ENOSPC), and a write-protected disk opens read-only.
 */
import { constants, statSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import type { RawHandle } from '../../../src/engine/block-io';
import { BLOCKED_SYSTEM, type DriveSource } from '../../../src/engine/drives';
import { nodeHostSystem, type HostSystem } from '../../../src/engine/device/host-system';
import { MacDevices } from '../../../src/engine/device/macos';
import type { DevicePlatform } from '../../../src/engine/device/platform';
import { WindowsDevices } from '../../../src/engine/device/windows';
import {
  discoverVolumes,
  loadState,
  loggedCommands,
  logPath,
  saveState,
  volumeBlocksWrites,
  type LoggedCommand,
  type SimDisk,
  type SimOs,
  type SimState,
  type SimVolume,
} from './state';

type SimErrno = 'EINVAL' | 'EPERM' | 'EBUSY' | 'ENOENT' | 'ENOSPC' | 'EROFS';

function errnoError(code: SimErrno, syscall: string, path: string, why: string): Error {
  const error = new Error(`${code}: ${why}, ${syscall} '${path}'`) as NodeJS.ErrnoException;
  error.code = code;
  error.errno = -osConstants.errno[code];
  error.syscall = syscall;
  error.path = path;
  return error;
}

export function devicePath(os: SimOs, number: number): string {
  return os === 'win32' ? `\\\\.\\PhysicalDrive${number}` : `/dev/disk${number}`;
}

/** The raw device path → disk number: \\.\PhysicalDriveN on Windows, only /dev/rdiskN on macOS. */
function rawDiskNumber(os: SimOs, path: string): number | null {
  const match =
    os === 'win32' ? /^\\\\\.\\PhysicalDrive(\d+)$/i.exec(path) : /^\/dev\/rdisk(\d+)$/.exec(path);
  return match ? Number(match[1]) : null;
}

export class SimulatedRawDisk implements RawHandle {
  constructor(
    private readonly root: string,
    private readonly os: SimOs,
    private readonly path: string,
    private readonly disk: SimDisk,
    private readonly file: FileHandle,
    private readonly sizeBytes: number,
  ) {}

  /** What fstat says about a raw disk on both systems: no size. */
  async stat(): Promise<{ size: number; isFile(): boolean; isBlockDevice(): boolean }> {
    return { size: 0, isFile: () => false, isBlockDevice: () => false };
  }

  async read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }> {
    this.requireAligned('read', length, position);
    return this.file.read(buffer, offset, length, position);
  }

  async write(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesWritten: number }> {
    this.requireAligned('write', length, position);
    if (position + length > this.sizeBytes) {
      throw errnoError('ENOSPC', 'write', this.path, 'past the end of the disk');
    }
    const blocking = this.blockingVolume(position, length);
    if (blocking) {
      throw errnoError(
        'EPERM',
        'write',
        this.path,
        `sectors of volume ${blocking.letter ?? blocking.mountPoint ?? blocking.partition} are in use by its file system`,
      );
    }
    return this.file.write(buffer, offset, length, position);
  }

  sync(): Promise<void> {
    return this.file.sync();
  }

  close(): Promise<void> {
    return this.file.close();
  }

  private requireAligned(syscall: string, length: number, position: number): void {
    const sector = this.disk.sectorBytes;
    if (position % sector !== 0 || length % sector !== 0) {
      throw errnoError(
        'EINVAL',
        syscall,
        this.path,
        `${length} bytes at ${position} are not whole ${sector}-byte sectors`,
      );
    }
  }

  private blockingVolume(position: number, length: number): SimVolume | undefined {
    const disk = loadState(this.root).disks.find((d) => d.number === this.disk.number);
    return disk?.volumes.find(
      (volume) =>
        position < volume.startBytes + volume.lengthBytes &&
        volume.startBytes < position + length &&
        volumeBlocksWrites(this.os, volume),
    );
  }
}

export interface SimulatedOs {
  readonly os: SimOs;
  readonly root: string;
  /** The real device layer of that OS, over the simulated machine. */
  readonly devices: DevicePlatform;
  /** Plugs an image file in as a new disk, its volumes mounted; returns its device path. */
  plug(image: string, options?: { sectorBytes?: number; readOnly?: boolean }): string;
  /** Plugs an ejected disk in again: the OS reads its partition table afresh. */
  replug(device: string): void;
  disk(device: string): SimDisk;
  state(): SimState;
  commands(): LoggedCommand[];
  clearCommands(): void;
  /** The drive list main would show (drivelist's view of this machine). */
  readonly drives: DriveSource;
  /** Opens a raw disk as the OS would (\\.\PhysicalDriveN, /dev/rdiskN). */
  openRaw(path: string, flags: number): Promise<RawHandle>;
}

/** The machine under `root`, as set up by createSimulatedOs (./install.ts). */
export function attachSimulatedOs(root: string): SimulatedOs {
  const os = loadState(root).os;
  const host: HostSystem = {
    ...nodeHostSystem,
    openDevice: async (path, flags) => {
      const number = rawDiskNumber(os, path);
      const disk = loadState(root).disks.find((d) => d.number === number && !d.ejected);
      if (number === null || !disk) {
        throw errnoError('ENOENT', 'open', path, 'no such raw disk');
      }
      const writing = (flags & 3) !== constants.O_RDONLY;
      if (writing && disk.readOnly) throw errnoError('EROFS', 'open', path, 'write-protected');
      if (writing && os === 'darwin' && disk.volumes.some((v) => v.mountPoint !== null)) {
        throw errnoError('EBUSY', 'open', path, 'a volume of this disk is mounted');
      }
      const file = await open(disk.image, writing ? 'r+' : 'r');
      return new SimulatedRawDisk(root, os, path, disk, file, statSync(disk.image).size);
    },
  };
  const bin = join(root, 'bin');
  const devices: DevicePlatform =
    os === 'win32'
      ? new WindowsDevices({
          host,
          powerShell: join(bin, 'powershell.exe'),
          systemDrive: 'C:',
          holdTimeoutMs: 60_000,
        })
      : new MacDevices({ host, diskutil: join(bin, 'diskutil'), df: join(bin, 'df') });

  const numberOf = (device: string): number => {
    const match = /(\d+)$/.exec(device);
    if (!match) throw new Error(`${device} is not a simulated disk`);
    return Number(match[1]);
  };
  const disk = (device: string): SimDisk => {
    const found = loadState(root).disks.find((d) => d.number === numberOf(device));
    if (!found) throw new Error(`${device} is not a simulated disk`);
    return found;
  };

  return {
    os,
    root,
    devices,
    plug: (image, options = {}) => {
      const state = loadState(root);
      const added: SimDisk = {
        // macOS keeps disk1 for the APFS container synthesized on its own disk0.
        number: Math.max(2, ...state.disks.map((d) => d.number + 1)),
        image,
        sectorBytes: options.sectorBytes ?? 512,
        system: false,
        readOnly: options.readOnly ?? false,
        ejected: false,
        volumes: [],
      };
      state.disks.push(added);
      added.volumes = discoverVolumes(state, added);
      saveState(root, state);
      return devicePath(os, added.number);
    },
    replug: (device) => {
      const state = loadState(root);
      const found = state.disks.find((d) => d.number === numberOf(device))!;
      found.ejected = false;
      found.volumes = discoverVolumes(state, found);
      saveState(root, state);
    },
    disk,
    state: () => loadState(root),
    commands: () => loggedCommands(root),
    clearCommands: () => writeFileSync(logPath(root), ''),
    openRaw: (path, flags) => host.openDevice(path, flags),
    drives: {
      list: async () =>
        loadState(root)
          .disks.filter((d) => !d.ejected)
          .map((d) => ({
            device: devicePath(os, d.number),
            description: d.system ? 'Simulated system disk' : 'Simulated USB stick',
            sizeBytes: statSync(d.image).size,
            bus: d.system ? 'SATA' : 'USB',
            removable: !d.system,
            system: d.system,
            readOnly: d.readOnly,
            mountpoints: d.volumes.flatMap((v) =>
              v.letter ? [`${v.letter}:\\`] : v.mountPoint ? [v.mountPoint] : [],
            ),
            blockedReason: d.system ? BLOCKED_SYSTEM : null,
          })),
    },
  };
}
