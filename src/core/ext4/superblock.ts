// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The ext4 superblock (1024 bytes; the primary at byte 1024 of the volume, backups at the start of
 * groups 1 and powers of 3, 5 and 7 under sparse_super). Only the fields this writer sets or a
 * reader needs are modelled; all others encode as zero, which is what mke2fs leaves in them.
 * Integers are little endian. With metadata_csum the last four bytes are crc32c(~0, bytes 0..1019).
 */
import { setU16le, setU32le, setU8, u16le, u32le, u8 } from '../bytes';
import { FormatError, checkChecksum } from '../format-error';
import { crc32cFromOnes } from './checksum';
import {
  CHECKSUM_TYPE_CRC32C,
  EXT4_SUPER_MAGIC,
  FEATURE_RO_COMPAT_METADATA_CSUM,
  SUPERBLOCK_SIZE,
} from './constants';

export const OFFSET_INODES_COUNT = 0x00;
export const OFFSET_BLOCKS_COUNT_LO = 0x04;
export const OFFSET_R_BLOCKS_COUNT_LO = 0x08;
export const OFFSET_FREE_BLOCKS_COUNT_LO = 0x0c;
export const OFFSET_FREE_INODES_COUNT = 0x10;
export const OFFSET_FIRST_DATA_BLOCK = 0x14;
export const OFFSET_LOG_BLOCK_SIZE = 0x18;
export const OFFSET_LOG_CLUSTER_SIZE = 0x1c;
export const OFFSET_BLOCKS_PER_GROUP = 0x20;
export const OFFSET_CLUSTERS_PER_GROUP = 0x24;
export const OFFSET_INODES_PER_GROUP = 0x28;
export const OFFSET_MTIME = 0x2c;
export const OFFSET_WTIME = 0x30;
export const OFFSET_MNT_COUNT = 0x34;
export const OFFSET_MAX_MNT_COUNT = 0x36;
export const OFFSET_MAGIC = 0x38;
export const OFFSET_STATE = 0x3a;
export const OFFSET_ERRORS = 0x3c;
export const OFFSET_LASTCHECK = 0x40;
export const OFFSET_CHECKINTERVAL = 0x44;
export const OFFSET_CREATOR_OS = 0x48;
export const OFFSET_REV_LEVEL = 0x4c;
export const OFFSET_FIRST_INO = 0x54;
export const OFFSET_INODE_SIZE = 0x58;
export const OFFSET_BLOCK_GROUP_NR = 0x5a;
export const OFFSET_FEATURE_COMPAT = 0x5c;
export const OFFSET_FEATURE_INCOMPAT = 0x60;
export const OFFSET_FEATURE_RO_COMPAT = 0x64;
export const OFFSET_UUID = 0x68;
export const OFFSET_VOLUME_NAME = 0x78;
export const OFFSET_JOURNAL_INUM = 0xe0;
export const OFFSET_HASH_SEED = 0xec;
export const OFFSET_DEF_HASH_VERSION = 0xfc;
export const OFFSET_JNL_BACKUP_TYPE = 0xfd;
export const OFFSET_DESC_SIZE = 0xfe;
export const OFFSET_DEFAULT_MOUNT_OPTS = 0x100;
export const OFFSET_MKFS_TIME = 0x108;
export const OFFSET_JNL_BLOCKS = 0x10c;
export const OFFSET_MIN_EXTRA_ISIZE = 0x15c;
export const OFFSET_WANT_EXTRA_ISIZE = 0x15e;
export const OFFSET_FLAGS = 0x160;
export const OFFSET_LOG_GROUPS_PER_FLEX = 0x174;
export const OFFSET_CHECKSUM_TYPE = 0x175;
export const OFFSET_OVERHEAD_CLUSTERS = 0x248;
export const OFFSET_WTIME_HI = 0x274;
export const OFFSET_MTIME_HI = 0x275;
export const OFFSET_MKFS_TIME_HI = 0x276;
export const OFFSET_LASTCHECK_HI = 0x277;
export const OFFSET_CHECKSUM = 0x3fc;

export const SIZE_UUID = 16;
export const SIZE_VOLUME_NAME = 16;
export const SIZE_HASH_SEED = 16;
/** s_jnl_blocks: the journal inode's 15 i_block words, then i_size_high, then i_size. */
export const JNL_BLOCKS_WORDS = 17;

/** ext4 splits 40-bit timestamps into a low u32 and a high byte elsewhere in the superblock. */
const TIME_HI_SHIFT = 2 ** 32;
const MAX_TIME = 2 ** 40 - 1;

