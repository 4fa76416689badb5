// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * A 32-byte block group descriptor (no 64bit feature). The descriptors of all groups form the
 * group descriptor table right after each superblock copy. With metadata_csum, bg_checksum is the
 * low 16 bits of crc32c(fs seed, le32 group number ‖ descriptor with bg_checksum zeroed), and the
 * bitmap checksums keep only their low halves (the high halves live in the 64-byte form).
 */
import { setU16le, setU32le, u16le, u32le } from '../bytes';
import { crc32cRaw } from '../crc32';
import { FormatError, checkChecksum } from '../format-error';
import { le32 } from './checksum';
import { GROUP_DESC_SIZE } from './constants';

export const OFFSET_BLOCK_BITMAP = 0x00;
export const OFFSET_INODE_BITMAP = 0x04;
export const OFFSET_INODE_TABLE = 0x08;
export const OFFSET_FREE_BLOCKS = 0x0c;
export const OFFSET_FREE_INODES = 0x0e;
export const OFFSET_USED_DIRS = 0x10;
export const OFFSET_FLAGS = 0x12;
export const OFFSET_BLOCK_BITMAP_CSUM = 0x18;
export const OFFSET_INODE_BITMAP_CSUM = 0x1a;
export const OFFSET_ITABLE_UNUSED = 0x1c;
export const OFFSET_CHECKSUM = 0x1e;

export interface Ext4GroupDescriptor {
  readonly blockBitmap: number;
  readonly inodeBitmap: number;
  readonly inodeTable: number;
  readonly freeBlocks: number;
  readonly freeInodes: number;
  readonly usedDirs: number;
  readonly flags: number;
  /** Full 32-bit crc32c of the bitmap; only the low 16 bits are stored. */
  readonly blockBitmapChecksum: number;
  readonly inodeBitmapChecksum: number;
  readonly itableUnused: number;
}

function descriptorChecksum(fsSeed: number, group: number, desc: Uint8Array): number {
  const zeroed = desc.slice(0, GROUP_DESC_SIZE);
  setU16le(zeroed, OFFSET_CHECKSUM, 0);
  return crc32cRaw(zeroed, crc32cRaw(le32(group), fsSeed)) & 0xffff;
}

export function encodeGroupDescriptor(
  desc: Ext4GroupDescriptor,
  group: number,
  fsSeed: number,
): Uint8Array {
  for (const [name, value] of [
    ['free blocks', desc.freeBlocks],
    ['free inodes', desc.freeInodes],
    ['used dirs', desc.usedDirs],
    ['itable unused', desc.itableUnused],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
      throw new RangeError(`group ${group} ${name} ${value} does not fit 16 bits`);
    }
  }
  const b = new Uint8Array(GROUP_DESC_SIZE);
  setU32le(b, OFFSET_BLOCK_BITMAP, desc.blockBitmap);
  setU32le(b, OFFSET_INODE_BITMAP, desc.inodeBitmap);
  setU32le(b, OFFSET_INODE_TABLE, desc.inodeTable);
  setU16le(b, OFFSET_FREE_BLOCKS, desc.freeBlocks);
  setU16le(b, OFFSET_FREE_INODES, desc.freeInodes);
  setU16le(b, OFFSET_USED_DIRS, desc.usedDirs);
  setU16le(b, OFFSET_FLAGS, desc.flags);
  setU16le(b, OFFSET_BLOCK_BITMAP_CSUM, desc.blockBitmapChecksum & 0xffff);
  setU16le(b, OFFSET_INODE_BITMAP_CSUM, desc.inodeBitmapChecksum & 0xffff);
  setU16le(b, OFFSET_ITABLE_UNUSED, desc.itableUnused);
  setU16le(b, OFFSET_CHECKSUM, descriptorChecksum(fsSeed, group, b));
  return b;
}

/** Decodes and checks one descriptor; bitmap checksums come back as their stored low halves. */
export function decodeGroupDescriptor(
  b: Uint8Array,
  group: number,
  fsSeed: number,
): Ext4GroupDescriptor {
  const structure = `ext4 group descriptor ${group}`;
  if (b.length < GROUP_DESC_SIZE) {
    throw new FormatError(structure, 0, `need ${GROUP_DESC_SIZE} bytes, got ${b.length}`);
  }
  const stored = u16le(b, OFFSET_CHECKSUM);
  const computed = descriptorChecksum(fsSeed, group, b);
  checkChecksum(structure, OFFSET_CHECKSUM, stored, computed);
  return {
    blockBitmap: u32le(b, OFFSET_BLOCK_BITMAP),
    inodeBitmap: u32le(b, OFFSET_INODE_BITMAP),
    inodeTable: u32le(b, OFFSET_INODE_TABLE),
    freeBlocks: u16le(b, OFFSET_FREE_BLOCKS),
    freeInodes: u16le(b, OFFSET_FREE_INODES),
    usedDirs: u16le(b, OFFSET_USED_DIRS),
    flags: u16le(b, OFFSET_FLAGS),
    blockBitmapChecksum: u16le(b, OFFSET_BLOCK_BITMAP_CSUM),
    inodeBitmapChecksum: u16le(b, OFFSET_INODE_BITMAP_CSUM),
    itableUnused: u16le(b, OFFSET_ITABLE_UNUSED),
  };
}
