// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The exFAT up-case table (exFAT specification §7.2.5): one 16-bit upper-case mapping per UTF-16
 * code unit, stored compressed by replacing long runs of identity mappings with FFFFh and a
 * count. File names are compared and hashed after up-casing through the volume's own table, so
 * the writer, the reader and the name hash must all use the same one.
 *
 * We write the specification's recommended table (§7.2.5.1, Table 25), computed from its case
 * pairs below rather than stored as bytes; its TableChecksum, E619D30Dh, is given by the
 * specification and checked by the tests, so a wrong range cannot go unnoticed.
 */
import { setU16le, u16le } from '../bytes';
import { FormatError } from '../format-error';

export const UPCASE_CODE_UNITS = 0x10000;
/** The compressed form's marker: FFFFh, then the number of identity mappings it stands for. */
export const IDENTITY_RUN_MARKER = 0xffff;
/** TableChecksum of the recommended table in compressed form (§7.2.5.1). */
export const RECOMMENDED_UPCASE_CHECKSUM = 0xe619d30d;

/**
 * The recommended table's non-identity mappings as [first, last, delta, step]: every `step`-th
 * code unit from `first` to `last` maps to itself plus `delta` (step 2 covers the Latin, Greek,
 * Cyrillic and Coptic blocks that alternate upper and lower case). It follows Unicode as it was
 * when exFAT was specified, quirks included: later case pairs are absent, and the table maps
 * U+1FB3/U+1FC3/U+1FF3 and U+1F80–U+1FAF to their title-case forms.
 */
