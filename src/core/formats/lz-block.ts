// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Block decoders for the two byte-oriented LZ77 formats squashfs can use: LZ4 raw blocks
 * (LZ4_decompress_safe, no frame) and LZO1X (lzo1x_decompress_safe). Both are small, and the
 * available npm packages either lack bounds checks (a corrupt block must not write out of range
 * or spin) or are native, so they are written here from the format descriptions.
 */
import { FormatError } from '../format-error';

/** Decodes one raw LZ4 block whose output is at most `maxOut` bytes. */
export function lz4BlockDecompress(input: Uint8Array, maxOut: number): Uint8Array {
  const out = new Uint8Array(maxOut);
  let ip = 0;
  let op = 0;
  const need = (n: number): void => {
    if (ip + n > input.length)
      throw new FormatError('LZ4 block', ip, 'input ends inside a sequence');
  };
  const length = (base: number): number => {
    let value = base;
    if (base === 15) {
      for (;;) {
        need(1);
        const byte = input[ip++]!;
        value += byte;
        if (byte !== 255) break;
      }
    }
    return value;
  };
  for (;;) {
    need(1);
    const token = input[ip++]!;
    const literals = length(token >>> 4);
    need(literals);
    if (op + literals > maxOut)
      throw new FormatError('LZ4 block', ip, `output exceeds ${maxOut} bytes`);
    out.set(input.subarray(ip, ip + literals), op);
    ip += literals;
    op += literals;
    // The last sequence is literals only.
    if (ip === input.length) break;
    need(2);
    const offset = input[ip]! | (input[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op)
      throw new FormatError('LZ4 block', ip - 2, `match offset ${offset}`);
    const count = length(token & 0x0f) + 4;
    if (op + count > maxOut)
      throw new FormatError('LZ4 block', ip, `output exceeds ${maxOut} bytes`);
    for (let from = op - offset, i = 0; i < count; i++) out[op++] = out[from++]!;
  }
  return out.subarray(0, op);
}

/** Distance bias of the long (M4) matches, and the short M1 matches right after a literal run. */
const M4_BASE = 0x4000;
const M2_MAX_OFFSET = 0x0800;

/** Decodes an LZO1X stream whose output is at most `maxOut` bytes. */
export function lzo1xDecompress(input: Uint8Array, maxOut: number): Uint8Array {
  const out = new Uint8Array(maxOut);
  let ip = 0;
  let op = 0;
  const byte = (): number => {
    if (ip >= input.length) throw new FormatError('LZO block', ip, 'input ends early');
    return input[ip++]!;
  };
  /** Run lengths past the short field: zero bytes add 255 each, the next byte ends the count. */
  const extended = (base: number): number => {
    let value = 0;
    for (;;) {
      const b = byte();
      if (b !== 0) return value + base + b;
      value += 255;
      if (value > maxOut) throw new FormatError('LZO block', ip, 'run length exceeds the output');
    }
  };
  const literals = (count: number): void => {
    if (ip + count > input.length)
      throw new FormatError('LZO block', ip, 'literal run past the input');
    if (op + count > maxOut)
      throw new FormatError('LZO block', ip, `output exceeds ${maxOut} bytes`);
    out.set(input.subarray(ip, ip + count), op);
    ip += count;
    op += count;
  };
  const copy = (distance: number, count: number): void => {
    const from = op - distance;
    if (distance <= 0 || from < 0)
      throw new FormatError('LZO block', ip, `match distance ${distance}`);
    if (op + count > maxOut)
      throw new FormatError('LZO block', ip, `output exceeds ${maxOut} bytes`);
    for (let i = 0; i < count; i++) out[op + i] = out[from + i]!;
    op += count;
  };

  // Each step decodes one instruction; `state` is the number of literals the previous
  // instruction asked for (0–3), or 4 after a literal run of ≥ 4 bytes (it changes M1's meaning).
  let state = 0;
  let first = true;
  for (;;) {
    let t = byte();
    if (first && t > 17) {
      // A stream may open with a literal run encoded in the first byte alone.
      literals(t - 17);
      state = t - 17 < 4 ? t - 17 : 4;
      first = false;
      continue;
    }
    first = false;
    if (t < 16) {
      if (state === 0) {
        // Literal run of ≥ 3 (+ extension).
        literals(t === 0 ? extended(15) + 3 : t + 3);
        state = 4;
        continue;
      }
      // M1: a 2-byte match (after 1–3 trailing literals) or a 3-byte match (after a long run).
      const next = byte();
      if (state === 4) copy(1 + M2_MAX_OFFSET + (t >>> 2) + (next << 2), 3);
      else copy(1 + (t >>> 2) + (next << 2), 2);
      t = input[ip - 2]!;
    } else if (t >= 64) {
      const next = byte();
      copy(1 + ((t >>> 2) & 7) + (next << 3), (t >>> 5) + 1);
      t = input[ip - 2]!;
    } else if (t >= 32) {
      const count = (t & 31) === 0 ? extended(31) : t & 31;
      const lo = byte();
      const hi = byte();
      copy(1 + (lo >>> 2) + (hi << 6), count + 2);
      t = lo;
    } else {
      const count = (t & 7) === 0 ? extended(7) : t & 7;
      const lo = byte();
      const hi = byte();
      const distance = ((t & 8) << 11) + (lo >>> 2) + (hi << 6);
      if (distance === 0) {
        if (count !== 1) throw new FormatError('LZO block', ip, 'malformed end-of-stream marker');
        if (ip !== input.length)
          throw new FormatError('LZO block', ip, 'data after the end marker');
        return out.subarray(0, op);
      }
      copy(distance + M4_BASE, count + 2);
      t = lo;
    }
    // The low two bits of the instruction's last distance byte ask for 0–3 trailing literals.
    state = t & 3;
    if (state > 0) literals(state);
  }
}
