// SPDX-License-Identifier: GPL-3.0-or-later
/** Decompressors for squashfs metadata blocks, by the superblock's compression id. */
import { unzlibSync } from 'fflate';
import { decompress as zstdDecompress } from 'fzstd';
import { adler32 } from '../adler32';
import { u32be } from '../bytes';
import { checkChecksum, FormatError } from '../format-error';
import { lz4BlockDecompress, lzo1xDecompress } from './lz-block';
import { lzmaAloneDecompress, xzDecompress } from './lzma';
import { decodeZstdFrameHeader } from './zstd-frame';

export type SquashfsCompression = 'gzip' | 'lzma' | 'lzo' | 'xz' | 'lz4' | 'zstd';

/** Index = squashfs compression id (squashfs_fs.h ZLIB_COMPRESSION …). */
const COMPRESSION_BY_ID: readonly (SquashfsCompression | undefined)[] = [
  undefined,
  'gzip',
  'lzma',
  'lzo',
  'xz',
  'lz4',
  'zstd',
];

export function compressionName(id: number, at: number): SquashfsCompression {
  const name = COMPRESSION_BY_ID[id];
  if (name === undefined)
    throw new FormatError('squashfs superblock', at, `unknown compression id ${id}`);
  return name;
}

/** Decompresses one block whose output is known to be at most `maxOut` bytes. */
export function decompressBlock(
  compression: SquashfsCompression,
  input: Uint8Array,
  maxOut: number,
  at: number,
): Uint8Array {
  const structure = `squashfs ${compression} block`;
  let out: Uint8Array;
  try {
    switch (compression) {
      case 'gzip':
        out = zlibDecompress(input, maxOut);
        break;
      case 'xz':
        out = xzDecompress(input, maxOut);
        break;
      case 'lzma':
        out = lzmaAloneDecompress(input, maxOut);
        break;
      case 'lz4':
        out = lz4BlockDecompress(input, maxOut);
        break;
      case 'lzo':
        out = lzo1xDecompress(input, maxOut);
        break;
      case 'zstd':
        out = zstdFrameDecompress(input, maxOut);
        break;
    }
  } catch (error) {
    // Only FormatErrors are expected here: anything else from our own decoders is a bug to see.
    if (error instanceof FormatError) throw new FormatError(structure, at, error.message);
    throw error;
  }
  if (out.length > maxOut) {
    throw new FormatError(structure, at, `decompresses to more than ${maxOut} bytes`);
  }
  return out;
}

/** fflate and fzstd throw plain Errors (and may hit RangeErrors) on corrupt input. */
function library<T>(name: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    throw new FormatError(name, 0, `does not decompress: ${String(error)}`);
  }
}

/** Bytes of the zlib stream header (RFC 1950 §2.2) and of its Adler-32 trailer. */
const ZLIB_HEADER_BYTES = 2;
const ZLIB_TRAILER_BYTES = 4;

/** squashfs "gzip" is a zlib stream (RFC 1950), not a gzip file; fflate leaves its Adler-32 to us. */
function zlibDecompress(input: Uint8Array, maxOut: number): Uint8Array {
  if (input.length < ZLIB_HEADER_BYTES + ZLIB_TRAILER_BYTES) {
    throw new FormatError('zlib stream', 0, `only ${input.length} bytes`);
  }
  const out = library('zlib stream', () => unzlibSync(input, { out: new Uint8Array(maxOut) }));
  const trailer = input.length - ZLIB_TRAILER_BYTES;
  checkChecksum('zlib stream', trailer, u32be(input, trailer), adler32(out), 'Adler-32');
  return out;
}

/**
 * mksquashfs's zstd blocks are single frames that declare their decoded size. Decoding into a
 * buffer of exactly that size bounds the allocation by what the frame says (checked against
 * `maxOut` first) and returns the block's real length.
 */
function zstdFrameDecompress(input: Uint8Array, maxOut: number): Uint8Array {
  const { contentSize } = decodeZstdFrameHeader(input);
  if (contentSize === null) {
    throw new FormatError('zstd frame header', 4, 'no content size (mksquashfs always writes one)');
  }
  if (contentSize > maxOut) {
    throw new FormatError(
      'zstd frame header',
      4,
      `content size ${contentSize}, more than the ${maxOut} bytes a block holds`,
    );
  }
  return library('zstd frame', () => zstdDecompress(input, new Uint8Array(contentSize)));
}
