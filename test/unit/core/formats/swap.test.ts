// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/core/format-error';
import {
  decodeSwapHeader,
  encodeSwapHeader,
  planSwapFile,
} from '../../../../src/core/formats/swap';

const UUID_TEXT = '0b1e5c2a-9d3f-4e11-8a6b-1c2d3e4f5a6b';
const UUID = Uint8Array.from(UUID_TEXT.replace(/-/g, '').match(/../g)!, (h) => parseInt(h, 16));
const MiB = 1024 * 1024;

describe('swap header', () => {
  it('lays out the v1 fields and the magic', () => {
    const page = encodeSwapHeader({ sizeBytes: 16 * MiB, uuid: UUID, label: 'SWAP' });
    expect(page.length).toBe(4096);
    expect(page.subarray(0, 1024).every((b) => b === 0)).toBe(true);
    expect(Array.from(page.subarray(1024, 1036))).toEqual([
      1, 0, 0, 0, 0xff, 0x0f, 0, 0, 0, 0, 0, 0,
    ]);
    expect(page.subarray(1036, 1052)).toEqual(UUID);
    expect(new TextDecoder().decode(page.subarray(1052, 1056))).toBe('SWAP');
    expect(new TextDecoder().decode(page.subarray(4086))).toBe('SWAPSPACE2');
  });

  it('round-trips and finds the page size from the magic', () => {
    for (const pageBytes of [4096, 65536]) {
      const page = encodeSwapHeader({
        sizeBytes: 64 * MiB + 100,
        uuid: UUID,
        label: 'x',
        pageBytes,
      });
      const decoded = decodeSwapHeader(page);
      expect(decoded).toEqual({
        version: 1,
        lastPage: Math.floor((64 * MiB + 100) / pageBytes) - 1,
        badPages: 0,
        uuid: UUID,
        label: 'x',
        pageBytes,
      });
    }
  });

  it('rejects what mkswap rejects and what is not a swap area', () => {
    expect(() => encodeSwapHeader({ sizeBytes: 9 * 4096, uuid: UUID })).toThrow(RangeError);
    expect(() => encodeSwapHeader({ sizeBytes: MiB, uuid: UUID.subarray(1) })).toThrow(RangeError);
    expect(() => encodeSwapHeader({ sizeBytes: MiB, uuid: UUID, label: 'x'.repeat(16) })).toThrow(
      RangeError,
    );
    expect(() => decodeSwapHeader(new Uint8Array(4096))).toThrow(FormatError);
    expect(() => decodeSwapHeader(new Uint8Array(100))).toThrow(/at least 4096 bytes/);
    const v0 = new Uint8Array(4096);
    v0.set(new TextEncoder().encode('SWAP-SPACE'), 4086);
    expect(() => decodeSwapHeader(v0)).toThrow(/version 0/);
    const bigEndian = encodeSwapHeader({ sizeBytes: MiB, uuid: UUID });
    bigEndian.set([0, 0, 0, 1], 1024);
    expect(() => decodeSwapHeader(bigEndian)).toThrow(/byte 1024: expected version 1/);
  });

  it('plans only the header page unless zero fill is asked', () => {
    expect(
      planSwapFile({ sizeBytes: 8 * MiB, uuid: UUID }).map((e) => [e.offset, e.length]),
    ).toEqual([[0, 4096]]);
    const filled = planSwapFile({ sizeBytes: 8 * MiB, uuid: UUID, zeroFill: true });
    expect(filled.map((e) => [e.offset, e.length, e.fill.kind])).toEqual([
      [0, 4096, 'bytes'],
      [4096, 8 * MiB - 4096, 'zero'],
    ]);
  });
});
