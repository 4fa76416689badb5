// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * A ByteSource over a file or block device. Probing an ISO touches a few hundred small scattered
 * ranges (volume descriptors, directory sectors, squashfs metadata); a tiny block cache turns the
 * repeated neighbouring reads into one pread each, and a byte counter lets tests prove the probe
 * never streams the payload.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { ByteSource } from '../core/byte-source';
import { hostDevices } from './device/host-devices';

/** Cache granularity: one ISO directory sector is 2 KiB, one squashfs metadata block ≤ 8 KiB. */
const CACHE_BLOCK = 64 * 1024;
const DEFAULT_CACHE_BLOCKS = 32;
/** One read() of more than this is refused: the engine never needs the payload in memory. */
const DEFAULT_MAX_READ = 64 * 1024 * 1024;

/** Positioned reads: a file handle, or a disk's sector-aligned I/O. */
export interface PositionalReader {
  read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

export interface FileSourceOptions {
  /** Size in bytes, when the caller knows it better than the file handle. */
  readonly size?: number;
  /** Blocks of 64 KiB kept; 0 disables the cache (sequential bulk readers such as MD5 checks). */
  readonly cacheBlocks?: number;
  readonly maxRead?: number;
}

export class FileSource implements ByteSource {
  /** Bytes actually read from the OS (cache hits excluded). */
  bytesRead = 0;
  /** Number of OS reads issued. */
  readCount = 0;
  private readonly cache = new Map<number, Uint8Array>();

  private constructor(
    private readonly handle: PositionalReader,
    readonly size: number,
    readonly path: string,
    private readonly cacheBlocks: number,
    private readonly maxRead: number,
  ) {}

  static async open(path: string, options: FileSourceOptions = {}): Promise<FileSource> {
    const handle = await open(path, 'r');
    try {
      const size = options.size ?? (await sizeOf(handle, path));
      return new FileSource(
        handle,
        size,
        path,
        options.cacheBlocks ?? DEFAULT_CACHE_BLOCKS,
        options.maxRead ?? DEFAULT_MAX_READ,
      );
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Reads through something other than a file handle: a disk opened by its device layer. */
  static over(
    reader: PositionalReader,
    size: number,
    path: string,
    options: Omit<FileSourceOptions, 'size'> = {},
  ): FileSource {
    return new FileSource(
      reader,
      size,
      path,
      options.cacheBlocks ?? DEFAULT_CACHE_BLOCKS,
      options.maxRead ?? DEFAULT_MAX_READ,
    );
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset + length > this.size
    ) {
      throw new RangeError(
        `read of ${length} bytes at ${offset} is outside a ${this.size}-byte source`,
      );
    }
    if (length > this.maxRead) {
      throw new RangeError(`read of ${length} bytes exceeds the ${this.maxRead}-byte bound`);
    }
    if (this.cacheBlocks === 0 || length > CACHE_BLOCK) return this.readDirect(offset, length);
    const first = Math.floor(offset / CACHE_BLOCK);
    const last = Math.floor((offset + length - 1) / CACHE_BLOCK);
    if (length === 0) return new Uint8Array(0);
    if (first === last) {
      const block = await this.block(first);
      const at = offset - first * CACHE_BLOCK;
      return block.slice(at, at + length);
    }
    const out = new Uint8Array(length);
    for (let index = first; index <= last; index++) {
      const block = await this.block(index);
      const blockStart = index * CACHE_BLOCK;
      const from = Math.max(offset, blockStart);
      const to = Math.min(offset + length, blockStart + block.length);
      out.set(block.subarray(from - blockStart, to - blockStart), from - offset);
    }
    return out;
  }

  async close(): Promise<void> {
    this.cache.clear();
    await this.handle.close();
  }

  private async block(index: number): Promise<Uint8Array> {
    const hit = this.cache.get(index);
    if (hit) {
      // Map iteration order is insertion order: re-inserting makes this the most recent entry.
      this.cache.delete(index);
      this.cache.set(index, hit);
      return hit;
    }
    const start = index * CACHE_BLOCK;
    const block = await this.readDirect(start, Math.min(CACHE_BLOCK, this.size - start));
    this.cache.set(index, block);
    if (this.cache.size > this.cacheBlocks) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    return block;
  }

  private async readDirect(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(out, done, length - done, offset + done);
      this.readCount++;
      if (bytesRead === 0) {
        // The file shrank under us (or a device went away): never hand back a short buffer.
        throw new Error(
          `${this.path}: unexpected end of data at byte ${offset + done} (expected ${this.size} bytes)`,
        );
      }
      done += bytesRead;
      this.bytesRead += bytesRead;
    }
    return out;
  }
}

/** A device (an ISO on an optical drive) reports size 0 to fstat; its OS knows its size. */
async function sizeOf(handle: FileHandle, path: string): Promise<number> {
  const stat = await handle.stat();
  if (stat.isFile()) return stat.size;
  const devices = hostDevices();
  if (await devices.isDevice(path)) return (await devices.geometry(path)).sizeBytes;
  throw new Error(`${path}: cannot determine its size; pass it explicitly`);
}
