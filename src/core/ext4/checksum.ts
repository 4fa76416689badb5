// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * metadata_csum seeds. Every per-object checksum in ext4 chains crc32c (the kernel's raw
 * crc32c_le, no inversions) from a filesystem seed derived from the UUID; inode-owned blocks
 * (extent tree nodes, directory leaves) further chain the inode number and generation, so a block
 * copied to another inode or filesystem fails its check.
 */
import { setU32le } from '../bytes';
import { crc32cRaw } from '../crc32';

const ALL_ONES = 0xffffffff;

export function le32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  setU32le(bytes, 0, value);
  return bytes;
}

/** The filesystem seed: crc32c(~0, s_uuid) when the csum_seed feature is off (our case). */
export function fsChecksumSeed(uuid: Uint8Array): number {
  return crc32cRaw(uuid, ALL_ONES);
}

/** Seed for everything an inode owns: the fs seed, then the inode number, then its generation. */
export function inodeChecksumSeed(fsSeed: number, ino: number, generation: number): number {
  return crc32cRaw(le32(generation), crc32cRaw(le32(ino), fsSeed));
}

/** Superblocks and journal superblocks are checksummed from ~0, not from the fs seed. */
export function crc32cFromOnes(bytes: Uint8Array): number {
  return crc32cRaw(bytes, ALL_ONES);
}
