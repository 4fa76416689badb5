// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { totalExtentBytes } from '../../../../src/core/extent';
import { fsChecksumSeed, inodeChecksumSeed } from '../../../../src/core/ext4/checksum';
import { decodeDirectoryBlock } from '../../../../src/core/ext4/directory';
import { decodeExtentNode } from '../../../../src/core/ext4/extents';
import { decodeGroupDescriptor } from '../../../../src/core/ext4/group-descriptor';
import { planHomeImage, planOverlayfsImage } from '../../../../src/core/ext4/image-plan';
import { decodeInode } from '../../../../src/core/ext4/inode';
import { decodeJournalSuperblock } from '../../../../src/core/ext4/journal';
import { planExt4Image } from '../../../../src/core/ext4/planner';
import { decodeSuperblock } from '../../../../src/core/ext4/superblock';
import { decodeInodeXattrs } from '../../../../src/core/ext4/xattr';

const UUID = Uint8Array.from('0123456789abcdef0123456789abcdef'.match(/../g)!, (h) =>
  parseInt(h, 16),
);
const HASH_SEED = new Uint8Array(16).fill(0x11);
const CREATED = 1700000000;
const MiB = 2 ** 20;

/** Flattens a plan into an image buffer (gaps zero) for decoding. */
function materialise(
  size: number,
  extents: ReturnType<typeof planHomeImage>['extents'],
): Uint8Array {
  const image = new Uint8Array(size);
  for (const e of extents) {
    if (e.fill.kind !== 'bytes') throw new Error(`unexpected ${e.fill.kind} fill in "${e.label}"`);
    image.set(e.fill.data, e.offset);
  }
  return image;
}

describe('planExt4Image', () => {
  it('writes metadata only, in sorted non-overlapping block-aligned extents', () => {
    const plan = planHomeImage({
      sizeBytes: 64 * MiB,
      uuid: UUID,
      hashSeed: HASH_SEED,
      createdAt: CREATED,
    });
    for (const e of plan.extents) {
      expect(e.offset % 4096).toBe(0);
      expect(e.length % 4096).toBe(0);
    }
    expect(totalExtentBytes(plan.extents)).toBeGreaterThan(4096);
    expect(totalExtentBytes(plan.extents)).toBeLessThan(64 * 1024);
    expect(plan.label).toBe('HOME');
    expect(plan.blockCount).toBe(16384);
  });

  it('produces a filesystem whose structures decode with every checksum valid', () => {
    const size = 64 * MiB;
    const plan = planOverlayfsImage({
      sizeBytes: size,
      uuid: UUID,
      hashSeed: HASH_SEED,
      createdAt: CREATED,
    });
    const image = materialise(size, plan.extents);
    const sb = decodeSuperblock(image.subarray(1024, 2048));
    expect(sb.volumeName).toBe('OVERLAY');
    expect(sb.freeBlocksCount).toBe(plan.freeBlocks);
    const seed = fsChecksumSeed(UUID);
    const gd = decodeGroupDescriptor(image.subarray(4096, 4128), 0, seed);
    const inodeAt = (ino: number): Uint8Array =>
      image.subarray(gd.inodeTable * 4096 + (ino - 1) * 256, gd.inodeTable * 4096 + ino * 256);
    const root = decodeInode(inodeAt(2), { fsSeed: seed, ino: 2, inodeSize: 256 });
    expect(root.linksCount).toBe(5);
    const rootBlock = decodeExtentNode(root.block).entries[0]!.physical;
    const names = decodeDirectoryBlock(
      image.subarray(rootBlock * 4096, rootBlock * 4096 + 4096),
      inodeChecksumSeed(seed, 2, 0),
    ).map((e) => [e.name, e.inode]);
    expect(names).toEqual([
      ['.', 2],
      ['..', 2],
      ['lost+found', 11],
      ['overlayfs', 12],
      ['ovlwork', 13],
    ]);
    for (const ino of [12, 13]) {
      const inode = decodeInode(inodeAt(ino), { fsSeed: seed, ino, inodeSize: 256 });
      expect(inode.mode).toBe(0o040755);
      expect(new TextDecoder().decode(decodeInodeXattrs(inode.xattrArea)['security.selinux'])).toBe(
        'system_u:object_r:root_t:s0\0',
      );
    }
    const journal = decodeInode(inodeAt(8), { fsSeed: seed, ino: 8, inodeSize: 256 });
    const first = decodeExtentNode(journal.block).entries[0]!.physical;
    const jsb = decodeJournalSuperblock(image.subarray(first * 4096, first * 4096 + 1024));
    expect([jsb.maxLen, jsb.start, jsb.sequence]).toEqual([1024, 0, 1]);
  });

  it('rejects bad directory specs', () => {
    const base = {
      sizeBytes: 16 * MiB,
      label: 'X',
      uuid: UUID,
      hashSeed: HASH_SEED,
      createdAt: CREATED,
    };
    expect(() => planExt4Image({ ...base, directories: [{ path: '/a/b', mode: 0o755 }] })).toThrow(
      /parent/,
    );
    expect(() => planExt4Image({ ...base, directories: [{ path: 'a', mode: 0o755 }] })).toThrow(
      /absolute/,
    );
    expect(() => planExt4Image({ ...base, directories: [{ path: '/f', mode: 0o100644 }] })).toThrow(
      /directory mode/,
    );
    expect(() => planExt4Image({ ...base, label: 'seventeen-bytes!!' })).toThrow(/label/);
  });
});
