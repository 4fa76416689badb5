// SPDX-License-Identifier: GPL-3.0-or-later
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { adler32 } from '../../../src/core/adler32';

/** zlib ends each stream with the Adler-32 of its data, big-endian (RFC 1950 §2.2). */
function zlibTrailer(data: Uint8Array): number {
  return deflateSync(data).readUInt32BE(deflateSync(data).length - 4);
}

describe('adler32', () => {
  it('is 1 for nothing and 0x11e60398 for "Wikipedia"', () => {
    expect(adler32(new Uint8Array(0))).toBe(1);
    expect(adler32(new TextEncoder().encode('Wikipedia'))).toBe(0x11e60398);
  });

  it('agrees with zlib over runs longer than one reduction, all 0xff', () => {
    for (const length of [5551, 5552, 5553, 100_000]) {
      const data = new Uint8Array(length).fill(0xff);
      expect(adler32(data), `${length} bytes`).toBe(zlibTrailer(data));
    }
  });
});
