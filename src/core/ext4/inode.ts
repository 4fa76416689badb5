// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * A 256-byte ext4 inode: the 128-byte classic part, i_extra_isize bytes of extra fields
 * (checksum high half, nanosecond/epoch timestamps, creation time), then the in-inode extended
 * attribute area up to the inode size. The checksum is crc32c over the whole inode with both
 * checksum fields zeroed, seeded with the inode's own seed (fs seed, inode number, generation);
 * the high half exists only when i_extra_isize reaches it.
 */
import { setU16le, setU32le, u16le, u32le } from '../bytes';
import { crc32cRaw } from '../crc32';
import { FormatError, checkChecksum } from '../format-error';
import { inodeChecksumSeed } from './checksum';
import { GOOD_OLD_INODE_SIZE } from './constants';

export const OFFSET_MODE = 0x00;
export const OFFSET_UID = 0x02;
export const OFFSET_SIZE_LO = 0x04;
export const OFFSET_ATIME = 0x08;
export const OFFSET_CTIME = 0x0c;
export const OFFSET_MTIME = 0x10;
export const OFFSET_DTIME = 0x14;
export const OFFSET_GID = 0x18;
export const OFFSET_LINKS_COUNT = 0x1a;
export const OFFSET_BLOCKS_LO = 0x1c;
export const OFFSET_FLAGS = 0x20;
export const OFFSET_BLOCK = 0x28;
export const OFFSET_GENERATION = 0x64;
export const OFFSET_FILE_ACL_LO = 0x68;
export const OFFSET_SIZE_HIGH = 0x6c;
export const OFFSET_BLOCKS_HIGH = 0x74;
export const OFFSET_FILE_ACL_HIGH = 0x76;
export const OFFSET_UID_HIGH = 0x78;
export const OFFSET_GID_HIGH = 0x7a;
export const OFFSET_CHECKSUM_LO = 0x7c;
export const OFFSET_EXTRA_ISIZE = 0x80;
export const OFFSET_CHECKSUM_HI = 0x82;
export const OFFSET_CTIME_EXTRA = 0x84;
export const OFFSET_MTIME_EXTRA = 0x88;
export const OFFSET_ATIME_EXTRA = 0x8c;
export const OFFSET_CRTIME = 0x90;
export const OFFSET_CRTIME_EXTRA = 0x94;
export const SIZE_BLOCK = 60;

const TWO_32 = 2 ** 32;
const TWO_31 = 2 ** 31;
/** Two epoch bits extend the signed 32-bit seconds to the year 2446. */
const EPOCH_MASK = 0x3;
const MIN_TIME = -TWO_31;
const MAX_TIME = 3 * TWO_32 + TWO_31 - 1;

export interface Ext4Inode {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly atime: number;
  readonly ctime: number;
  readonly mtime: number;
  readonly dtime: number;
  /** Creation time; only stored when i_extra_isize covers it. */
  readonly crtime: number;
  readonly linksCount: number;
  /** i_blocks in 512-byte units (the huge_file flag is never set on what we write). */
  readonly blocks512: number;
  readonly flags: number;
  /** i_block: extent tree root or other 60-byte payload. */
  readonly block: Uint8Array;
  readonly generation: number;
  readonly fileAcl: number;
  readonly extraIsize: number;
  /** Bytes after the extra fields up to the inode size: the in-inode xattr area (may be empty). */
  readonly xattrArea: Uint8Array;
}

/** Seconds split into a wrapped signed low word and the epoch bits of the *_extra field. */
function splitTime(seconds: number): { lo: number; epoch: number } {
  if (!Number.isInteger(seconds) || seconds < MIN_TIME || seconds > MAX_TIME) {
    throw new RangeError(`inode time ${seconds} is outside ext4's range`);
  }
  const epoch = Math.floor((seconds + TWO_31) / TWO_32);
  return { lo: (seconds - epoch * TWO_32 + TWO_32) % TWO_32, epoch: epoch & EPOCH_MASK };
}

function joinTime(lo: number, extra: number): number {
  const signed = lo >= TWO_31 ? lo - TWO_32 : lo;
  return signed + (extra & EPOCH_MASK) * TWO_32;
}

