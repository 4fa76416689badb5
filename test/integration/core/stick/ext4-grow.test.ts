import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ByteSource } from '../../../../src/core/byte-source';
import { setU32le } from '../../../../src/core/bytes';
import type { Extent } from '../../../../src/core/extent';
import { crc32cFromOnes, fsChecksumSeed } from '../../../../src/core/ext4/checksum';
import {
  GROUP_DESC_SIZE,
  SUPERBLOCK_OFFSET,
  SUPERBLOCK_SIZE,
} from '../../../../src/core/ext4/constants';
import { decodeGroupDescriptor } from '../../../../src/core/ext4/group-descriptor';
import { planHomeImage, planOverlayfsImage } from '../../../../src/core/ext4/image-plan';
import {
  OFFSET_CHECKSUM,
  OFFSET_FEATURE_INCOMPAT,
  decodeSuperblock,
} from '../../../../src/core/ext4/superblock';
import { planExt4Grow } from '../../../../src/core/stick/ext4-grow';

const MiB = 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'livestick-ext4-grow-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const CHUNK = 64 * 1024;

/**
 * A sparse disk image: only written 64 KiB chunks exist, the rest reads as `stale` bytes, so a
 * 4 GiB file system costs a few MiB and stale space is never mistaken for zeros.
 */
class SparseImage implements ByteSource {
  private readonly chunks = new Map<number, Uint8Array>();
  constructor(
    public size: number,
    private readonly stale: number,
  ) {}

  private chunk(index: number): Uint8Array {
    let chunk = this.chunks.get(index);
    if (!chunk) {
      chunk = new Uint8Array(CHUNK).fill(this.stale);
      this.chunks.set(index, chunk);
    }
    return chunk;
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    if (offset + length > this.size) return Promise.reject(new RangeError('past the end'));
    const out = new Uint8Array(length);
    for (let at = 0; at < length;) {
      const index = Math.floor((offset + at) / CHUNK);
      const from = (offset + at) % CHUNK;
      const take = Math.min(CHUNK - from, length - at);
      const chunk = this.chunks.get(index);
      if (chunk) out.set(chunk.subarray(from, from + take), at);
      else out.fill(this.stale, at, at + take);
      at += take;
    }
    return Promise.resolve(out);
  }

  write(offset: number, data: Uint8Array): void {
    for (let at = 0; at < data.length;) {
      const from = (offset + at) % CHUNK;
      const take = Math.min(CHUNK - from, data.length - at);
      this.chunk(Math.floor((offset + at) / CHUNK)).set(data.subarray(at, at + take), from);
      at += take;
    }
  }

  apply(extents: readonly Extent[]): void {
    for (const extent of extents) {
      if (extent.fill.kind === 'bytes') this.write(extent.offset, extent.fill.data);
      else if (extent.fill.kind === 'zero')
        this.write(extent.offset, new Uint8Array(extent.length));
      else throw new Error('no source fills expected');
    }
  }

  /**
   * A sparse file for e2fsck: written chunks, stale bytes up to `staleBytes` (the old file
   * system), holes after it — the appended space is never read, and writing 4 GiB of stale
   * bytes would only cost time.
   */
  save(file: string, staleBytes: number): void {
    const fd = openSync(file, 'w');
    try {
      ftruncateSync(fd, this.size);
      for (let index = 0; index * CHUNK < this.size; index++) {
        const chunk = this.chunks.get(index);
        if (!chunk && index * CHUNK >= staleBytes) continue;
        const length = Math.min(CHUNK, this.size - index * CHUNK);
        writeSync(
          fd,
          chunk ? chunk.subarray(0, length) : new Uint8Array(length).fill(this.stale),
          0,
          length,
          index * CHUNK,
        );
      }
    } finally {
      closeSync(fd);
    }
  }
}

function fresh(sizeBytes: number, newBytes: number, overlay = false): SparseImage {
  // Stale bytes everywhere: the plan must not depend on zeroed space.
  const image = new SparseImage(newBytes, 0xa5);
  const options = {
    sizeBytes,
    uuid: Uint8Array.from({ length: 16 }, (_, i) => i + 1),
    hashSeed: Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i),
    createdAt: 1_700_000_000,
  };
  image.apply((overlay ? planOverlayfsImage(options) : planHomeImage(options)).extents);
  return image;
}

function e2fsck(image: SparseImage, staleBytes: number, name: string): string {
  const file = join(work, name);
  image.save(file, staleBytes);
  try {
    return execFileSync('e2fsck', ['-fn', file], { encoding: 'utf8', stdio: 'pipe' });
  } finally {
    rmSync(file);
  }
}

async function superblockOf(image: ByteSource) {
  return decodeSuperblock(await image.read(SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE));
}

describe('planExt4Grow', () => {
  const cases: readonly [string, number, number, boolean][] = [
    ['inside the last group', 64 * MiB, 100 * MiB, false],
    ['one group to many, across sparse_super backups 3, 5, 7, 9', 64 * MiB, 1300 * MiB, false],
    ['a partial last group that becomes full, then more', 200 * MiB, 700 * MiB, true],
    ['to the FAT32 file limit', 256 * MiB, 4 * 1024 * MiB - 512, false],
  ];
  for (const [what, from, to, overlay] of cases) {
    it(`grows ${what}, and e2fsck -fn finds nothing to fix`, async () => {
      const image = fresh(from, to, overlay);
      const plan = await planExt4Grow(image, to, 'image');
      image.apply(plan.extents);
      const sb = await superblockOf(image);
      expect(sb.blocksCount).toBe(plan.newBlocks);
      expect(sb.blocksCount * 4096).toBeLessThanOrEqual(to);
      expect(sb.blocksCount * 4096).toBeGreaterThan(to - 32768 * 4096);
      expect(sb.inodesCount).toBe(plan.newGroups * sb.inodesPerGroup);
      expect(sb.freeBlocksCount).toBe(plan.freeBlocks);
      // Every descriptor decodes with a valid checksum, and the counts add up.
      const seed = fsChecksumSeed(sb.uuid);
      let free = 0;
      for (let g = 0; g < plan.newGroups; g++) {
        const at = 4096 + g * GROUP_DESC_SIZE;
        free += decodeGroupDescriptor(await image.read(at, GROUP_DESC_SIZE), g, seed).freeBlocks;
      }
      expect(free).toBe(sb.freeBlocksCount);
      const report = e2fsck(image, from, `grown-${from}-${to}.img`);
      expect(report).toMatch(/\/\d+ blocks\n$/);
      expect(report).toContain(`/${sb.blocksCount} blocks`);
    }, 60_000);
  }

  it('refuses a file system whose journal needs recovery', async () => {
    const image = fresh(64 * MiB, 128 * MiB);
    const sb = await image.read(SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE);
    setU32le(sb, OFFSET_FEATURE_INCOMPAT, decodeSuperblock(sb).featureIncompat | 0x4);
    setU32le(sb, OFFSET_CHECKSUM, crc32cFromOnes(sb.subarray(0, OFFSET_CHECKSUM)));
    image.write(SUPERBLOCK_OFFSET, sb);
    await expect(planExt4Grow(image, 128 * MiB, 'home.img')).rejects.toThrow(
      /journal still needs recovery/,
    );
  });

  it('refuses a growth too small for a new block group', async () => {
    const image = fresh(128 * MiB, 128 * MiB + 64 * 1024);
    await expect(planExt4Grow(image, 128 * MiB + 64 * 1024, 'home.img')).rejects.toMatchObject({
      code: 'DOES_NOT_FIT',
    });
  });
});