export interface Ext4Superblock {
  readonly inodesCount: number;
  readonly blocksCount: number;
  readonly reservedBlocksCount: number;
  readonly freeBlocksCount: number;
  readonly freeInodesCount: number;
  readonly firstDataBlock: number;
  readonly blockBytes: number;
  readonly blocksPerGroup: number;
  readonly inodesPerGroup: number;
  /** Unix seconds; 0 = never. */
  readonly mountTime: number;
  readonly writeTime: number;
  readonly mountCount: number;
  /** −1 disables the mount-count check (`tune2fs -c0` stores 0xFFFF). */
  readonly maxMountCount: number;
  readonly state: number;
  readonly errors: number;
  readonly lastCheck: number;
  /** Seconds; 0 disables the time-based check. */
  readonly checkInterval: number;
  readonly creatorOs: number;
  readonly revLevel: number;
  readonly firstIno: number;
  readonly inodeSize: number;
  /** Which group this copy sits in (0 for the primary). */
  readonly blockGroupNr: number;
  readonly featureCompat: number;
  readonly featureIncompat: number;
  readonly featureRoCompat: number;
  readonly uuid: Uint8Array;
  readonly volumeName: string;
  readonly journalInum: number;
  readonly hashSeed: Uint8Array;
  readonly defHashVersion: number;
  readonly jnlBackupType: number;
  readonly defaultMountOpts: number;
  readonly mkfsTime: number;
  readonly jnlBlocks: readonly number[];
  readonly minExtraIsize: number;
  readonly wantExtraIsize: number;
  readonly flags: number;
  readonly logGroupsPerFlex: number;
  readonly checksumType: number;
  readonly overheadClusters: number;
}

function checkU32(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`superblock ${name} ${value} does not fit 32 bits`);
  }
}

function setTime(b: Uint8Array, lo: number, hi: number, seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_TIME) {
    throw new RangeError(`superblock time ${seconds} is outside [0, 2^40)`);
  }
  setU32le(b, lo, seconds % TIME_HI_SHIFT);
  setU8(b, hi, Math.floor(seconds / TIME_HI_SHIFT));
}

/** The label is NUL-padded UTF-8 (e2fsprogs copies the bytes it was given). */
function decodeLabel(field: Uint8Array): string {
  const end = field.indexOf(0);
  return new TextDecoder('utf-8').decode(end < 0 ? field : field.subarray(0, end));
}

const getTime = (b: Uint8Array, lo: number, hi: number): number =>
  u32le(b, lo) + u8(b, hi) * TIME_HI_SHIFT;

