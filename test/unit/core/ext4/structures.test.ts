// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { asciiBytes, u16le, u32be, u32le } from '../../../../src/core/bytes';
import { crc32cRaw } from '../../../../src/core/crc32';
import { FormatError } from '../../../../src/core/format-error';
import { BlockAllocator } from '../../../../src/core/ext4/allocator';
import { bitmapChecksum, buildBitmap } from '../../../../src/core/ext4/bitmap';
import { fsChecksumSeed, inodeChecksumSeed } from '../../../../src/core/ext4/checksum';
import { decodeDirectoryBlock, encodeDirectoryBlocks } from '../../../../src/core/ext4/directory';
import {
  decodeExtentNode,
  encodeExtentTree,
  extentLeafBlocksNeeded,
  toExtents,
} from '../../../../src/core/ext4/extents';
import {
  computeGeometry,
  defaultJournalBlocks,
  hasSuperblockCopy,
} from '../../../../src/core/ext4/geometry';
import {
  decodeGroupDescriptor,
  encodeGroupDescriptor,
} from '../../../../src/core/ext4/group-descriptor';
import { decodeInode, encodeInode, type Ext4Inode } from '../../../../src/core/ext4/inode';
import {
  decodeJournalSuperblock,
  encodeJournalSuperblockBlock,
} from '../../../../src/core/ext4/journal';
import {
  decodeSuperblock,
  encodeSuperblock,
  type Ext4Superblock,
} from '../../../../src/core/ext4/superblock';
import { decodeInodeXattrs, encodeInodeXattrs } from '../../../../src/core/ext4/xattr';

const UUID = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
const SEED = fsChecksumSeed(UUID);
const crc32c = (bytes: Uint8Array): number => (crc32cRaw(bytes, 0xffffffff) ^ 0xffffffff) >>> 0;