function inodeChecksum(raw: Uint8Array, seed: number): number {
  const copy = raw.slice();
  setU16le(copy, OFFSET_CHECKSUM_LO, 0);
  if (hasChecksumHi(raw)) setU16le(copy, OFFSET_CHECKSUM_HI, 0);
  return crc32cRaw(copy, seed);
}

function hasChecksumHi(raw: Uint8Array): boolean {
  return (
    raw.length > GOOD_OLD_INODE_SIZE &&
    GOOD_OLD_INODE_SIZE + u16le(raw, OFFSET_EXTRA_ISIZE) >= OFFSET_CHECKSUM_HI + 2
  );
}

export interface InodeChecksumContext {
  readonly fsSeed: number;
  readonly ino: number;
  readonly inodeSize: number;
}

export function encodeInode(inode: Ext4Inode, context: InodeChecksumContext): Uint8Array {
  const { inodeSize } = context;
  const b = new Uint8Array(inodeSize);
  const extraEnd = GOOD_OLD_INODE_SIZE + inode.extraIsize;
  if (inode.extraIsize % 4 !== 0 || extraEnd > inodeSize) {
    throw new RangeError(
      `i_extra_isize ${inode.extraIsize} does not fit a ${inodeSize}-byte inode`,
    );
  }
  if (inode.xattrArea.length > inodeSize - extraEnd) {
    throw new RangeError(`in-inode xattr area of ${inode.xattrArea.length} bytes does not fit`);
  }
  if (inode.block.length !== SIZE_BLOCK) throw new RangeError('i_block must be 60 bytes');
  for (const [name, id] of [
    ['uid', inode.uid],
    ['gid', inode.gid],
  ] as const) {
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
      throw new RangeError(`inode ${name} ${id} does not fit 32 bits`);
    }
  }
  if (!Number.isSafeInteger(inode.size) || inode.size < 0) {
    throw new RangeError(`inode size ${inode.size} is not a byte count`);
  }
  if (!Number.isSafeInteger(inode.blocks512) || inode.blocks512 < 0 || inode.blocks512 >= 2 ** 48) {
    throw new RangeError(`i_blocks ${inode.blocks512} does not fit 48 bits`);
  }
  setU16le(b, OFFSET_MODE, inode.mode);
  setU16le(b, OFFSET_UID, inode.uid & 0xffff);
  setU16le(b, OFFSET_UID_HIGH, inode.uid >>> 16);
  setU16le(b, OFFSET_GID, inode.gid & 0xffff);
  setU16le(b, OFFSET_GID_HIGH, inode.gid >>> 16);
  setU32le(b, OFFSET_SIZE_LO, inode.size % TWO_32);
  setU32le(b, OFFSET_SIZE_HIGH, Math.floor(inode.size / TWO_32));
  const times = [
    [OFFSET_ATIME, OFFSET_ATIME_EXTRA, inode.atime],
    [OFFSET_CTIME, OFFSET_CTIME_EXTRA, inode.ctime],
    [OFFSET_MTIME, OFFSET_MTIME_EXTRA, inode.mtime],
    [OFFSET_CRTIME, OFFSET_CRTIME_EXTRA, inode.crtime],
  ] as const;
  for (const [base, extra, seconds] of times) {
    const { lo, epoch } = splitTime(seconds);
    if (base >= GOOD_OLD_INODE_SIZE && extra + 4 > extraEnd) {
      if (seconds !== 0) throw new RangeError('crtime needs i_extra_isize ≥ 24');
      continue;
    }
    setU32le(b, base, lo);
    if (extra + 4 <= extraEnd) setU32le(b, extra, epoch);
    else if (epoch !== 0) throw new RangeError(`time ${seconds} needs the extra inode fields`);
  }
  setU32le(b, OFFSET_DTIME, inode.dtime);
  setU16le(b, OFFSET_LINKS_COUNT, inode.linksCount);
  setU32le(b, OFFSET_BLOCKS_LO, inode.blocks512 % TWO_32);
  setU16le(b, OFFSET_BLOCKS_HIGH, Math.floor(inode.blocks512 / TWO_32));
  setU32le(b, OFFSET_FLAGS, inode.flags);
  b.set(inode.block, OFFSET_BLOCK);
  setU32le(b, OFFSET_GENERATION, inode.generation);
  setU32le(b, OFFSET_FILE_ACL_LO, inode.fileAcl % TWO_32);
  setU16le(b, OFFSET_FILE_ACL_HIGH, Math.floor(inode.fileAcl / TWO_32));
  if (inodeSize > GOOD_OLD_INODE_SIZE) {
    setU16le(b, OFFSET_EXTRA_ISIZE, inode.extraIsize);
    b.set(inode.xattrArea, extraEnd);
  }
  const csum = inodeChecksum(b, inodeChecksumSeed(context.fsSeed, context.ino, inode.generation));
  setU16le(b, OFFSET_CHECKSUM_LO, csum & 0xffff);
  if (hasChecksumHi(b)) setU16le(b, OFFSET_CHECKSUM_HI, csum >>> 16);
  return b;
}

