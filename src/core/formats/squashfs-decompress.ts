// SPDX-License-Identifier: GPL-3.0-or-later
/** Decompressors for squashfs metadata blocks, by the superblock's compression id. */
import { unzlibSync } from 'fflate';
import { decompress as zstdDecompress } from 'fzstd';
import { FormatError } from '../format-error';
import { lz4BlockDecompress, lzo1xDecompress } from './lz-block';
import { lzmaAloneDecompress, xzDecompress } from './lzma';

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
  let out: Uint8Array;
  try {
    switch (compression) {
      case 'gzip':
        // squashfs "gzip" is a zlib stream (RFC 1950), not a gzip file.
        out = unzlibSync(input, { out: new Uint8Array(maxOut) });
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
        out = zstdDecompress(input, new Uint8Array(maxOut));
        break;
    }
  } catch (error) {
    if (error instanceof FormatError) {
      throw new FormatError(`squashfs ${compression} block`, at, error.message);
    }
    // fflate and fzstd throw plain Errors (and may hit RangeErrors) on corrupt input.
    throw new FormatError(
      `squashfs ${compression} block`,
      at,
      `does not decompress: ${String(error)}`,
    );
  }
  if (out.length > maxOut) {
    throw new FormatError(
      `squashfs ${compression} block`,
      at,
      `decompresses to more than ${maxOut} bytes`,
    );
  }
  return out;
}
