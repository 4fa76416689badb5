// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/core/format-error';
import {
  capacityChunks,
  decodeSnapshotHeader,
  encodeSnapshotHeader,
  planFreshOverlay,
  readSnapshotUsage,
  resetOverlayExtents,
  usefulMaxBytes,
} from '../../../../src/core/formats/dm-snapshot';
import { KernelCowStore, SparseFile, activated } from './kernel-cow-store';

const KiB = 1024;
const MiB = 1024 * KiB;

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
    const endings = new Set<string>();
    for (const chunks of [3, 200, 257, 258, 259, 515, 516, 1030]) {
      const store = await activated(chunks * 4096);
      const fitted = store.fill(10_000);
      const expected = capacityChunks(chunks * 4096);
      endings.add(store.valid ? 'overflow' : 'invalidated');
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
    // Both ways a store fills up are among the sizes, so neither branch above goes unchecked.
    expect([...endings].sort()).toEqual(['invalidated', 'overflow']);
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
