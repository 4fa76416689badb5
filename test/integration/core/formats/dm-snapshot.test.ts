// SPDX-License-Identifier: GPL-3.0-or-later
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ByteSource } from '../../../../src/core/byte-source';
import { setU64le, u32le } from '../../../../src/core/bytes';
import { FormatError } from '../../../../src/core/format-error';
import {
  areaChunk,
  capacityChunks,
  decodeSnapshotHeader,
  encodeSnapshotHeader,
  exceptionsPerArea,
  planFreshOverlay,
  readSnapshotUsage,
  resetOverlayExtents,
  usefulMaxBytes,
} from '../../../../src/core/formats/dm-snapshot';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A sparse file in memory: unwritten bytes read as zero, so 512 MiB overlays cost nothing. */
class SparseFile implements ByteSource {
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
class KernelCowStore {
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

async function activated(size: number, cs = 8): Promise<KernelCowStore> {
  const store = new KernelCowStore(new SparseFile(size), cs);
  await store.activate();
  return store;
}

describe('DM snapshot header', () => {
  it('encodes SnAp, valid, version and chunk size little endian', () => {
    const bytes = encodeSnapshotHeader({ valid: true, version: 1, chunkSectors: 8 });
    expect(Array.from(bytes)).toEqual([0x53, 0x6e, 0x41, 0x70, 1, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0]);
    expect(decodeSnapshotHeader(bytes)).toEqual({ valid: true, version: 1, chunkSectors: 8 });
  });

  it('reads magic 0 as a new snapshot', () => {
    expect(decodeSnapshotHeader(new Uint8Array(16))).toBeNull();
  });

  it('rejects what the kernel refuses to load', () => {
    const foreign = new Uint8Array(16);
    foreign.set([0x53, 0xef]); // an ext4 magic would sit elsewhere; any non-zero word is foreign
    expect(() => decodeSnapshotHeader(foreign)).toThrow(/byte 0: expected magic 0x70416e53/);
    const v2 = encodeSnapshotHeader({ valid: true, version: 1, chunkSectors: 8 });
    v2[8] = 2;
    expect(() => decodeSnapshotHeader(v2)).toThrow(/byte 8: expected version 1, got 2/);
    for (const chunkSectors of [0, 3, 2 ** 22, 0xffffffff]) {
      const bad = encodeSnapshotHeader({ valid: true, version: 1, chunkSectors: 8 });
      bad.set(
        [
          chunkSectors & 0xff,
          (chunkSectors >>> 8) & 0xff,
          (chunkSectors >>> 16) & 0xff,
          chunkSectors >>> 24,
        ],
        12,
      );
      expect(() => decodeSnapshotHeader(bad)).toThrow(FormatError);
    }
    expect(() => decodeSnapshotHeader(new Uint8Array(15))).toThrow(/need 16 bytes/);
  });
});

describe('fresh overlay plan', () => {
  it('zeroes the first and last MiB and never writes a header', () => {
    const plan = planFreshOverlay({ sizeBytes: 512 * MiB, zeroFill: false });
    expect(plan.map((e) => [e.offset, e.length, e.fill.kind])).toEqual([
      [0, MiB, 'zero'],
      [511 * MiB, MiB, 'zero'],
    ]);
  });

  it('zeroes everything when asked, or when the ends would overlap', () => {
    expect(planFreshOverlay({ sizeBytes: 512 * MiB, zeroFill: true })).toEqual([
      { offset: 0, length: 512 * MiB, fill: { kind: 'zero' }, label: 'overlay zero fill' },
    ]);
    expect(planFreshOverlay({ sizeBytes: 2 * MiB, zeroFill: false })[0]!.length).toBe(2 * MiB);
    expect(() => planFreshOverlay({ sizeBytes: 8191, zeroFill: false })).toThrow(RangeError);
  });

  it('resets like rd.live.overlay.reset', () => {
    expect(resetOverlayExtents(512 * MiB)).toEqual([
      { offset: 0, length: 64 * KiB, fill: { kind: 'zero' }, label: 'overlay reset' },
    ]);
    expect(resetOverlayExtents(16 * KiB)[0]!.length).toBe(16 * KiB);
  });
});

describe('offline dmsetup status (worked examples, 512 MiB file)', () => {
  it('fresh file', async () => {
    const usage = await readSnapshotUsage(new SparseFile(512 * MiB), {
      originBytes: 6 * 1024 * MiB,
    });
    expect(usage.state).toBe('fresh');
    expect(usage.status).toBe('16/1048576 16');
    expect(usage.statusLine).toBe('0 12582912 snapshot 16/1048576 16');
  });

  it('the kernel-initialised file reads the same as the fresh one', async () => {
    const store = await activated(512 * MiB);
    expect(store.status()).toBe('16/1048576 16');
    expect((await readSnapshotUsage(store.dev)).status).toBe('16/1048576 16');
  });

  it('1000 chunks written in order', async () => {
    const store = await activated(512 * MiB);
    expect(store.fill(1000)).toBe(1000);
    const usage = await readSnapshotUsage(store.dev);
    expect(usage.status).toBe('8040/1048576 40');
    expect(usage.status).toBe(store.status());
    expect(usage).toMatchObject({ state: 'valid', exceptions: 1000, metadataSectors: 40 });
  });

  it('exactly 256 chunks: next_free skips the metadata slot of area 1', async () => {
    const store = await activated(512 * MiB);
    store.fill(256);
    const usage = await readSnapshotUsage(store.dev);
    expect(usage.status).toBe('2072/1048576 24');
    expect(usage.status).toBe(store.status());
  });

  it('matches the live store after every commit across several areas', async () => {
    const store = await activated(8 * MiB);
    for (let i = 1; i <= 1100; i++) {
      store.fill(1, i);
      if (i % 37 === 0 || i % 256 <= 1) {
        expect((await readSnapshotUsage(store.dev)).status, `after ${i}`).toBe(store.status());
      }
    }
  });

  it('after a crash between out-of-order commits, reports the kernel reload (the maximum)', async () => {
    const store = await activated(512 * MiB);
    store.fill(10);
    const [a, b, c] = [store.prepare()!, store.prepare()!, store.prepare()!];
    expect([a, b, c]).toEqual([12, 13, 14]);
    store.commit(102, c);
    store.commit(100, a); // b never committed: a hole at chunk 13
    const usage = await readSnapshotUsage(store.dev);
    expect(usage.allocatedSectors).toBe(15 * 8);
    expect(usage.exceptions).toBe(12);
  });

  it('reads a COW file at an offset inside a disk image', async () => {
    const disk = new SparseFile(64 * MiB);
    const store = new KernelCowStore(new SparseFile(16 * MiB));
    await store.activate();
    store.fill(300);
    const cow = await store.dev.read(0, 16 * MiB);
    disk.write(5 * MiB + 4096, cow);
    const usage = await readSnapshotUsage(disk, {
      offset: 5 * MiB + 4096,
      length: 16 * MiB,
      originBytes: 100 * MiB,
    });
    expect(usage.statusLine).toBe(`0 204800 snapshot ${store.status()}`);
  });

  it('uses the header chunk size over the table one', async () => {
    const store = await activated(64 * MiB, 32);
    store.fill(700);
    const usage = await readSnapshotUsage(store.dev, { tableChunkSectors: 8 });
    expect(usage.chunkSectors).toBe(32);
    expect(usage.status).toBe(store.status());
  });

  it('reports an invalidated snapshot as Invalid', async () => {
    const dev = new SparseFile(MiB);
    dev.write(0, encodeSnapshotHeader({ valid: false, version: 1, chunkSectors: 8 }));
    const usage = await readSnapshotUsage(dev, { originBytes: MiB });
    expect(usage.state).toBe('invalid');
    expect(usage.statusLine).toBe('0 2048 snapshot Invalid');
  });

  it('flags a truncated file instead of reading past its end', async () => {
    const store = await activated(4 * MiB);
    store.fill(600); // areas 0, 1 and 2 in use
    const truncated = new SparseFile(600 * 4096);
    truncated.write(0, await store.dev.read(0, 600 * 4096));
    const usage = await readSnapshotUsage(truncated);
    expect(usage.beyondEnd).toBe(true);
    expect((await readSnapshotUsage(store.dev)).beyondEnd).toBe(false);
  });

  it('rejects a foreign file and a header-less stub', async () => {
    const dev = new SparseFile(MiB);
    dev.write(0, new TextEncoder().encode('hsqs'));
    await expect(readSnapshotUsage(dev)).rejects.toThrow(FormatError);
    await expect(readSnapshotUsage(new SparseFile(8))).rejects.toThrow(/holds no header/);
    await expect(readSnapshotUsage(new SparseFile(8), { offset: 4, length: 8 })).rejects.toThrow(
      RangeError,
    );
  });
});

describe('capacity and full prediction', () => {
  it('counts exactly the chunks the kernel accepts before overflow or invalidation', async () => {
    // 258 chunks: the last data chunk fills area 0 and area 1 would lie past the end.
    for (const chunks of [3, 200, 257, 258, 259, 515, 516, 1030]) {
      const store = await activated(chunks * 4096);
      const fitted = store.fill(10_000);
      const expected = capacityChunks(chunks * 4096);
      if (store.valid) {
        expect(fitted, `${chunks} chunks`).toBe(expected);
        const usage = await readSnapshotUsage(store.dev);
        expect(usage.full).toBe(true);
        expect(usage.willBeFullSoon).toBe(true);
        expect(usage.status).toBe(store.status());
      } else {
        expect(fitted - 1, `${chunks} chunks, invalidated on the last one`).toBe(expected);
      }
    }
  });

  it('predicts full only when the next chunk does not fit', async () => {
    const store = await activated(1000 * 4096);
    store.fill(capacityChunks(1000 * 4096) - 1);
    const usage = await readSnapshotUsage(store.dev);
    expect(usage.full).toBe(false);
    expect(usage.willBeFullSoon).toBe(true);
    expect(usage.percentUsed).toBeGreaterThan(99);
    const fresh = await readSnapshotUsage(new SparseFile(1000 * 4096));
    expect(fresh.willBeFullSoon).toBe(false);
  });

  it('useful maximum follows the spec formula, plus the area the kernel must zero', () => {
    const formula = (bytes: number): number => {
      const n = Math.ceil(bytes / 4096);
      return (1 + n + Math.ceil(n / 256)) * 4096;
    };
    for (const rootfs of [4096, 255 * 4096, 300 * 4096 + 1, 6 * 1024 * MiB + 12345]) {
      expect(usefulMaxBytes(rootfs)).toBe(formula(rootfs));
    }
    expect(usefulMaxBytes(256 * 4096)).toBe(formula(256 * 4096) + 4096);
    for (const rootfs of [4096, 255 * 4096, 256 * 4096, 512 * 4096, 1000 * 4096]) {
      const n = rootfs / 4096;
      expect(capacityChunks(usefulMaxBytes(rootfs))).toBeGreaterThanOrEqual(n);
      expect(capacityChunks(usefulMaxBytes(rootfs) - 4096)).toBeLessThan(n);
    }
  });
});

describe('blkid on overlay files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'livestick-cow-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const probe = (path: string): { status: number | null; out: string } => {
    const result = spawnSync('blkid', ['-p', '-o', 'export', path], { encoding: 'utf8' });
    if (result.error) throw result.error;
    return { status: result.status, out: result.stdout };
  };

  it('sees DM_snapshot_cow once the kernel wrote the header', async () => {
    const store = await activated(4 * MiB);
    store.fill(10);
    const path = join(dir, 'active.cow');
    store.dev.saveTo(path);
    expect(probe(path).out).toContain('TYPE=DM_snapshot_cow\n');
  });

  it('sees nothing on a fresh overlay planned over a stale signature', () => {
    const path = join(dir, 'stale.cow');
    closeSync(openSync(path, 'w'));
    truncateSync(path, 4 * MiB);
    execFileSync('mkswap', ['-q', path], { stdio: 'ignore' });
    expect(probe(path).out).toContain('TYPE=swap\n');
    const fd = openSync(path, 'r+');
    try {
      for (const extent of planFreshOverlay({ sizeBytes: 4 * MiB, zeroFill: false })) {
        writeSync(fd, new Uint8Array(extent.length), 0, extent.length, extent.offset);
      }
    } finally {
      closeSync(fd);
    }
    const after = probe(path);
    expect(after.status).toBe(2); // blkid: nothing found
    expect(after.out).toBe('');
  });
});
