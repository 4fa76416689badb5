// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/core/format-error';
import { decodeZstdFrameHeader } from '../../../../src/core/formats/zstd-frame';

const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** A frame header: magic, descriptor, then the optional fields in RFC 8878 order. */
function header(descriptor: number, ...fields: number[]): Uint8Array {
  return Uint8Array.from([...MAGIC, descriptor, ...fields]);
}

describe('zstd frame header', () => {
  it('reads the content size of every field width', () => {
    // Single segment, 1-byte size: no window descriptor, the window is the content.
    expect(decodeZstdFrameHeader(header(0x20, 200))).toEqual({
      contentSize: 200,
      windowBytes: 200,
      hasChecksum: false,
      headerBytes: 6,
    });
    // 2-byte sizes are stored minus 256; window descriptor 0x18: 2^(10+3) = 8 KiB.
    expect(decodeZstdFrameHeader(header(0x40, 0x18, 0x00, 0x1f))).toMatchObject({
      contentSize: 0x1f00 + 256,
      windowBytes: 8192,
      headerBytes: 8,
    });
    expect(decodeZstdFrameHeader(header(0xa0, 0x00, 0x20, 0x00, 0x00))).toMatchObject({
      contentSize: 8192,
      windowBytes: 8192,
    });
    expect(decodeZstdFrameHeader(header(0xe0, 1, 0, 0, 0, 1, 0, 0, 0)).contentSize).toBe(
      2 ** 32 + 1,
    );
  });

  it('says when the size is not declared, and reads past a dictionary id and the mantissa', () => {
    // Window 2^(10+1) + 3/8 of it, 4-byte dictionary id, checksum flag, no content size.
    expect(decodeZstdFrameHeader(header(0x07, 0x0b, 1, 2, 3, 4))).toEqual({
      contentSize: null,
      windowBytes: 2048 + 768,
      hasChecksum: true,
      headerBytes: 10,
    });
  });

  it('rejects another magic, the reserved bit, a cut header and an 8-byte size past 2^53', () => {
    expect(() => decodeZstdFrameHeader(Uint8Array.from([0x28, 0xb5, 0x2f, 0xfe, 0x20, 1]))).toThrow(
      /magic 0xfe2fb528/,
    );
    expect(() => decodeZstdFrameHeader(header(0x28, 1))).toThrow(/reserved descriptor bit/);
    expect(() => decodeZstdFrameHeader(header(0xa0, 0x00))).toThrow(FormatError);
    expect(() => decodeZstdFrameHeader(header(0xe0, 0, 0, 0, 0, 0, 0, 0, 0x80))).toThrow(
      /out of range/,
    );
  });
});
