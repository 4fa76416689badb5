// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { concatBytes, hex, u16le, u32le } from '../../../../src/core/bytes';
import {
  ATTR_ARCHIVE,
  ENTRY_FILE_SIZE,
  encodeLongNameEntries,
  encodeShortEntry,
  fatTimestamp,
  parseDirectory,
} from '../../../../src/core/fat32/directory';
import { entriesFor, stamp } from './directory-entries';

describe('FAT timestamps', () => {
  it('pack the UTC fields', () => {
    expect(stamp).toEqual({
      date: (44 << 9) | (5 << 5) | 17,
      time: (12 << 11) | (34 << 5) | 28,
      tenths: 125,
    });
    expect(fatTimestamp(new Date(Date.UTC(1970, 0, 1)))).toEqual({
      date: 0x21,
      time: 0,
      tenths: 0,
    });
  });
});

describe('directory entries', () => {
  it('encode a short entry with cluster halves and size little-endian', () => {
    const entry = encodeShortEntry({
      packed: 'SQUASHFSIMG',
      attributes: ATTR_ARCHIVE,
      caseFlags: 0x18,
      firstCluster: 0x0012abcd,
      size: 0xfffffe00,
      timestamp: stamp,
    });
    expect(hex(entry.subarray(0, 13))).toBe(hex(new TextEncoder().encode('SQUASHFSIMG')) + '2018');
    expect(u16le(entry, 20)).toBe(0x0012);
    expect(u16le(entry, 26)).toBe(0xabcd);
    expect(u32le(entry, ENTRY_FILE_SIZE)).toBe(0xfffffe00);
  });

  it('encode LFN entries last-first, 0x0000-terminated and 0xFFFF-padded', () => {
    const lfn = encodeLongNameEntries('overlay-LIVE-1A2B-3C4D', 'OVERLA~1   ');
    expect(lfn.length).toBe(64);
    expect(hex(lfn.subarray(0, 32))).toBe(
      '42' + '31004100320042002d00' + '0f0055' + '33004300340044000000ffff' + '0000' + 'ffffffff',
    );
    expect(hex(lfn.subarray(32, 64))).toBe(
      '01' + '6f007600650072006c00' + '0f0055' + '610079002d004c0049005600' + '0000' + '45002d00',
    );
  });

  it('parse back into long names, honouring case flags and rejecting bad checksums', () => {
    const bytes = concatBytes([
      entriesFor('squashfs.img', 10, 5),
      entriesFor('overlay-LIVE-1A2B-3C4D', 0, 0),
      new Uint8Array(64),
    ]);
    const { records } = parseDirectory(bytes);
    expect(records.map((r) => [r.name, r.shortName, r.entryOffset, r.firstEntryOffset])).toEqual([
      ['squashfs.img', 'SQUASHFS.IMG', 0, 0],
      ['overlay-LIVE-1A2B-3C4D', 'OVERLA~1', 96, 32],
    ]);
    bytes[32 + 13] = 0x54;
    expect(parseDirectory(bytes).records[1]!.name).toBe('OVERLA~1');
  });
});
