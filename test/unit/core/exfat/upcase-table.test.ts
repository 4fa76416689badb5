// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { setU16le, u16le } from '../../../../src/core/bytes';
import { FormatError } from '../../../../src/core/format-error';
import {
  RECOMMENDED_UPCASE_CHECKSUM,
  compressUpcaseTable,
  decodeUpcaseTable,
  recommendedUpcaseMapping,
  upcaseName,
  upcaseTableChecksum,
} from '../../../../src/core/exfat/upcase-table';

/** The specification's Figure 3 loop, written out independently of the module. */
function specTableChecksum(table: Uint8Array): number {
  let checksum = 0;
  for (const byte of table) {
    checksum = ((checksum & 1 ? 0x80000000 : 0) + Math.floor(checksum / 2) + byte) % 2 ** 32;
  }
  return checksum;
}

function words(table: Uint8Array): number[] {
  return Array.from({ length: table.length / 2 }, (_, i) => u16le(table, i * 2));
}

function expectFormatError(run: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(FormatError);
  expect((caught as Error).message).toMatch(pattern);
}

describe('the recommended up-case table', () => {
  const table = compressUpcaseTable(recommendedUpcaseMapping());

  it('has the TableChecksum the specification gives (§7.2.5.1)', () => {
    expect(upcaseTableChecksum(table)).toBe(RECOMMENDED_UPCASE_CHECKSUM);
    expect(specTableChecksum(table)).toBe(RECOMMENDED_UPCASE_CHECKSUM);
    expect(table.length).toBe(5836);
  });

  it('starts and ends as Table 25 does', () => {
    const w = words(table);
    // Raw offsets 0000h–007Fh: identities, then a–z mapped to A–Z.
    expect(w.slice(0x5e, 0x64)).toEqual([0x5e, 0x5f, 0x60, 0x41, 0x42, 0x43]);
    expect(w.slice(0x7a, 0x80)).toEqual([0x5a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f]);
    expect(w.slice(0xe0, 0x100)).toEqual([
      ...Array.from({ length: 0x17 }, (_, i) => 0xc0 + i),
      0xf7,
      ...Array.from({ length: 7 }, (_, i) => 0xd8 + i),
      0x178,
    ]);
    // Raw offsets 0AA0h–0AA7h: the end of Georgian, the long identity run, fullwidth A.
    expect(w.slice(0xaa0, 0xaa8)).toEqual([
      0x10c1, 0x10c2, 0x10c3, 0x10c4, 0x10c5, 0xffff, 0xd21b, 0xff21,
    ]);
    expect(w[w.length - 1]).toBe(0xffff);
  });

  it('holds the mandatory first 128 mappings and the usual case pairs', () => {
    const mapping = recommendedUpcaseMapping();
    for (let c = 0; c < 0x80; c++) {
      expect(mapping[c]).toBe(c >= 0x61 && c <= 0x7a ? c - 0x20 : c);
    }
    expect(upcaseName('grüße, ĳssel, ωμέγα, ёжик, ｆｕｌｌ', mapping)).toBe(
      'GRÜßE, ĲSSEL, ΩΜΈΓΑ, ЁЖИК, ＦＵＬＬ',
    );
  });

  it('decodes back to the same mapping', () => {
    expect(decodeUpcaseTable(table)).toEqual(recommendedUpcaseMapping());
  });

  it('decodes an uncompressed table too', () => {
    const full = new Uint8Array(0x20000);
    recommendedUpcaseMapping().forEach((value, i) => setU16le(full, i * 2, value));
    expect(decodeUpcaseTable(full)).toEqual(recommendedUpcaseMapping());
  });
});

describe('decodeUpcaseTable rejects', () => {
  const table = compressUpcaseTable(recommendedUpcaseMapping());

  it('odd lengths and empty tables', () => {
    expectFormatError(() => decodeUpcaseTable(table.subarray(0, 11)), /whole number/);
    expectFormatError(() => decodeUpcaseTable(new Uint8Array(0)), /whole number/);
  });

  it('a table that stops short of FFFFh', () => {
    expectFormatError(() => decodeUpcaseTable(table.subarray(0, table.length - 2)), /covers 65535/);
  });

  it('a run that goes past FFFFh', () => {
    const bad = table.slice();
    setU16le(bad, 0xaa6 * 2, 0xd21b + 200);
    expectFormatError(() => decodeUpcaseTable(bad), /identity run of 53987 from code unit 11558/);
  });

  it('a changed mandatory mapping', () => {
    const bad = table.slice();
    setU16le(bad, 0x61 * 2, 0x61);
    expectFormatError(
      () => decodeUpcaseTable(bad),
      /U\+0061 to U\+0061, the mandatory mapping is U\+0041/,
    );
  });
});
