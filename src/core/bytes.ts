// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Endian-explicit field access for on-disk structures. Every helper names its byte order; views
 * are built from the array's own byteOffset so subarrays work.
 */
function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export const u8 = (b: Uint8Array, o: number): number => view(b).getUint8(o);
export const u16le = (b: Uint8Array, o: number): number => view(b).getUint16(o, true);
export const u16be = (b: Uint8Array, o: number): number => view(b).getUint16(o, false);
export const u32le = (b: Uint8Array, o: number): number => view(b).getUint32(o, true);
export const u32be = (b: Uint8Array, o: number): number => view(b).getUint32(o, false);
export const u64le = (b: Uint8Array, o: number): bigint => view(b).getBigUint64(o, true);
export const u64be = (b: Uint8Array, o: number): bigint => view(b).getBigUint64(o, false);

export const setU8 = (b: Uint8Array, o: number, v: number): void => view(b).setUint8(o, v);
export const setU16le = (b: Uint8Array, o: number, v: number): void =>
  view(b).setUint16(o, v, true);
export const setU16be = (b: Uint8Array, o: number, v: number): void =>
  view(b).setUint16(o, v, false);
export const setU32le = (b: Uint8Array, o: number, v: number): void =>
  view(b).setUint32(o, v, true);
export const setU32be = (b: Uint8Array, o: number, v: number): void =>
  view(b).setUint32(o, v, false);
export const setU64le = (b: Uint8Array, o: number, v: bigint): void =>
  view(b).setBigUint64(o, v, true);
export const setU64be = (b: Uint8Array, o: number, v: bigint): void =>
  view(b).setBigUint64(o, v, false);

/** A 64-bit field as a JS number, refusing values past 2^53 instead of silently rounding. */
export function u64leNumber(b: Uint8Array, o: number): number {
  const value = u64le(b, o);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`64-bit value ${value} at offset ${o} exceeds 2^53`);
  }
  return Number(value);
}

const encoder = new TextEncoder();
const latin1 = new TextDecoder('latin1');

export function asciiBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes a fixed-width text field, dropping trailing NULs and spaces. */
export function asciiField(b: Uint8Array, o: number, length: number): string {
  return latin1.decode(b.subarray(o, o + length)).replace(/[\0 ]+$/, '');
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join('');
}