export function decodeInode(b: Uint8Array, context: InodeChecksumContext): Ext4Inode {
  const { inodeSize, ino } = context;
  const structure = `ext4 inode ${ino}`;
  if (b.length < inodeSize) {
    throw new FormatError(structure, 0, `need ${inodeSize} bytes, got ${b.length}`);
  }
  const raw = b.subarray(0, inodeSize);
  const extraIsize = inodeSize > GOOD_OLD_INODE_SIZE ? u16le(raw, OFFSET_EXTRA_ISIZE) : 0;
  const extraEnd = GOOD_OLD_INODE_SIZE + extraIsize;
  if (extraIsize % 4 !== 0 || extraEnd > inodeSize) {
    throw new FormatError(structure, OFFSET_EXTRA_ISIZE, `i_extra_isize ${extraIsize}`);
  }
  const generation = u32le(raw, OFFSET_GENERATION);
  const computed = inodeChecksum(raw, inodeChecksumSeed(context.fsSeed, ino, generation));
  const stored = hasChecksumHi(raw)
    ? (u16le(raw, OFFSET_CHECKSUM_LO) | (u16le(raw, OFFSET_CHECKSUM_HI) << 16)) >>> 0
    : u16le(raw, OFFSET_CHECKSUM_LO);
  const expected = hasChecksumHi(raw) ? computed : computed & 0xffff;
  checkChecksum(structure, OFFSET_CHECKSUM_LO, stored, expected);
  const time = (base: number, extra: number): number =>
    extra + 4 <= extraEnd
      ? joinTime(u32le(raw, base), u32le(raw, extra))
      : joinTime(u32le(raw, base), 0);
  return {
    mode: u16le(raw, OFFSET_MODE),
    uid: u16le(raw, OFFSET_UID) + u16le(raw, OFFSET_UID_HIGH) * 0x10000,
    gid: u16le(raw, OFFSET_GID) + u16le(raw, OFFSET_GID_HIGH) * 0x10000,
    size: u32le(raw, OFFSET_SIZE_LO) + u32le(raw, OFFSET_SIZE_HIGH) * TWO_32,
    atime: time(OFFSET_ATIME, OFFSET_ATIME_EXTRA),
    ctime: time(OFFSET_CTIME, OFFSET_CTIME_EXTRA),
    mtime: time(OFFSET_MTIME, OFFSET_MTIME_EXTRA),
    dtime: u32le(raw, OFFSET_DTIME),
    crtime: OFFSET_CRTIME + 4 <= extraEnd ? time(OFFSET_CRTIME, OFFSET_CRTIME_EXTRA) : 0,
    linksCount: u16le(raw, OFFSET_LINKS_COUNT),
    blocks512: u32le(raw, OFFSET_BLOCKS_LO) + u16le(raw, OFFSET_BLOCKS_HIGH) * TWO_32,
    flags: u32le(raw, OFFSET_FLAGS),
    block: raw.slice(OFFSET_BLOCK, OFFSET_BLOCK + SIZE_BLOCK),
    generation,
    fileAcl: u32le(raw, OFFSET_FILE_ACL_LO) + u16le(raw, OFFSET_FILE_ACL_HIGH) * TWO_32,
    extraIsize,
    xattrArea: raw.slice(extraEnd, inodeSize),
  };
}
