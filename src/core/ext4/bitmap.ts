// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Block and inode bitmaps: one block each per group, bit i (LSB first within a byte) = item i of
 * the group in use. Bits past the group's real size up to the end of the block are padding and
 * must be set, or e2fsck reports "padding at end of bitmap is not set". The metadata_csum
 * checksum covers only the group's own bits: crc32c(fs seed, first blocksPerGroup/8 or
 * inodesPerGroup/8 bytes).
 */
import { crc32cRaw } from '../crc32';

export function setBitRange(bitmap: Uint8Array, first: number, count: number): void {
  if (first < 0 || count < 0 || first + count > bitmap.length * 8) {
    throw new RangeError(`bits [${first}, +${count}) are outside a ${bitmap.length}-byte bitmap`);
  }
  let bit = first;
  const end = first + count;
  while (bit < end && bit % 8 !== 0) {
    bitmap[bit >> 3]! |= 1 << (bit & 7);
    bit++;
  }
  const wholeBytesEnd = bit + Math.floor((end - bit) / 8) * 8;
  if (wholeBytesEnd > bit) bitmap.fill(0xff, bit >> 3, wholeBytesEnd >> 3);
  bit = wholeBytesEnd;
  while (bit < end) {
    bitmap[bit >> 3]! |= 1 << (bit & 7);
    bit++;
  }
}

/** A bitmap block with the `used` bits of a group of `items` entries set, and the padding. */
export function buildBitmap(
  blockBytes: number,
  items: number,
  used: readonly (readonly [first: number, count: number])[],
): Uint8Array {
  const bitmap = new Uint8Array(blockBytes);
  for (const [first, count] of used) {
    if (first + count > items) {
      throw new RangeError(`bitmap bits [${first}, +${count}) exceed the group's ${items} items`);
    }
    setBitRange(bitmap, first, count);
  }
  setBitRange(bitmap, items, blockBytes * 8 - items);
  return bitmap;
}

/** Checksum over the bits a group owns; `bitsPerGroup` is s_clusters_per_group or s_inodes_per_group. */
export function bitmapChecksum(fsSeed: number, bitmap: Uint8Array, bitsPerGroup: number): number {
  return crc32cRaw(bitmap.subarray(0, bitsPerGroup / 8), fsSeed);
}
