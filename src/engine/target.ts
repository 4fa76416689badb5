// SPDX-License-Identifier: GPL-3.0-or-later
import { open, stat } from 'node:fs/promises';
import { LiveStickError } from '../shared/errors';
import { SECTOR_BYTES } from '../core/sector';
import { BufferedIo, type BlockIo } from './block-io';
import { classifyError } from './classify-error';
import { hostDevices } from './device/host-devices';
import type { DevicePlatform, ReleasedVolumes, TargetCheckOptions } from './device/platform';
import { checkWriteTarget } from './target-checks';

export interface Target {
  readonly path: string;
  readonly kind: 'file' | 'device';
  readonly sizeBytes: number;
  readonly io: BlockIo;
}

/** A target held for one job: checked, its volumes released if allowed, open. */
export interface HeldTarget extends Target {
  /** Closes the target and gives the disk's volumes back; safe to call twice. */
  close(): Promise<void>;
}

/** How a job may reach its target: whose rules, and whether it may release the disk's volumes. */
export interface TargetAccess {
  /** The OS's device layer (default: this machine's; tests pass a simulated Windows or macOS). */
  readonly devices?: DevicePlatform;
  readonly checks?: TargetCheckOptions;
  /**
   * The user agreed that the disk's volumes may be taken away for the job (unmounted, or on
   * Windows locked and dismounted) and given back afterwards. Without it a mounted disk is
   * refused.
   */
  readonly releaseVolumes?: boolean;
}

export interface HoldOptions extends TargetAccess {
  /** The ISO being written, so the disk holding it is refused; '' when there is none. */
  readonly imagePath: string;
  /**
   * The job writes a new partition table (write, restore), so once it has written anything the
   * old volumes must not come back: the OS has to find the new ones.
   */
  readonly rewritesPartitionTable: boolean;
  /** Image files only: create the file, or extend it (sparse) to this size. */
  readonly createBytes?: number;
  /** Largest single write; sizes the aligned buffer of raw and direct I/O. */
  readonly maxWriteBytes?: number;
  onLog?(message: string): void;
}

const DEFAULT_MAX_WRITE_BYTES = 4 * 1024 * 1024;

/**
 * Opens an image file for writing: created or grown sparsely, never shrunk. A file that stays
 * empty is refused: it is not a disk image of any size.
 */
async function openImageFile(path: string, createBytes: number | undefined): Promise<Target> {
  const existing = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (existing && !existing.isFile()) {
    throw new LiveStickError('TARGET_REFUSED', `${path} is neither a disk nor a regular file.`);
  }
  if (!existing && createBytes === undefined) {
    throw new LiveStickError(
      'TARGET_REFUSED',
      `${path} does not exist; give --size to create a disk image of that size.`,
    );
  }
  const handle = await open(path, existing ? 'r+' : 'w+');
  let sizeBytes = existing?.size ?? 0;
  if (createBytes !== undefined && createBytes > sizeBytes) {
    await handle.truncate(createBytes);
    sizeBytes = createBytes;
  }
  if (sizeBytes === 0) {
    await handle.close();
    throw new LiveStickError(
      'TARGET_REFUSED',
      `${path} is empty; give --size to make it a disk image.`,
    );
  }
  return { path, kind: 'file', sizeBytes, io: new BufferedIo(handle) };
}

/**
 * Opens a target as it is, without the checks: a device of this machine as its OS does it, or
 * an image file. The jobs use holdTarget; tests that drive the writer directly use this.
 */
export async function openTarget(
  path: string,
  options: { readonly createBytes?: number; readonly maxWriteBytes?: number } = {},
): Promise<Target> {
  const devices = hostDevices();
  if (!(await devices.isDevice(path))) return openImageFile(path, options.createBytes);
  const disk = await devices.open(path, {
    write: true,
    maxWriteBytes: options.maxWriteBytes ?? DEFAULT_MAX_WRITE_BYTES,
  });
  return { path, kind: 'device', sizeBytes: disk.sizeBytes, io: disk.io };
}

/**
 * Takes the target for one job (docs/ARCHITECTURE.md, "Safety"): checks it with the OS's own
 * facts; for a disk, releases its volumes when allowed and checks again that nothing is left
 * mounted; opens it for sector-aligned raw I/O with the size the OS reports. close() gives the
 * volumes back — as they were, or for the OS to find anew once a new partition table may have
 * been written.
 */
export async function holdTarget(target: string, options: HoldOptions): Promise<HeldTarget> {
  const devices = options.devices ?? hostDevices();
  const checks: TargetCheckOptions = { ...options.checks, devices };
  const releaseVolumes = options.releaseVolumes ?? false;
  const checked = await checkWriteTarget(target, options.imagePath, {
    ...checks,
    ignoreMounts: releaseVolumes,
  });
  if (checked.kind === 'file') {
    const file = await openImageFile(checked.path, options.createBytes);
    const { io, close } = closeOnce(file.io);
    return { ...file, io, close };
  }
  if (options.createBytes !== undefined) {
    throw new LiveStickError(
      'TARGET_REFUSED',
      `${target} is a device; --size applies to image files only.`,
    );
  }
  let released: ReleasedVolumes | null = null;
  try {
    if (releaseVolumes) {
      released = await devices.release(checked.path);
      if (released.summary) options.onLog?.(released.summary);
      await checkWriteTarget(target, options.imagePath, checks);
    }
    const disk = await devices.open(checked.path, {
      write: true,
      maxWriteBytes: options.maxWriteBytes ?? DEFAULT_MAX_WRITE_BYTES,
    });
    if (disk.sectorBytes !== SECTOR_BYTES) {
      await disk.io.close();
      throw new LiveStickError(
        'TARGET_REFUSED',
        `${target} uses ${disk.sectorBytes}-byte sectors; LiveStick writes sticks with ${SECTOR_BYTES}-byte sectors.`,
      );
    }
    let written = false;
    const { io, close: closeDisk } = closeOnce(disk.io, () => (written = true));
    const giveBack = released;
    return {
      path: checked.path,
      kind: 'device',
      sizeBytes: disk.sizeBytes,
      io,
      close: once(async () => {
        try {
          await closeDisk();
        } finally {
          const warning = await giveBack?.giveBack({
            layoutChanged: written && options.rewritesPartitionTable,
          });
          if (warning) options.onLog?.(warning);
        }
      }),
    };
  } catch (error) {
    await released?.giveBack({ layoutChanged: false }).catch(() => null);
    throw classifyError(error, { path: target, kind: 'device' });
  }
}

function once(action: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | null = null;
  return () => (done ??= action());
}

/** The same I/O, closed at most once, telling `onWrite` when anything is written. */
function closeOnce(
  inner: BlockIo,
  onWrite: () => void = () => undefined,
): { io: BlockIo; close: () => Promise<void> } {
  const close = once(() => inner.close());
  const io: BlockIo = {
    direct: inner.direct,
    write: (data, position) => {
      onWrite();
      return inner.write(data, position);
    },
    read: (into, position) => inner.read(into, position),
    sync: () => inner.sync(),
    close,
  };
  return { io, close };
}
