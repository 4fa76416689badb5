// SPDX-License-Identifier: GPL-3.0-or-later
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { concatBytes, hex, u16le, u32le } from '../../../../src/core/bytes';
import {
  ATTR_ARCHIVE,
  ENTRY_CREATE_TENTHS,
  ENTRY_FILE_SIZE,
  encodeLongNameEntries,
  encodeShortEntry,
  fatTimestamp,
  parseDirectory,
} from '../../../../src/core/fat32/directory';
import { aliasShortName, exactShortName } from '../../../../src/core/fat32/names';

const dir = mkdtempSync(join(tmpdir(), 'livestick-fatdir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stamp = fatTimestamp(new Date(Date.UTC(2024, 4, 17, 12, 34, 57, 250)));

function entriesFor(name: string, size: number, cluster: number): Uint8Array {
  const short = exactShortName(name) ?? aliasShortName(name, new Set());
  const entry = encodeShortEntry({
    packed: short.packed,
    attributes: ATTR_ARCHIVE,
    caseFlags: short.caseFlags,
    firstCluster: cluster,
    size,
    timestamp: stamp,
  });
  return short.needsLongName
    ? concatBytes([encodeLongNameEntries(name, short.packed), entry])
    : entry;
}

/** Timestamps are the tool's "now"; everything else must be equal. */
function withoutTimes(entries: Uint8Array): string {
  const copy = entries.slice();
  for (let at = 0; at < copy.length; at += 32) {
    if (copy[at + 11] === 0x0f) continue;
    copy.fill(0, at + ENTRY_CREATE_TENTHS, at + 20);
    copy.fill(0, at + 22, at + 26);
  }
  return hex(copy);
}

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

  it('are what mtools writes for the same names', () => {
    const image = join(dir, 'mtools.img');
    execFileSync('mkfs.fat', ['-F', '32', '-s', '8', '-C', image, String(300 * 1024)]);
    const names = [
      'squashfs.img',
      'overlay-LIVE-1A2B-3C4D',
      'grubx64.efi',
      'BOOTX64.EFI',
      'Fedora-Legal-README.txt',
      'BOOT.conf',
      'my file (1).txt',
    ];
    const ours: Uint8Array[] = [];
    for (const [i, name] of names.entries()) {
      const local = join(dir, 'in');
      writeFileSync(local, 'x'.repeat(i + 1));
      execFileSync('mcopy', ['-i', image, local, `::/${name}`]);
      ours.push(entriesFor(name, i + 1, 3 + i));
    }
    const bytes = new Uint8Array(readFileSync(image));
    const rootStart = (u16le(bytes, 14) + bytes[16]! * u32le(bytes, 36)) * 512;
    const expected = concatBytes(ours);
    expect(withoutTimes(bytes.subarray(rootStart, rootStart + expected.length))).toBe(
      withoutTimes(expected),
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
