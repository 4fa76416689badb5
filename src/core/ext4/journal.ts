// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The JBD2 journal superblock (first block of the journal inode; big endian, unlike the rest of
 * ext4). A fresh journal needs nothing else: s_start = 0 tells the kernel and e2fsck the log is
 * empty, so the remaining journal blocks are never read before they are written. We set the
 * v3 checksum feature the kernel itself switches on for metadata_csum filesystems, with
 * s_checksum = crc32c(~0, the 1024-byte superblock with s_checksum zeroed).
 */
import { setU32be, setU8, u32be, u8 } from '../bytes';
import { FormatError, checkChecksum } from '../format-error';
import { crc32cFromOnes } from './checksum';

export const JBD2_MAGIC = 0xc03b3998;
export const JBD2_SUPERBLOCK_V2 = 4;
export const JBD2_FEATURE_INCOMPAT_CSUM_V3 = 0x10;
export const JBD2_CRC32C_CHKSUM = 4;
export const JOURNAL_SUPERBLOCK_SIZE = 1024;

export const OFFSET_MAGIC = 0x00;
export const OFFSET_BLOCKTYPE = 0x04;
export const OFFSET_HEADER_SEQUENCE = 0x08;
export const OFFSET_BLOCKSIZE = 0x0c;
export const OFFSET_MAXLEN = 0x10;
export const OFFSET_FIRST = 0x14;
export const OFFSET_SEQUENCE = 0x18;
export const OFFSET_START = 0x1c;
export const OFFSET_ERRNO = 0x20;
export const OFFSET_FEATURE_COMPAT = 0x24;
export const OFFSET_FEATURE_INCOMPAT = 0x28;
export const OFFSET_FEATURE_RO_COMPAT = 0x2c;
export const OFFSET_UUID = 0x30;
export const OFFSET_NR_USERS = 0x40;
export const OFFSET_CHECKSUM_TYPE = 0x50;
export const OFFSET_CHECKSUM = 0xfc;

export interface JournalSuperblock {
  readonly blockBytes: number;
  /** Journal length in blocks, superblock included. */
  readonly maxLen: number;
  /** First log block (1: right after this superblock). */
  readonly first: number;
  /** Sequence number the first transaction will get. */
  readonly sequence: number;
  /** First block of the log; 0 means empty (nothing to replay). */
  readonly start: number;
  readonly featureIncompat: number;
  readonly uuid: Uint8Array;
  readonly nrUsers: number;
}

/** One journal block whose first 1024 bytes are the superblock and the rest zero. */
export function encodeJournalSuperblockBlock(jsb: JournalSuperblock): Uint8Array {
  if (jsb.uuid.length !== 16) throw new RangeError('journal UUID must be 16 bytes');
  if (jsb.blockBytes < JOURNAL_SUPERBLOCK_SIZE) {
    throw new RangeError(`journal block size ${jsb.blockBytes} < ${JOURNAL_SUPERBLOCK_SIZE}`);
  }
  const block = new Uint8Array(jsb.blockBytes);
  setU32be(block, OFFSET_MAGIC, JBD2_MAGIC);
  setU32be(block, OFFSET_BLOCKTYPE, JBD2_SUPERBLOCK_V2);
  setU32be(block, OFFSET_HEADER_SEQUENCE, 0);
  setU32be(block, OFFSET_BLOCKSIZE, jsb.blockBytes);
  setU32be(block, OFFSET_MAXLEN, jsb.maxLen);
  setU32be(block, OFFSET_FIRST, jsb.first);
  setU32be(block, OFFSET_SEQUENCE, jsb.sequence);
  setU32be(block, OFFSET_START, jsb.start);
  setU32be(block, OFFSET_FEATURE_INCOMPAT, jsb.featureIncompat);
  block.set(jsb.uuid, OFFSET_UUID);
  setU32be(block, OFFSET_NR_USERS, jsb.nrUsers);
  if (jsb.featureIncompat & JBD2_FEATURE_INCOMPAT_CSUM_V3) {
    setU8(block, OFFSET_CHECKSUM_TYPE, JBD2_CRC32C_CHKSUM);
    setU32be(block, OFFSET_CHECKSUM, crc32cFromOnes(block.subarray(0, JOURNAL_SUPERBLOCK_SIZE)));
  }
  return block;
}

export function decodeJournalSuperblock(b: Uint8Array): JournalSuperblock {
  const structure = 'jbd2 superblock';
  if (b.length < JOURNAL_SUPERBLOCK_SIZE) {
    throw new FormatError(structure, 0, `need ${JOURNAL_SUPERBLOCK_SIZE} bytes, got ${b.length}`);
  }
  const magic = u32be(b, OFFSET_MAGIC);
  if (magic !== JBD2_MAGIC) {
    throw new FormatError(structure, OFFSET_MAGIC, `magic 0x${magic.toString(16)}`);
  }
  const type = u32be(b, OFFSET_BLOCKTYPE);
  if (type !== JBD2_SUPERBLOCK_V2) {
    throw new FormatError(structure, OFFSET_BLOCKTYPE, `block type ${type}, expected v2 (4)`);
  }
  const featureIncompat = u32be(b, OFFSET_FEATURE_INCOMPAT);
  if (featureIncompat & JBD2_FEATURE_INCOMPAT_CSUM_V3) {
    if (u8(b, OFFSET_CHECKSUM_TYPE) !== JBD2_CRC32C_CHKSUM) {
      throw new FormatError(structure, OFFSET_CHECKSUM_TYPE, 'checksum type is not crc32c');
    }
    const copy = b.slice(0, JOURNAL_SUPERBLOCK_SIZE);
    setU32be(copy, OFFSET_CHECKSUM, 0);
    const stored = u32be(b, OFFSET_CHECKSUM);
    const computed = crc32cFromOnes(copy);
    checkChecksum(structure, OFFSET_CHECKSUM, stored, computed);
  }
  return {
    blockBytes: u32be(b, OFFSET_BLOCKSIZE),
    maxLen: u32be(b, OFFSET_MAXLEN),
    first: u32be(b, OFFSET_FIRST),
    sequence: u32be(b, OFFSET_SEQUENCE),
    start: u32be(b, OFFSET_START),
    featureIncompat,
    uuid: b.slice(OFFSET_UUID, OFFSET_UUID + 16),
    nrUsers: u32be(b, OFFSET_NR_USERS),
  };
}