describe('crc32c', () => {
  it('matches the standard check value and the RFC 3720 (iSCSI) vectors', () => {
    expect(crc32c(asciiBytes('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
  });

  it('chains: the inode seed is the fs seed continued over inode number and generation', () => {
    const chained = crc32cRaw(Uint8Array.of(12, 0, 0, 0, 7, 0, 0, 0), SEED);
    expect(inodeChecksumSeed(SEED, 12, 7)).toBe(chained);
  });
});

const superblock: Ext4Superblock = {
  inodesCount: 4096,
  blocksCount: 16384,
  reservedBlocksCount: 819,
  freeBlocksCount: 15000,
  freeInodesCount: 4085,
  firstDataBlock: 0,
  blockBytes: 4096,
  blocksPerGroup: 32768,
  inodesPerGroup: 4096,
  mountTime: 0,
  writeTime: 1700000000,
  mountCount: 0,
  maxMountCount: -1,
  state: 1,
  errors: 1,
  lastCheck: 5_000_000_000,
  checkInterval: 0,
  creatorOs: 0,
  revLevel: 1,
  firstIno: 11,
  inodeSize: 256,
  blockGroupNr: 3,
  featureCompat: 0x2c,
  featureIncompat: 0x242,
  featureRoCompat: 0x46b,
  uuid: UUID,
  volumeName: 'HOME',
  journalInum: 8,
  hashSeed: new Uint8Array(16).fill(0x5a),
  defHashVersion: 1,
  jnlBackupType: 1,
  defaultMountOpts: 0x0c,
  mkfsTime: 1700000000,
  jnlBlocks: Array.from({ length: 17 }, (_, i) => i * 1000),
  minExtraIsize: 32,
  wantExtraIsize: 32,
  flags: 1,
  logGroupsPerFlex: 4,
  checksumType: 1,
  overheadClusters: 1284,
};

describe('superblock', () => {
  it('round-trips and lays fields where the kernel reads them', () => {
    const bytes = encodeSuperblock(superblock);
    expect(bytes.length).toBe(1024);
    expect(u16le(bytes, 0x38)).toBe(0xef53);
    expect(u16le(bytes, 0x36)).toBe(0xffff);
    expect(u32le(bytes, 0x100)).toBe(0x0c);
    expect(bytes[0x277]).toBe(1); // lastcheck beyond 2^32 keeps its high byte
    expect(u32le(bytes, 0x3fc)).toBe(crc32cRaw(bytes.subarray(0, 0x3fc), 0xffffffff));
    expect(decodeSuperblock(bytes)).toEqual(superblock);
  });

  it('rejects a bad checksum and a bad magic with the offset', () => {
    const bytes = encodeSuperblock(superblock);
    bytes[0x10]! ^= 1;
    expect(() => decodeSuperblock(bytes)).toThrow(/byte 1020: checksum/);
    const noMagic = encodeSuperblock(superblock);
    noMagic[0x38] = 0;
    expect(() => decodeSuperblock(noMagic)).toThrow(FormatError);
  });

  it('refuses labels over 16 bytes', () => {
    expect(() => encodeSuperblock({ ...superblock, volumeName: 'x'.repeat(17) })).toThrow(/longer/);
  });
});

describe('group descriptor', () => {
  it('round-trips with a checksum bound to its group number', () => {
    const desc = {
      blockBitmap: 2,
      inodeBitmap: 18,
      inodeTable: 34,
      freeBlocks: 15095,
      freeInodes: 4085,
      usedDirs: 2,
      flags: 0,
      blockBitmapChecksum: 0x1234d24b,
      inodeBitmapChecksum: 0x567849b9,
      itableUnused: 4085,
    };
    const bytes = encodeGroupDescriptor(desc, 5, SEED);
    expect(bytes.length).toBe(32);
    expect(u16le(bytes, 0x18)).toBe(0xd24b);
    expect(decodeGroupDescriptor(bytes, 5, SEED)).toEqual({
      ...desc,
      blockBitmapChecksum: 0xd24b,
      inodeBitmapChecksum: 0x49b9,
    });
    expect(() => decodeGroupDescriptor(bytes, 6, SEED)).toThrow(/checksum/);
  });
});

describe('bitmaps', () => {
  it('sets used bits and the padding past the group', () => {
    const bitmap = buildBitmap(1024, 8000, [
      [0, 3],
      [9, 10],
    ]);
    expect(bitmap[0]).toBe(0b0000_0111);
    expect(bitmap[1]).toBe(0b1111_1110);
    expect(bitmap[2]).toBe(0b0000_0111);
    expect(bitmap[999]).toBe(0);
    expect(bitmap.subarray(1000).every((b) => b === 0xff)).toBe(true);
    expect(bitmapChecksum(SEED, bitmap, 8192)).toBe(crc32cRaw(bitmap, SEED));
  });
});

const dirInode: Ext4Inode = {
  mode: 0o040755,
  uid: 100000,
  gid: 5,
  size: 4096,
  atime: 1700000000,
  ctime: 2 ** 31 + 5,
  mtime: -5,
  dtime: 0,
  crtime: 1700000000,
  linksCount: 3,
  blocks512: 8,
  flags: 0x80000,
  block: new Uint8Array(60).fill(3),
  generation: 42,
  fileAcl: 0,
  extraIsize: 32,
  xattrArea: new Uint8Array(96).fill(0),
};

describe('inode', () => {
  const context = { fsSeed: SEED, ino: 12, inodeSize: 256 };

  it('round-trips, including post-2038 and pre-1970 times and 32-bit uids', () => {
    const bytes = encodeInode(dirInode, context);
    expect(u16le(bytes, 0x80)).toBe(32);
    expect(u32le(bytes, 0x84) & 3).toBe(1); // ctime epoch bit
    expect(decodeInode(bytes, context)).toEqual(dirInode);
  });

  it('checksums the whole inode with both halves zeroed', () => {
    const bytes = encodeInode(dirInode, context);
    const copy = bytes.slice();
    copy.fill(0, 0x7c, 0x7e);
    copy.fill(0, 0x82, 0x84);
    const expected = crc32cRaw(copy, inodeChecksumSeed(SEED, 12, 42));
    expect(u16le(bytes, 0x7c) | (u16le(bytes, 0x82) << 16)).toBe(expected | 0);
    expect(() => decodeInode(bytes, { ...context, ino: 13 })).toThrow(/checksum/);
  });
});

describe('extent tree', () => {
  it('keeps up to four extents in the inode', () => {
    const extents = toExtents([{ logical: 0, physical: 1000, length: 70000 }]);
    expect(extents.map((e) => e.length)).toEqual([32768, 32768, 4464]);
    const tree = encodeExtentTree(extents, [], 4096, 1);
    expect(tree.leaves).toEqual([]);
    expect(decodeExtentNode(tree.root)).toEqual({ depth: 0, max: 4, entries: extents });
  });

  it('adds a checksummed leaf level beyond four', () => {
    const extents = Array.from({ length: 7 }, (_, i) => ({
      logical: i * 10,
      physical: 5000 + i * 20,
      length: 10,
    }));
    expect(extentLeafBlocksNeeded(7, 4096)).toBe(1);
    const seed = inodeChecksumSeed(SEED, 8, 0);
    const tree = encodeExtentTree(extents, [777], 4096, seed);
    expect(decodeExtentNode(tree.root)).toEqual({
      depth: 1,
      max: 4,
      entries: [{ logical: 0, physical: 777, length: 0 }],
    });
    const leaf = decodeExtentNode(tree.leaves[0]!, seed);
    expect(leaf).toEqual({ depth: 0, max: 340, entries: extents });
    expect(() => decodeExtentNode(tree.leaves[0]!, seed + 1)).toThrow(/checksum/);
  });
});

describe('directory blocks', () => {
  it('packs entries, stretches the last one to the tail and checksums the block', () => {
    const seed = inodeChecksumSeed(SEED, 2, 0);
    const entries = [
      { inode: 2, name: '.', fileType: 2 },
      { inode: 2, name: '..', fileType: 2 },
      { inode: 11, name: 'lost+found', fileType: 2 },
    ];
    const [block, ...rest] = encodeDirectoryBlocks(entries, 4096, seed);
    expect(rest).toEqual([]);
    // ".": rec_len 12, name_len 1, type 2 — the layout mke2fs writes.
    expect(Array.from(block!.subarray(0, 12))).toEqual([2, 0, 0, 0, 12, 0, 1, 2, 0x2e, 0, 0, 0]);
    expect(u16le(block!, 24 + 4)).toBe(4096 - 12 - 24);
    expect(Array.from(block!.subarray(4084, 4092))).toEqual([0, 0, 0, 0, 12, 0, 0, 0xde]);
    expect(u32le(block!, 4092)).toBe(crc32cRaw(block!.subarray(0, 4084), seed));
    expect(decodeDirectoryBlock(block!, seed)).toEqual(entries);
  });

  it('pads with empty blocks (lost+found) and spills into more blocks when full', () => {
    const empty = encodeDirectoryBlocks([], 1024, 9, 3);
    expect(empty.length).toBe(3);
    expect(u32le(empty[2]!, 0)).toBe(0);
    expect(u16le(empty[2]!, 4)).toBe(1012);
    const many = Array.from({ length: 100 }, (_, i) => ({
      inode: 20 + i,
      name: `directory-${i}`,
      fileType: 2,
    }));
    const blocks = encodeDirectoryBlocks(many, 1024, 9);
    expect(blocks.length).toBeGreaterThan(1);
    expect(blocks.flatMap((b) => decodeDirectoryBlock(b, 9))).toEqual(many);
  });
});

describe('in-inode xattrs', () => {
  it('lays out security.selinux as the kernel does', () => {
    const value = new TextEncoder().encode('system_u:object_r:root_t:s0\0');
    const area = encodeInodeXattrs({ 'security.selinux': value }, 96);
    expect(u32le(area, 0)).toBe(0xea020000);
    // e_name_len 7, e_name_index 6 (security), e_value_offs, e_value_inum 0, e_value_size 28, e_hash 0
    expect(area[4]).toBe(7);
    expect(area[5]).toBe(6);
    expect(u16le(area, 6)).toBe(92 - 28);
    expect(u32le(area, 8)).toBe(0);
    expect(u32le(area, 12)).toBe(28);
    expect(u32le(area, 16)).toBe(0);
    expect(new TextDecoder().decode(area.subarray(20, 27))).toBe('selinux');
    expect(u32le(area, 28)).toBe(0); // list terminator
    expect(area.subarray(96 - 28)).toEqual(value);
    expect(decodeInodeXattrs(area)).toEqual({ 'security.selinux': value });
  });

  it('refuses attributes that do not fit and unknown namespaces', () => {
    expect(() => encodeInodeXattrs({ 'user.big': new Uint8Array(80) }, 96)).toThrow(/need/);
    expect(() => encodeInodeXattrs({ 'bogus.x': new Uint8Array(1) }, 96)).toThrow(/namespace/);
  });
});

describe('journal superblock', () => {
  it('is big endian, empty (s_start 0) and checksummed', () => {
    const block = encodeJournalSuperblockBlock({
      blockBytes: 4096,
      maxLen: 1024,
      first: 1,
      sequence: 1,
      start: 0,
      featureIncompat: 0x10,
      uuid: UUID,
      nrUsers: 1,
    });
    expect(u32be(block, 0)).toBe(0xc03b3998);
    expect(u32be(block, 4)).toBe(4);
    expect(u32be(block, 0x10)).toBe(1024);
    expect(u32be(block, 0x1c)).toBe(0);
    expect(decodeJournalSuperblock(block).maxLen).toBe(1024);
    block[0x18] = 9;
    expect(() => decodeJournalSuperblock(block)).toThrow(/checksum/);
  });
});

describe('geometry', () => {
  it('places superblock copies in groups 0, 1 and powers of 3, 5, 7', () => {
    const groups = Array.from({ length: 130 }, (_, g) => g).filter(hasSuperblockCopy);
    expect(groups).toEqual([0, 1, 3, 5, 7, 9, 25, 27, 49, 81, 125]);
  });

  it('sizes like mke2fs (inode counts and journal lengths measured with mke2fs 1.47)', () => {
    const g = computeGeometry({
      sizeBytes: 127 * 2 ** 20,
      blockBytes: 4096,
      inodeRatio: 16384,
      minInodesPerGroup: 11,
    });
    expect([g.blockCount, g.inodesPerGroup, g.journalBlocks]).toEqual([32512, 8128, 1024]);
    expect(defaultJournalBlocks(262144)).toBe(8192);
    expect(defaultJournalBlocks(4194304)).toBe(32768);
    expect(defaultJournalBlocks(16777216)).toBe(131072);
    expect(defaultJournalBlocks(33554432)).toBe(262144);
  });

  it('drops a trailing group too small to be useful', () => {
    const g = computeGeometry({
      sizeBytes: (32768 + 40) * 4096,
      blockBytes: 4096,
      inodeRatio: 16384,
      minInodesPerGroup: 11,
    });
    expect([g.blockCount, g.groupCount]).toEqual([32768, 1]);
  });

  it('refuses images below 2048 blocks with DOES_NOT_FIT', () => {
    expect(() =>
      computeGeometry({
        sizeBytes: 7 * 2 ** 20,
        blockBytes: 4096,
        inodeRatio: 16384,
        minInodesPerGroup: 11,
      }),
    ).toThrow(expect.objectContaining({ code: 'DOES_NOT_FIT' }));
  });
});

describe('block allocator', () => {
  it('hands out first-fit runs around used blocks and merges neighbours', () => {
    const alloc = new BlockAllocator(0, 100);
    alloc.markUsed(0, 5);
    alloc.markUsed(20, 5);
    expect(alloc.allocateContiguous(10, 0)).toBe(5);
    expect(alloc.allocateContiguous(6, 0)).toBe(25);
    expect(alloc.allocate(12, 0)).toEqual([
      [15, 5],
      [31, 7],
    ]);
    expect(alloc.usedWithin(0, 100)).toEqual([[0, 38]]);
    expect(alloc.usedWithin(10, 30)).toEqual([[10, 30]]);
    expect(() => alloc.markUsed(37, 2)).toThrow(/overlap/);
    expect(() => alloc.allocateContiguous(70, 0)).toThrow(/no 70 contiguous/);
  });
});