type CaseRange = readonly [first: number, last: number, delta: number, step?: 2];
// prettier-ignore
const RECOMMENDED_CASE_RANGES: readonly CaseRange[] = [
  [0x0061, 0x007a, -32], [0x00e0, 0x00f6, -32], [0x00f8, 0x00fe, -32], [0x00ff, 0x00ff, 121],
  [0x0101, 0x012f, -1, 2], [0x0133, 0x0137, -1, 2], [0x013a, 0x0148, -1, 2],
  [0x014b, 0x0177, -1, 2], [0x017a, 0x017e, -1, 2], [0x0180, 0x0180, 195],
  [0x0183, 0x0185, -1, 2], [0x0188, 0x0188, -1], [0x018c, 0x018c, -1], [0x0192, 0x0192, -1],
  [0x0195, 0x0195, 97], [0x0199, 0x0199, -1], [0x019a, 0x019a, 163], [0x019e, 0x019e, 130],
  [0x01a1, 0x01a5, -1, 2], [0x01a8, 0x01a8, -1], [0x01ad, 0x01ad, -1], [0x01b0, 0x01b0, -1],
  [0x01b4, 0x01b6, -1, 2], [0x01b9, 0x01b9, -1], [0x01bd, 0x01bd, -1], [0x01bf, 0x01bf, 56],
  [0x01c6, 0x01c6, -2], [0x01c9, 0x01c9, -2], [0x01cc, 0x01cc, -2], [0x01ce, 0x01dc, -1, 2],
  [0x01dd, 0x01dd, -79], [0x01df, 0x01ef, -1, 2], [0x01f3, 0x01f3, -2], [0x01f5, 0x01f5, -1],
  [0x01f9, 0x021f, -1, 2], [0x0223, 0x0233, -1, 2], [0x023a, 0x023a, 10795],
  [0x023c, 0x023c, -1], [0x023e, 0x023e, 10792], [0x0242, 0x0242, -1], [0x0247, 0x024f, -1, 2],
  [0x0253, 0x0253, -210], [0x0254, 0x0254, -206], [0x0256, 0x0257, -205],
  [0x0259, 0x0259, -202], [0x025b, 0x025b, -203], [0x0260, 0x0260, -205],
  [0x0263, 0x0263, -207], [0x0268, 0x0268, -209], [0x0269, 0x0269, -211],
  [0x026b, 0x026b, 10743], [0x026f, 0x026f, -211], [0x0272, 0x0272, -213],
  [0x0275, 0x0275, -214], [0x027d, 0x027d, 10727], [0x0280, 0x0280, -218],
  [0x0283, 0x0283, -218], [0x0288, 0x0288, -218], [0x0289, 0x0289, -69],
  [0x028a, 0x028b, -217], [0x028c, 0x028c, -71], [0x0292, 0x0292, -219],
  [0x037b, 0x037d, 130], [0x03ac, 0x03ac, -38], [0x03ad, 0x03af, -37], [0x03b1, 0x03c1, -32],
  [0x03c2, 0x03c2, -31], [0x03c3, 0x03cb, -32], [0x03cc, 0x03cc, -64], [0x03cd, 0x03ce, -63],
  [0x03d9, 0x03ef, -1, 2], [0x03f2, 0x03f2, 7], [0x03f8, 0x03f8, -1], [0x03fb, 0x03fb, -1],
  [0x0430, 0x044f, -32], [0x0450, 0x045f, -80], [0x0461, 0x0481, -1, 2],
  [0x048b, 0x04bf, -1, 2], [0x04c2, 0x04ce, -1, 2], [0x04cf, 0x04cf, -15],
  [0x04d1, 0x0513, -1, 2], [0x0561, 0x0586, -48], [0x1d7d, 0x1d7d, 3814],
  [0x1e01, 0x1e95, -1, 2], [0x1ea1, 0x1ef9, -1, 2], [0x1f00, 0x1f07, 8], [0x1f10, 0x1f15, 8],
  [0x1f20, 0x1f27, 8], [0x1f30, 0x1f37, 8], [0x1f40, 0x1f45, 8], [0x1f51, 0x1f57, 8, 2],
  [0x1f60, 0x1f67, 8], [0x1f70, 0x1f71, 74], [0x1f72, 0x1f75, 86], [0x1f76, 0x1f77, 100],
  [0x1f78, 0x1f79, 128], [0x1f7a, 0x1f7b, 112], [0x1f7c, 0x1f7d, 126], [0x1f80, 0x1f87, 8],
  [0x1f90, 0x1f97, 8], [0x1fa0, 0x1fa7, 8], [0x1fb0, 0x1fb1, 8], [0x1fb3, 0x1fb3, 9],
  [0x1fcc, 0x1fcc, -9], [0x1fd0, 0x1fd1, 8], [0x1fe0, 0x1fe1, 8], [0x1fe5, 0x1fe5, 7],
  [0x1ffc, 0x1ffc, -9], [0x214e, 0x214e, -28], [0x2170, 0x217f, -16], [0x2184, 0x2184, -1],
  [0x24d0, 0x24e9, -26], [0x2c30, 0x2c5e, -48], [0x2c61, 0x2c61, -1], [0x2c68, 0x2c6c, -1, 2],
  [0x2c76, 0x2c76, -1], [0x2c81, 0x2ce3, -1, 2], [0x2d00, 0x2d25, -7264],
  [0xff41, 0xff5a, -32],
];

/**
 * The recommended table writes identity runs shorter than this out in full and compresses the
 * longer ones; any threshold from 338 to 843 reproduces it byte for byte.
 */
const MIN_COMPRESSED_RUN = 512;

/** An up-case mapping: index = code unit, value = its upper case. */
export type UpcaseMapping = Uint16Array;

let recommended: UpcaseMapping | undefined;

/** The recommended table, uncompressed. Shared and frozen by convention: do not modify. */
export function recommendedUpcaseMapping(): UpcaseMapping {
  if (recommended) return recommended;
  const mapping = new Uint16Array(UPCASE_CODE_UNITS);
  for (let unit = 0; unit < UPCASE_CODE_UNITS; unit++) mapping[unit] = unit;
  for (const [first, last, delta, step = 1] of RECOMMENDED_CASE_RANGES) {
    for (let unit = first; unit <= last; unit += step) mapping[unit] = unit + delta;
  }
  recommended = mapping;
  return mapping;
}

