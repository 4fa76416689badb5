// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Linear directory blocks (what a fresh, small directory is before the kernel ever builds an
 * htree index). Each entry is inode (u32), rec_len (u16), name_len (u8), file_type (u8), then the
 * name, padded to 4 bytes; the last entry of a block stretches its rec_len to the tail. With
 * metadata_csum each block ends in a 12-byte fake entry (inode 0, rec_len 12, file type 0xDE)
 * whose last word is crc32c(owner inode seed, the block before the tail).
 */
import { setU16le, setU32le, setU8, u16le, u32le, u8 } from '../bytes';
import { crc32cRaw } from '../crc32';
import { FormatError, checkChecksum } from '../format-error';

export const OFFSET_INODE = 0;
export const OFFSET_REC_LEN = 4;
export const OFFSET_NAME_LEN = 6;
export const OFFSET_FILE_TYPE = 7;
export const OFFSET_NAME = 8;
export const TAIL_SIZE = 12;
export const TAIL_FILE_TYPE = 0xde;
const OFFSET_TAIL_CHECKSUM = 8;
export const MAX_NAME_BYTES = 255;

export interface DirEntry {
  readonly inode: number;
  readonly name: string;
  readonly fileType: number;
}

const encoder = new TextEncoder();

export function direntSize(nameBytes: number): number {
  return (OFFSET_NAME + nameBytes + 3) & ~3;
}

function writeTail(block: Uint8Array, inodeSeed: number): void {
  const at = block.length - TAIL_SIZE;
  setU32le(block, at + OFFSET_INODE, 0);
  setU16le(block, at + OFFSET_REC_LEN, TAIL_SIZE);
  setU8(block, at + OFFSET_NAME_LEN, 0);
  setU8(block, at + OFFSET_FILE_TYPE, TAIL_FILE_TYPE);
  setU32le(block, at + OFFSET_TAIL_CHECKSUM, crc32cRaw(block.subarray(0, at), inodeSeed));
}

/**
 * Packs `entries` (in order; "." and ".." first for a directory's first block) into at least
 * `minBlocks` blocks. Extra blocks hold one empty entry spanning the block, as mke2fs leaves the
 * pre-allocated blocks of lost+found.
 */
export function encodeDirectoryBlocks(
  entries: readonly DirEntry[],
  blockBytes: number,
  inodeSeed: number,
  minBlocks = 1,
): Uint8Array[] {
  const usable = blockBytes - TAIL_SIZE;
  const blocks: Uint8Array[] = [];
  let block = new Uint8Array(blockBytes);
  let at = 0;
  let last = -1;
  const finish = (): void => {
    if (last < 0) {
      setU16le(block, OFFSET_REC_LEN, usable);
    } else {
      setU16le(block, last + OFFSET_REC_LEN, usable - last);
    }
    writeTail(block, inodeSeed);
    blocks.push(block);
  };
  for (const entry of entries) {
    const name = encoder.encode(entry.name);
    if (
      name.length === 0 ||
      name.length > MAX_NAME_BYTES ||
      name.includes(0x2f) ||
      name.includes(0)
    ) {
      throw new RangeError(`"${entry.name}" is not a valid ext4 file name`);
    }
    const size = direntSize(name.length);
    if (at + size > usable) {
      finish();
      block = new Uint8Array(blockBytes);
      at = 0;
      last = -1;
    }
    setU32le(block, at + OFFSET_INODE, entry.inode);
    setU16le(block, at + OFFSET_REC_LEN, size);
    setU8(block, at + OFFSET_NAME_LEN, name.length);
    setU8(block, at + OFFSET_FILE_TYPE, entry.fileType);
    block.set(name, at + OFFSET_NAME);
    last = at;
    at += size;
  }
  finish();
  while (blocks.length < minBlocks) {
    block = new Uint8Array(blockBytes);
    last = -1;
    finish();
  }
  return blocks;
}

/** Decodes one leaf block, checking rec_len chaining and the checksum tail. */
export function decodeDirectoryBlock(block: Uint8Array, inodeSeed: number): DirEntry[] {
  const structure = 'ext4 directory block';
  const tailAt = block.length - TAIL_SIZE;
  if (tailAt <= 0) throw new FormatError(structure, 0, `block of ${block.length} bytes`);
  if (
    u32le(block, tailAt + OFFSET_INODE) !== 0 ||
    u16le(block, tailAt + OFFSET_REC_LEN) !== TAIL_SIZE ||
    u8(block, tailAt + OFFSET_FILE_TYPE) !== TAIL_FILE_TYPE
  ) {
    throw new FormatError(structure, tailAt, 'no checksum tail');
  }
  const stored = u32le(block, tailAt + OFFSET_TAIL_CHECKSUM);
  const computed = crc32cRaw(block.subarray(0, tailAt), inodeSeed);
  checkChecksum(structure, tailAt + OFFSET_TAIL_CHECKSUM, stored, computed);
  const entries: DirEntry[] = [];
  const decoder = new TextDecoder('utf-8');
  let at = 0;
  while (at < tailAt) {
    const recLen = u16le(block, at + OFFSET_REC_LEN);
    const nameLen = u8(block, at + OFFSET_NAME_LEN);
    if (recLen < OFFSET_NAME || recLen % 4 !== 0 || at + recLen > tailAt) {
      throw new FormatError(structure, at + OFFSET_REC_LEN, `rec_len ${recLen}`);
    }
    if (OFFSET_NAME + nameLen > recLen) {
      throw new FormatError(structure, at + OFFSET_NAME_LEN, `name_len ${nameLen} > rec_len`);
    }
    const inode = u32le(block, at + OFFSET_INODE);
    if (inode !== 0) {
      entries.push({
        inode,
        name: decoder.decode(block.subarray(at + OFFSET_NAME, at + OFFSET_NAME + nameLen)),
        fileType: u8(block, at + OFFSET_FILE_TYPE),
      });
    }
    at += recLen;
  }
  return entries;
}
