// SPDX-License-Identifier: GPL-3.0-or-later
import { closeSync, openSync, truncateSync, writeSync } from 'node:fs';
import type { ByteSource } from '../../../../src/core/byte-source';
import { setU64le, u32le } from '../../../../src/core/bytes';
import {
  areaChunk,
  encodeSnapshotHeader,
  exceptionsPerArea,
} from '../../../../src/core/formats/dm-snapshot';

/** A sparse file in memory: unwritten bytes read as zero, so 512 MiB overlays cost nothing. */
export class SparseFile implements ByteSource {
  private readonly pages = new Map<number, Uint8Array>();
  private static readonly PAGE = 4096;

  constructor(readonly size: number) {}

  write(offset: number, data: Uint8Array): void {
    if (offset + data.length > this.size) throw new RangeError('write beyond end of device');
    for (let done = 0; done < data.length;) {
      const page = Math.floor((offset + done) / SparseFile.PAGE);
      const within = (offset + done) % SparseFile.PAGE;
      const n = Math.min(SparseFile.PAGE - within, data.length - done);
      let bytes = this.pages.get(page);
      if (!bytes) this.pages.set(page, (bytes = new Uint8Array(SparseFile.PAGE)));
      bytes.set(data.subarray(done, done + n), within);
      done += n;
    }
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      return Promise.reject(new RangeError(`read [${offset}, +${length}) outside ${this.size}`));
    }
    const out = new Uint8Array(length);
    for (const [page, bytes] of this.pages) {
      const start = page * SparseFile.PAGE;
      const from = Math.max(start, offset);
      const to = Math.min(start + SparseFile.PAGE, offset + length);
      if (from < to) out.set(bytes.subarray(from - start, to - start), from - offset);
    }
    return Promise.resolve(out);
  }

  /** Writes the non-zero pages to a real sparse file of the same size. */
  saveTo(path: string): void {
    const fd = openSync(path, 'w');
    try {
      for (const [page, bytes] of this.pages) writeSync(fd, bytes, 0, bytes.length, page * 4096);
    } finally {
      closeSync(fd);
    }
    truncateSync(path, this.size);
  }
}

/**
 * The kernel's persistent exception store, reduced to what reaches the disk. It follows
 * dm-snap-persistent.c: a magic-0 header is a new snapshot (write header, zero area 0);
 * prepare_exception refuses when (next_free + 1)·cs exceeds the device and skips metadata slots;
 * commit_exception fills the in-memory area, zeroes the NEXT area before writing a full one, and
 * invalidates the snapshot when any of those writes fails (e.g. past the end of the device).
 */
export class KernelCowStore {
  private nextFree = 2;
  private currentArea = 0;
  private committed = 0;
  private area: Uint8Array;
  private readonly epa: number;
  private readonly chunkBytes: number;
  valid = true;

  constructor(
    readonly dev: SparseFile,
    readonly cs = 8,
  ) {
    this.chunkBytes = cs * 512;
    this.epa = exceptionsPerArea(cs);
    this.area = new Uint8Array(this.chunkBytes);
  }

  async activate(): Promise<void> {
    const header = await this.dev.read(0, 16);
    if (u32le(header, 0) !== 0) throw new Error('simulator only activates fresh stores');
    const chunk0 = new Uint8Array(this.chunkBytes);
    chunk0.set(encodeSnapshotHeader({ valid: true, version: 1, chunkSectors: this.cs }));
    this.dev.write(0, chunk0);
    this.zeroArea(0);
  }

  /** Returns the COW chunk for a new exception, or null for -ENOSPC (overflow). */
  prepare(): number | null {
    const deviceSectors = Math.floor(this.dev.size / 512);
    if (deviceSectors < (this.nextFree + 1) * this.cs) return null;
    const chunk = this.nextFree++;
    if (this.nextFree % (this.epa + 1) === 1) this.nextFree++;
    return chunk;
  }

  /** Copies origin data into `newChunk`, then commits the exception as the kernel does. */
  commit(oldChunk: number, newChunk: number): void {
    this.dev.write(newChunk * this.chunkBytes, new Uint8Array(this.chunkBytes).fill(0xa5));
    setU64le(this.area, this.committed * 16, BigInt(oldChunk));
    setU64le(this.area, this.committed * 16 + 8, BigInt(newChunk));
    this.committed++;
    if (this.committed === this.epa && !this.zeroArea(this.currentArea + 1)) this.invalidate();
    if (this.valid && !this.tryWrite(areaChunk(this.currentArea, this.cs), this.area)) {
      this.invalidate();
    }
    if (this.committed === this.epa) {
      this.committed = 0;
      this.currentArea++;
      this.area = new Uint8Array(this.chunkBytes);
    }
  }

  /** persistent_usage on the live store: what `dmsetup status` prints right now. */
  status(): string {
    if (!this.valid) return 'Invalid';
    const total = Math.floor(this.dev.size / 512);
    return `${this.nextFree * this.cs}/${total} ${(this.currentArea + 2) * this.cs}`;
  }

  private zeroArea(area: number): boolean {
    return this.tryWrite(areaChunk(area, this.cs), new Uint8Array(this.chunkBytes));
  }

  private tryWrite(chunk: number, data: Uint8Array): boolean {
    if ((chunk + 1) * this.chunkBytes > this.dev.size) return false;
    this.dev.write(chunk * this.chunkBytes, data);
    return true;
  }

  private invalidate(): void {
    this.valid = false;
    const header = encodeSnapshotHeader({ valid: false, version: 1, chunkSectors: this.cs });
    this.dev.write(0, header);
  }

  /** Remaps `count` origin chunks in order, one commit each; returns how many fitted. */
  fill(count: number, firstOrigin = 0): number {
    for (let i = 0; i < count; i++) {
      const chunk = this.prepare();
      if (chunk === null) return i;
      this.commit(firstOrigin + i, chunk);
    }
    return count;
  }
}

export async function activated(size: number, cs = 8): Promise<KernelCowStore> {
  const store = new KernelCowStore(new SparseFile(size), cs);
  await store.activate();
  return store;
}