export function encodeSuperblock(sb: Ext4Superblock): Uint8Array {
  const b = new Uint8Array(SUPERBLOCK_SIZE);
  const logBlock = Math.log2(sb.blockBytes / 1024);
  if (!Number.isInteger(logBlock) || logBlock < 0 || logBlock > 6) {
    throw new RangeError(`ext4 block size ${sb.blockBytes} is not 1024 × a power of two`);
  }
  for (const [name, value] of [
    ['inodes count', sb.inodesCount],
    ['blocks count', sb.blocksCount],
    ['reserved blocks', sb.reservedBlocksCount],
    ['free blocks', sb.freeBlocksCount],
    ['free inodes', sb.freeInodesCount],
    ['overhead', sb.overheadClusters],
  ] as const) {
    checkU32(name, value);
  }
  if (sb.uuid.length !== SIZE_UUID) throw new RangeError('superblock UUID must be 16 bytes');
  if (sb.hashSeed.length !== SIZE_HASH_SEED) throw new RangeError('hash seed must be 16 bytes');
  if (sb.jnlBlocks.length !== JNL_BLOCKS_WORDS) {
    throw new RangeError(`s_jnl_blocks needs ${JNL_BLOCKS_WORDS} words`);
  }
  const label = new TextEncoder().encode(sb.volumeName);
  if (label.length > SIZE_VOLUME_NAME) {
    throw new RangeError(`ext4 label "${sb.volumeName}" is longer than ${SIZE_VOLUME_NAME} bytes`);
  }

  setU32le(b, OFFSET_INODES_COUNT, sb.inodesCount);
  setU32le(b, OFFSET_BLOCKS_COUNT_LO, sb.blocksCount);
  setU32le(b, OFFSET_R_BLOCKS_COUNT_LO, sb.reservedBlocksCount);
  setU32le(b, OFFSET_FREE_BLOCKS_COUNT_LO, sb.freeBlocksCount);
  setU32le(b, OFFSET_FREE_INODES_COUNT, sb.freeInodesCount);
  setU32le(b, OFFSET_FIRST_DATA_BLOCK, sb.firstDataBlock);
  setU32le(b, OFFSET_LOG_BLOCK_SIZE, logBlock);
  // Without bigalloc a cluster is a block.
  setU32le(b, OFFSET_LOG_CLUSTER_SIZE, logBlock);
  setU32le(b, OFFSET_BLOCKS_PER_GROUP, sb.blocksPerGroup);
  setU32le(b, OFFSET_CLUSTERS_PER_GROUP, sb.blocksPerGroup);
  setU32le(b, OFFSET_INODES_PER_GROUP, sb.inodesPerGroup);
  setTime(b, OFFSET_MTIME, OFFSET_MTIME_HI, sb.mountTime);
  setTime(b, OFFSET_WTIME, OFFSET_WTIME_HI, sb.writeTime);
  setU16le(b, OFFSET_MNT_COUNT, sb.mountCount);
  setU16le(b, OFFSET_MAX_MNT_COUNT, sb.maxMountCount & 0xffff);
  setU16le(b, OFFSET_MAGIC, EXT4_SUPER_MAGIC);
  setU16le(b, OFFSET_STATE, sb.state);
  setU16le(b, OFFSET_ERRORS, sb.errors);
  setTime(b, OFFSET_LASTCHECK, OFFSET_LASTCHECK_HI, sb.lastCheck);
  setU32le(b, OFFSET_CHECKINTERVAL, sb.checkInterval);
  setU32le(b, OFFSET_CREATOR_OS, sb.creatorOs);
  setU32le(b, OFFSET_REV_LEVEL, sb.revLevel);
  setU32le(b, OFFSET_FIRST_INO, sb.firstIno);
  setU16le(b, OFFSET_INODE_SIZE, sb.inodeSize);
  setU16le(b, OFFSET_BLOCK_GROUP_NR, sb.blockGroupNr);
  setU32le(b, OFFSET_FEATURE_COMPAT, sb.featureCompat);
  setU32le(b, OFFSET_FEATURE_INCOMPAT, sb.featureIncompat);
  setU32le(b, OFFSET_FEATURE_RO_COMPAT, sb.featureRoCompat);
  b.set(sb.uuid, OFFSET_UUID);
  b.set(label, OFFSET_VOLUME_NAME);
  setU32le(b, OFFSET_JOURNAL_INUM, sb.journalInum);
  b.set(sb.hashSeed, OFFSET_HASH_SEED);
  setU8(b, OFFSET_DEF_HASH_VERSION, sb.defHashVersion);
  setU8(b, OFFSET_JNL_BACKUP_TYPE, sb.jnlBackupType);
  // s_desc_size stays 0: it is only read with the 64bit feature, and mke2fs leaves it 0 without.
  setU16le(b, OFFSET_DESC_SIZE, 0);
  setU32le(b, OFFSET_DEFAULT_MOUNT_OPTS, sb.defaultMountOpts);
  setTime(b, OFFSET_MKFS_TIME, OFFSET_MKFS_TIME_HI, sb.mkfsTime);
  sb.jnlBlocks.forEach((word, i) => setU32le(b, OFFSET_JNL_BLOCKS + 4 * i, word));
  setU16le(b, OFFSET_MIN_EXTRA_ISIZE, sb.minExtraIsize);
  setU16le(b, OFFSET_WANT_EXTRA_ISIZE, sb.wantExtraIsize);
  setU32le(b, OFFSET_FLAGS, sb.flags);
  setU8(b, OFFSET_LOG_GROUPS_PER_FLEX, sb.logGroupsPerFlex);
  setU8(b, OFFSET_CHECKSUM_TYPE, sb.checksumType);
  setU32le(b, OFFSET_OVERHEAD_CLUSTERS, sb.overheadClusters);
  if (sb.featureRoCompat & FEATURE_RO_COMPAT_METADATA_CSUM) {
    setU32le(b, OFFSET_CHECKSUM, crc32cFromOnes(b.subarray(0, OFFSET_CHECKSUM)));
  }
  return b;
}

