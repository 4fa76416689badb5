// SPDX-License-Identifier: GPL-3.0-or-later
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { LiveStickError } from '../shared/errors';
import { formatBytes } from '../shared/units';
import { BufferedIo, DIRECT_ALIGN_BYTES, DirectIo, type BlockIo } from './block-io';
import { blockDeviceBytes } from './device-size';

export interface Target {
  readonly path: string;
  readonly kind: 'file' | 'device';
  readonly sizeBytes: number;
  readonly io: BlockIo;
}

export interface OpenTargetOptions {
  /** Image files only: create the file, or extend it (sparse) to this size. */
  readonly createBytes?: number;
  /** The size the drive list reported, for systems without sysfs. */
  readonly knownBytes?: number;
  /** Largest single write; sizes the aligned buffer of direct I/O. */
  readonly maxWriteBytes?: number;
}

const DEFAULT_MAX_WRITE_BYTES = 4 * 1024 * 1024;

/**
 * Opens the target for writing. Block devices are opened with O_EXCL, which Linux turns into
 * "fail with EBUSY if anything has it mounted or claimed" — a last guard against writing under
 * a mounted filesystem. Image files are created or grown sparsely, never shrunk.
 */
export async function openTarget(path: string, options: OpenTargetOptions = {}): Promise<Target> {
  const existing = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (existing?.isBlockDevice()) {
    if (options.createBytes !== undefined) {
      throw new LiveStickError(
        'TARGET_REFUSED',
        `${path} is a device; --size applies to image files only.`,
      );
    }
    const sizeBytes = (await blockDeviceBytes(existing)) ?? options.knownBytes ?? null;
    if (sizeBytes === null) {
      throw new LiveStickError('TARGET_REFUSED', `Cannot tell the size of ${path}.`);
    }
    const flags = constants.O_RDWR | constants.O_EXCL;
    // Direct I/O works in whole 4 KiB blocks, so a device whose end is not on one stays buffered.
    const direct =
      sizeBytes % DIRECT_ALIGN_BYTES === 0
        ? await DirectIo.open(path, flags, options.maxWriteBytes ?? DEFAULT_MAX_WRITE_BYTES)
        : null;
    const io = direct ?? new BufferedIo(await open(path, flags));
    return { path, kind: 'device', sizeBytes, io };
  }
  if (existing && !existing.isFile()) {
    throw new LiveStickError('TARGET_REFUSED', `${path} is neither a disk nor a regular file.`);
  }
  if (!existing && options.createBytes === undefined) {
    throw new LiveStickError(
      'TARGET_REFUSED',
      `${path} does not exist; give --size to create a disk image of that size.`,
    );
  }
  const handle = await open(path, existing ? 'r+' : 'w+');
  let sizeBytes = existing?.size ?? 0;
  if (options.createBytes !== undefined && options.createBytes > sizeBytes) {
    await handle.truncate(options.createBytes);
    sizeBytes = options.createBytes;
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

export function describeTarget(target: Target): string {
  return `${target.path} (${formatBytes(target.sizeBytes)}${target.kind === 'file' ? ', image file' : ''})`;
}
