// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * EROFS (Linux fs/erofs/erofs_fs.h) superblock recognition: kiwi F42+ and lorax `erofs` live media
 * keep the name LiveOS/squashfs.img for an EROFS root tree, and dracut tells them apart by magic.
 */
import { asciiField, hex, u16le, u32le, u64le, u8 } from '../bytes';
import { FormatError } from '../format-error';

export const EROFS_SUPER_OFFSET = 1024;
export const EROFS_MAGIC = 0xe0f5e1e2;
/** Superblock bytes we decode (the on-disk struct is 128 bytes). */
export const EROFS_SUPERBLOCK_SIZE = 128;

const OFFSET_MAGIC = 0;
const OFFSET_BLOCK_SIZE_BITS = 12;
const OFFSET_ROOT_NID = 14;
const OFFSET_INODES = 16;
const OFFSET_BLOCKS = 36;
const OFFSET_META_BLOCK = 40;
const OFFSET_UUID = 48;
const OFFSET_VOLUME_NAME = 64;
const OFFSET_FEATURE_INCOMPAT = 80;
const OFFSET_COMPRESSION_ALGORITHMS = 84;

/** INCOMPAT_COMPR_CFGS: field 84 lists the algorithms instead of the LZ4 max distance. */
const INCOMPAT_COMPRESSION_CONFIGS = 0x0002;
const ALGORITHMS = ['lz4', 'lzma', 'deflate', 'zstd'] as const;

export interface ErofsSuperblock {
  readonly blockSize: number;
  readonly blocks: number;
  readonly inodes: bigint;
  readonly rootNid: number;
  readonly metaBlock: number;
  readonly uuid: string;
  readonly volumeName: string;
  /** Algorithms the image declares, e.g. ['lzma'] for kiwi's erofscompression="lzma". */
  readonly compression: readonly string[];
}

/** Whether `bytes` (the image's first ≥ 1028 bytes) carries the EROFS magic. */
export function isErofs(bytes: Uint8Array): boolean {
  return bytes.length >= EROFS_SUPER_OFFSET + 4 && u32le(bytes, EROFS_SUPER_OFFSET) === EROFS_MAGIC;
}

/** Decodes the superblock from the image's first 1024 + 128 bytes. */
export function decodeErofsSuperblock(bytes: Uint8Array, imageSize: number): ErofsSuperblock {
  const S = 'EROFS superblock';
  if (bytes.length < EROFS_SUPER_OFFSET + EROFS_SUPERBLOCK_SIZE) {
    throw new FormatError(S, EROFS_SUPER_OFFSET, `only ${bytes.length} bytes`);
  }
  const sb = bytes.subarray(EROFS_SUPER_OFFSET, EROFS_SUPER_OFFSET + EROFS_SUPERBLOCK_SIZE);
  const at = (offset: number): number => EROFS_SUPER_OFFSET + offset;
  const magic = u32le(sb, OFFSET_MAGIC);
  if (magic !== EROFS_MAGIC) {
    throw new FormatError(
      S,
      at(OFFSET_MAGIC),
      `magic 0x${magic.toString(16)}, expected 0xe0f5e1e2`,
    );
  }
  const bits = u8(sb, OFFSET_BLOCK_SIZE_BITS);
  if (bits < 9 || bits > 16)
    throw new FormatError(S, at(OFFSET_BLOCK_SIZE_BITS), `block size 2^${bits}`);
  const blockSize = 2 ** bits;
  const blocks = u32le(sb, OFFSET_BLOCKS);
  if (blocks * blockSize > imageSize) {
    throw new FormatError(
      S,
      at(OFFSET_BLOCKS),
      `${blocks} blocks of ${blockSize} bytes in a ${imageSize}-byte image`,
    );
  }
  const incompat = u32le(sb, OFFSET_FEATURE_INCOMPAT);
  const algorithmBits = u16le(sb, OFFSET_COMPRESSION_ALGORITHMS);
  const compression =
    incompat & INCOMPAT_COMPRESSION_CONFIGS
      ? ALGORITHMS.filter((_name, bit) => (algorithmBits & (1 << bit)) !== 0)
      : [];
  const uuid = hex(sb.subarray(OFFSET_UUID, OFFSET_UUID + 16));
  return {
    blockSize,
    blocks,
    inodes: u64le(sb, OFFSET_INODES),
    rootNid: u16le(sb, OFFSET_ROOT_NID),
    metaBlock: u32le(sb, OFFSET_META_BLOCK),
    uuid: `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-${uuid.slice(12, 16)}-${uuid.slice(16, 20)}-${uuid.slice(20)}`,
    volumeName: asciiField(sb, OFFSET_VOLUME_NAME, 16),
    compression,
  };
}