/** Decodes a superblock copy (the 1024 bytes themselves, not the volume). */
export function decodeSuperblock(b: Uint8Array): Ext4Superblock {
  const structure = 'ext4 superblock';
  if (b.length < SUPERBLOCK_SIZE) {
    throw new FormatError(structure, 0, `need ${SUPERBLOCK_SIZE} bytes, got ${b.length}`);
  }
  const magic = u16le(b, OFFSET_MAGIC);
  if (magic !== EXT4_SUPER_MAGIC) {
    throw new FormatError(
      structure,
      OFFSET_MAGIC,
      `magic 0x${magic.toString(16)}, expected 0x${EXT4_SUPER_MAGIC.toString(16)}`,
    );
  }
  const logBlock = u32le(b, OFFSET_LOG_BLOCK_SIZE);
  if (logBlock > 6) {
    throw new FormatError(structure, OFFSET_LOG_BLOCK_SIZE, `log block size ${logBlock} > 6`);
  }
  const featureRoCompat = u32le(b, OFFSET_FEATURE_RO_COMPAT);
  const checksumType = u8(b, OFFSET_CHECKSUM_TYPE);
  if (featureRoCompat & FEATURE_RO_COMPAT_METADATA_CSUM) {
    if (checksumType !== CHECKSUM_TYPE_CRC32C) {
      throw new FormatError(structure, OFFSET_CHECKSUM_TYPE, `checksum type ${checksumType}`);
    }
    const stored = u32le(b, OFFSET_CHECKSUM);
    const computed = crc32cFromOnes(b.subarray(0, OFFSET_CHECKSUM));
    checkChecksum(structure, OFFSET_CHECKSUM, stored, computed);
  }
  const maxMount = u16le(b, OFFSET_MAX_MNT_COUNT);
  return {
    inodesCount: u32le(b, OFFSET_INODES_COUNT),
    blocksCount: u32le(b, OFFSET_BLOCKS_COUNT_LO),
    reservedBlocksCount: u32le(b, OFFSET_R_BLOCKS_COUNT_LO),
    freeBlocksCount: u32le(b, OFFSET_FREE_BLOCKS_COUNT_LO),
    freeInodesCount: u32le(b, OFFSET_FREE_INODES_COUNT),
    firstDataBlock: u32le(b, OFFSET_FIRST_DATA_BLOCK),
    blockBytes: 1024 << logBlock,
    blocksPerGroup: u32le(b, OFFSET_BLOCKS_PER_GROUP),
    inodesPerGroup: u32le(b, OFFSET_INODES_PER_GROUP),
    mountTime: getTime(b, OFFSET_MTIME, OFFSET_MTIME_HI),
    writeTime: getTime(b, OFFSET_WTIME, OFFSET_WTIME_HI),
    mountCount: u16le(b, OFFSET_MNT_COUNT),
    maxMountCount: maxMount >= 0x8000 ? maxMount - 0x10000 : maxMount,
    state: u16le(b, OFFSET_STATE),
    errors: u16le(b, OFFSET_ERRORS),
    lastCheck: getTime(b, OFFSET_LASTCHECK, OFFSET_LASTCHECK_HI),
    checkInterval: u32le(b, OFFSET_CHECKINTERVAL),
    creatorOs: u32le(b, OFFSET_CREATOR_OS),
    revLevel: u32le(b, OFFSET_REV_LEVEL),
    firstIno: u32le(b, OFFSET_FIRST_INO),
    inodeSize: u16le(b, OFFSET_INODE_SIZE),
    blockGroupNr: u16le(b, OFFSET_BLOCK_GROUP_NR),
    featureCompat: u32le(b, OFFSET_FEATURE_COMPAT),
    featureIncompat: u32le(b, OFFSET_FEATURE_INCOMPAT),
    featureRoCompat,
    uuid: b.slice(OFFSET_UUID, OFFSET_UUID + SIZE_UUID),
    volumeName: decodeLabel(b.subarray(OFFSET_VOLUME_NAME, OFFSET_VOLUME_NAME + SIZE_VOLUME_NAME)),
    journalInum: u32le(b, OFFSET_JOURNAL_INUM),
    hashSeed: b.slice(OFFSET_HASH_SEED, OFFSET_HASH_SEED + SIZE_HASH_SEED),
    defHashVersion: u8(b, OFFSET_DEF_HASH_VERSION),
    jnlBackupType: u8(b, OFFSET_JNL_BACKUP_TYPE),
    defaultMountOpts: u32le(b, OFFSET_DEFAULT_MOUNT_OPTS),
    mkfsTime: getTime(b, OFFSET_MKFS_TIME, OFFSET_MKFS_TIME_HI),
    jnlBlocks: Array.from({ length: JNL_BLOCKS_WORDS }, (_, i) =>
      u32le(b, OFFSET_JNL_BLOCKS + 4 * i),
    ),
    minExtraIsize: u16le(b, OFFSET_MIN_EXTRA_ISIZE),
    wantExtraIsize: u16le(b, OFFSET_WANT_EXTRA_ISIZE),
    flags: u32le(b, OFFSET_FLAGS),
    logGroupsPerFlex: u8(b, OFFSET_LOG_GROUPS_PER_FLEX),
    checksumType,
    overheadClusters: u32le(b, OFFSET_OVERHEAD_CLUSTERS),
  };
}
