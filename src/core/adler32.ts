// SPDX-License-Identifier: GPL-3.0-or-later
/** Adler-32 (RFC 1950 §8.2), the checksum at the end of every zlib stream, big-endian there. */
const MODULUS = 65521;
/** zlib's NMAX: the longest run of bytes whose sums stay below 2^32 before they are reduced. */
const RUN = 5552;

export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length;) {
    const end = Math.min(bytes.length, i + RUN);
    for (; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= MODULUS;
    b %= MODULUS;
  }
  return (b * 65536 + a) >>> 0;
}
