// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Volume geometry of a fresh ext4 filesystem: block count, groups, inodes per group, descriptor
 * blocks and the journal size, following the sizing rules mke2fs applies so the result looks
 * like what `mkfs.ext4` makes on a volume of the same size.
 */
import { LiveStickError, shortfall } from '../../shared/errors';
import { GROUP_DESC_SIZE, INODE_SIZE, SUPPORTED_BLOCK_SIZES } from './constants';

/** log2 of groups per flex group: mke2fs's default of 16. */
export const LOG_GROUPS_PER_FLEX = 4;
export const GROUPS_PER_FLEX = 1 << LOG_GROUPS_PER_FLEX;
/** Fewest blocks mke2fs still gives a journal (ext2fs_default_journal_size). */
export const MIN_BLOCKS = 2048;
/** A trailing partial group smaller than its own overhead plus this is dropped, as mke2fs does. */
const LAST_GROUP_SLACK = 50;
export const DEFAULT_RESERVED_PERCENT = 5;

export interface Ext4Geometry {
  readonly blockBytes: number;
  readonly firstDataBlock: number;
  readonly blockCount: number;
  readonly blocksPerGroup: number;
  readonly groupCount: number;
  readonly inodesPerGroup: number;
  readonly inodeTableBlocks: number;
  readonly descBlocks: number;
  readonly journalBlocks: number;
  readonly reservedBlocks: number;
}

export interface GeometryOptions {
  readonly sizeBytes: number;
  readonly blockBytes: number;
  readonly inodeRatio: number;
  /** Inodes group 0 must hold (reserved inodes plus the directories we create). */
  readonly minInodesPerGroup: number;
}

/** sparse_super: superblock and descriptor copies live in groups 0, 1 and powers of 3, 5, 7. */
export function hasSuperblockCopy(group: number): boolean {
  if (group <= 1) return true;
  for (const base of [3, 5, 7]) {
    let power = base;
    while (power < group) power *= base;
    if (power === group) return true;
  }
  return false;
}

/**
 * mke2fs's default journal length for a filesystem of `blocks` blocks: 4 MiB-equivalent for
 * small volumes up to 262144 blocks for the largest (its ext2fs_default_journal_size table).
 */
export function defaultJournalBlocks(blocks: number): number {
  const table: readonly (readonly [below: number, journal: number])[] = [
    [32768, 1024],
    [256 * 1024, 4096],
    [512 * 1024, 8192],
    [4096 * 1024, 16384],
    [8192 * 1024, 32768],
    [16384 * 1024, 65536],
    [32768 * 1024, 131072],
  ];
  for (const [below, journal] of table) if (blocks < below) return journal;
  return 262144;
}

export function groupStart(geo: Ext4Geometry, group: number): number {
  return geo.firstDataBlock + group * geo.blocksPerGroup;
}

export function groupBlocks(geo: Ext4Geometry, group: number): number {
  return Math.min(geo.blocksPerGroup, geo.blockCount - groupStart(geo, group));
}

/** Blocks a superblock copy and its descriptor table take at the start of `group` (0 if none). */
export function superblockCopyBlocks(geo: Ext4Geometry, group: number): number {
  return hasSuperblockCopy(group) ? 1 + geo.descBlocks : 0;
}

export function computeGeometry(options: GeometryOptions): Ext4Geometry {
  const { sizeBytes, blockBytes, inodeRatio, minInodesPerGroup } = options;
  if (!(SUPPORTED_BLOCK_SIZES as readonly number[]).includes(blockBytes)) {
    throw new RangeError(
      `ext4 block size ${blockBytes} is not one of ${SUPPORTED_BLOCK_SIZES.join(', ')}`,
    );
  }
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) {
    throw new RangeError(`ext4 image size ${sizeBytes} is not a byte count`);
  }
  if (!Number.isInteger(inodeRatio) || inodeRatio < blockBytes || inodeRatio > 64 * 1024 * 1024) {
    throw new RangeError(`inode ratio ${inodeRatio} is outside [${blockBytes}, 64 MiB]`);
  }
  const firstDataBlock = blockBytes === 1024 ? 1 : 0;
  const blocksPerGroup = blockBytes * 8;
  const inodesPerBlock = blockBytes / INODE_SIZE;
  // Inode tables fill whole blocks and inode bitmaps whole bytes.
  const inodeAlign = Math.max(inodesPerBlock, 8);
  const maxInodesPerGroup = blockBytes * 8;
  const requestedInodes = Math.floor(sizeBytes / inodeRatio);

  let blockCount = Math.floor(sizeBytes / blockBytes);
  if (blockCount < MIN_BLOCKS) {
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `An ext4 image needs at least ${(MIN_BLOCKS * blockBytes) / 1048576} MiB; ${sizeBytes} bytes is too small.`,
      shortfall(MIN_BLOCKS * blockBytes, sizeBytes),
    );
  }
  if (blockCount > 0xffffffff) {
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `An ext4 image without the 64bit feature holds at most 2^32 blocks; ${sizeBytes} bytes is too big.`,
      shortfall(sizeBytes, 0xffffffff * blockBytes),
    );
  }
  for (;;) {
    const groupCount = Math.ceil((blockCount - firstDataBlock) / blocksPerGroup);
    const descBlocks = Math.ceil((groupCount * GROUP_DESC_SIZE) / blockBytes);
    let inodesPerGroup = Math.ceil(requestedInodes / groupCount);
    inodesPerGroup = Math.max(inodesPerGroup, minInodesPerGroup);
    inodesPerGroup = Math.ceil(inodesPerGroup / inodeAlign) * inodeAlign;
    inodesPerGroup = Math.min(inodesPerGroup, maxInodesPerGroup);
    if (inodesPerGroup < minInodesPerGroup) {
      throw new RangeError(`${minInodesPerGroup} inodes do not fit one block group`);
    }
    const inodeTableBlocks = (inodesPerGroup * INODE_SIZE) / blockBytes;
    const remainder = (blockCount - firstDataBlock) % blocksPerGroup;
    const last = groupCount - 1;
    const lastOverhead = 2 + inodeTableBlocks + (hasSuperblockCopy(last) ? 1 + descBlocks : 0);
    if (groupCount > 1 && remainder > 0 && remainder < lastOverhead + LAST_GROUP_SLACK) {
      blockCount -= remainder;
      continue;
    }
    if (inodesPerGroup * groupCount > 0xffffffff) {
      throw new RangeError(`${inodesPerGroup * groupCount} inodes exceed ext4's 32-bit count`);
    }
    return {
      blockBytes,
      firstDataBlock,
      blockCount,
      blocksPerGroup,
      groupCount,
      inodesPerGroup,
      inodeTableBlocks,
      descBlocks,
      journalBlocks: defaultJournalBlocks(blockCount),
      reservedBlocks: Math.floor((blockCount * DEFAULT_RESERVED_PERCENT) / 100),
    };
  }
}
