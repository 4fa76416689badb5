// SPDX-License-Identifier: GPL-3.0-or-later
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { concatBytes, equalBytes, setU32le } from '../../../../src/core/bytes';
import { lzmaAloneDecompress } from '../../../../src/core/formats/lzma';
import { GRUB_LZMA_DICTIONARY_SIZE, encodeLzmaRaw } from '../../../../src/core/grub/lzma-encoder';

/** Deterministic pseudo-random bytes (xorshift). */
function pseudoRandom(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** The repository's own decoder, given the .lzma header GRUB's raw stream goes without. */
function decode(stream: Uint8Array, size: number): Uint8Array {
  const header = new Uint8Array(13);
  header[0] = 0x5d; // lc=3, lp=0, pb=2
  setU32le(header, 1, GRUB_LZMA_DICTIONARY_SIZE);
  setU32le(header, 5, size);
  return lzmaAloneDecompress(concatBytes([header, stream]), size);
}

function roundTrips(data: Uint8Array): Uint8Array {
  const stream = encodeLzmaRaw(data);
  expect(equalBytes(decode(stream, data.length), data)).toBe(true);
  return stream;
}

describe('encodeLzmaRaw', () => {
  it('round-trips GRUB modules and x86 code through the LZMA decoder', () => {
    for (const name of ['kernel.img', 'normal.mod', 'fat.mod']) {
      const data = new Uint8Array(readFileSync(`/usr/lib/grub/i386-pc/${name}`));
      const stream = roundTrips(data);
      expect(stream.length).toBeLessThan(data.length * 0.7);
    }
    roundTrips(new Uint8Array(readFileSync(process.execPath).subarray(0x40000, 0x70000)));
  });

  it('round-trips edge cases: empty, one byte, runs, random data, repeats past the dictionary', () => {
    roundTrips(new Uint8Array(0));
    roundTrips(Uint8Array.of(0));
    roundTrips(Uint8Array.of(1, 1));
    // Runs longer than the longest match (273), so matches chain back to back.
    expect(roundTrips(new Uint8Array(100_000).fill(7)).length).toBeLessThan(100);
    // Incompressible: only literals, the stream barely larger than the input.
    expect(roundTrips(pseudoRandom(50_000, 1)).length).toBeLessThan(50_000 * 1.02);
    const block = pseudoRandom(GRUB_LZMA_DICTIONARY_SIZE + 5000, 2);
    roundTrips(concatBytes([block, block]));
    // Alternating sources exercise the four kept distances.
    const a = pseudoRandom(40, 3);
    const b = pseudoRandom(40, 4);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 200; i++) parts.push(i % 3 === 0 ? a : b, pseudoRandom(3, i + 10));
    roundTrips(concatBytes(parts));
  });

  it('starts with the range coder’s zero byte and is deterministic', () => {
    const data = new Uint8Array(readFileSync('/usr/lib/grub/i386-pc/fat.mod'));
    const first = encodeLzmaRaw(data);
    expect(first[0]).toBe(0);
    expect(equalBytes(first, encodeLzmaRaw(data))).toBe(true);
  });
});