/** The on-disk compressed form of a full mapping (§7.2.5). */
export function compressUpcaseTable(mapping: UpcaseMapping): Uint8Array {
  if (mapping.length !== UPCASE_CODE_UNITS) {
    throw new RangeError(
      `an up-case mapping has ${UPCASE_CODE_UNITS} entries, not ${mapping.length}`,
    );
  }
  const words: number[] = [];
  let unit = 0;
  while (unit < UPCASE_CODE_UNITS) {
    if (mapping[unit] !== unit) {
      if (mapping[unit] === IDENTITY_RUN_MARKER) {
        throw new RangeError(`U+${unit.toString(16)} maps to FFFFh, which reads as a run marker`);
      }
      words.push(mapping[unit]!);
      unit++;
      continue;
    }
    let runEnd = unit;
    while (runEnd < UPCASE_CODE_UNITS && mapping[runEnd] === runEnd) runEnd++;
    if (runEnd - unit >= MIN_COMPRESSED_RUN) words.push(IDENTITY_RUN_MARKER, runEnd - unit);
    else for (let identity = unit; identity < runEnd; identity++) words.push(identity);
    unit = runEnd;
  }
  const bytes = new Uint8Array(words.length * 2);
  words.forEach((word, i) => setU16le(bytes, i * 2, word));
  return bytes;
}

/** TableChecksum (§7.2.2, Figure 3): rotate right by one, add the next byte. */
export function upcaseTableChecksum(table: Uint8Array): number {
  let checksum = 0;
  for (let i = 0; i < table.length; i++) {
    checksum = (((checksum & 1) << 31) | (checksum >>> 1)) + table[i]!;
    checksum >>>= 0;
  }
  return checksum;
}

/**
 * Expands a table as stored, compressed or not, into the full mapping. FFFFh is a run marker
 * except as the last entry, where it is code unit FFFFh's own identity mapping. A table that does
 * not cover every code unit exactly, or that changes one of the 128 mandatory mappings (Table
 * 24), is rejected: names would compare differently on this volume than everywhere else.
 */
export function decodeUpcaseTable(table: Uint8Array): UpcaseMapping {
  const structure = 'exFAT up-case table';
  if (table.length === 0 || table.length % 2 !== 0) {
    throw new FormatError(structure, 0, `${table.length} bytes is not a whole number of entries`);
  }
  const mapping = new Uint16Array(UPCASE_CODE_UNITS);
  let unit = 0;
  for (let at = 0; at < table.length; at += 2) {
    if (unit >= UPCASE_CODE_UNITS) {
      throw new FormatError(structure, at, `entries continue past code unit FFFFh`);
    }
    const value = u16le(table, at);
    if (value === IDENTITY_RUN_MARKER && unit < UPCASE_CODE_UNITS - 1) {
      if (at + 2 >= table.length)
        throw new FormatError(structure, at, 'run marker without a count');
      const count = u16le(table, at + 2);
      if (count === 0 || unit + count > UPCASE_CODE_UNITS) {
        throw new FormatError(structure, at, `identity run of ${count} from code unit ${unit}`);
      }
      for (let i = 0; i < count; i++, unit++) mapping[unit] = unit;
      at += 2;
    } else {
      mapping[unit++] = value;
    }
  }
  if (unit !== UPCASE_CODE_UNITS) {
    throw new FormatError(structure, table.length, `covers ${unit} code units, not 65536`);
  }
  for (let i = 0; i < 0x80; i++) {
    const mandatory = i >= 0x61 && i <= 0x7a ? i - 0x20 : i;
    if (mapping[i] !== mandatory) {
      throw new FormatError(
        structure,
        0,
        `maps U+${i.toString(16).padStart(4, '0')} to U+${mapping[i]!.toString(16).padStart(4, '0')}, the mandatory mapping is U+${mandatory.toString(16).padStart(4, '0')}`,
      );
    }
  }
  return mapping;
}

/** A name's UTF-16 code units up-cased through `mapping`, as names are compared and hashed. */
export function upcaseName(name: string, mapping: UpcaseMapping): string {
  let out = '';
  for (let i = 0; i < name.length; i++) out += String.fromCharCode(mapping[name.charCodeAt(i)]!);
  return out;
}
