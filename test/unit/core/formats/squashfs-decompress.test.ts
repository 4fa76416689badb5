// SPDX-License-Identifier: GPL-3.0-or-later
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompressBlock } from '../../../../src/core/formats/squashfs-decompress';

const HELLO = new TextEncoder().encode('hello');

/** A zstd frame by hand: single segment with a 1-byte content size, then one raw block. */
function rawZstdFrame(data: Uint8Array, declaredSize = data.length): Uint8Array {
  const blockHeader = (data.length << 3) | 1; // Block_Size, Block_Type raw, Last_Block
  return Uint8Array.from([
    0x28,
    0xb5,
    0x2f,
    0xfd,
    0x20,
    declaredSize,
    blockHeader & 0xff,
    (blockHeader >> 8) & 0xff,
    blockHeader >> 16,
    ...data,
  ]);
}

describe('squashfs block decompression', () => {
  it('checks the Adler-32 that ends a zlib stream', () => {
    const stream = new Uint8Array(deflateSync(Buffer.from('squashfs metadata '.repeat(100))));
    expect(new TextDecoder().decode(decompressBlock('gzip', stream, 8192, 100))).toBe(
      'squashfs metadata '.repeat(100),
    );
    stream[stream.length - 1] ^= 1;
    expect(() => decompressBlock('gzip', stream, 8192, 100)).toThrow(
      new RegExp(
        `squashfs gzip block at byte 100: zlib stream at byte ${stream.length - 4}: Adler-32`,
      ),
    );
  });

  it('returns a zstd block at the length its frame declares, not the bound', () => {
    expect(decompressBlock('zstd', rawZstdFrame(HELLO), 8192, 0)).toEqual(HELLO);
  });

  it('refuses a zstd frame declaring more than a block holds, or no size at all', () => {
    expect(() => decompressBlock('zstd', rawZstdFrame(HELLO, 200), 100, 7)).toThrow(
      /squashfs zstd block at byte 7: zstd frame header at byte 4: content size 200, more than the 100 bytes/,
    );
    const unsized = Uint8Array.from([
      0x28,
      0xb5,
      0x2f,
      0xfd,
      0x00,
      0x00,
      0x29,
      0x00,
      0x00,
      ...HELLO,
    ]);
    expect(() => decompressBlock('zstd', unsized, 8192, 0)).toThrow(/no content size/);
  });
});
