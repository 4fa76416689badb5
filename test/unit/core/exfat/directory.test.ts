// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import {
  concatBytes,
  hex,
  setU16le,
  setU64le,
  u16le,
  u32le,
  u64le,
} from '../../../../src/core/bytes';
import { FormatError } from '../../../../src/core/format-error';
import {
  ATTR_ARCHIVE,
  ATTR_DIRECTORY,
  ENTRY_SIZE,
  FLAG_NO_FAT_CHAIN,
  encodeAllocationBitmapEntry,
  encodeFileEntrySet,
  encodeUpcaseTableEntry,
  encodeVolumeGuidEntry,
  encodeVolumeLabelEntry,
  entrySetChecksum,
  exfatTimestamp,
  nameHash,
  parseExfatDirectory,
  withAllocation,
} from '../../../../src/core/exfat/directory';
import { recommendedUpcaseMapping } from '../../../../src/core/exfat/upcase-table';

const upcase = recommendedUpcaseMapping();
const createdAt = new Date(Date.UTC(2024, 4, 17, 12, 34, 57, 250));
const GiB = 2 ** 30;

/** The specification's Figure 2 loop, written out independently of the module. */
function specSetChecksum(entries: Uint8Array): number {
  let checksum = 0;
  for (let index = 0; index < entries.length; index++) {
    if (index === 2 || index === 3) continue;
    checksum = ((checksum & 1 ? 0x8000 : 0) + (checksum >> 1) + entries[index]!) & 0xffff;
  }
  return checksum;
}

/** Figure 4 over the UTF-16LE bytes of an already up-cased name. */
function specNameHash(upcased: string): number {
  const buffer = new Uint8Array(upcased.length * 2);
  for (let i = 0; i < upcased.length; i++) setU16le(buffer, i * 2, upcased.charCodeAt(i));
  let hash = 0;
  for (const byte of buffer) hash = ((hash & 1 ? 0x8000 : 0) + (hash >> 1) + byte) & 0xffff;
  return hash;
}

function fileSet(name: string, overrides: Partial<Parameters<typeof encodeFileEntrySet>[0]> = {}) {
  return encodeFileEntrySet({
    name,
    attributes: ATTR_ARCHIVE,
    firstCluster: 1234,
    dataLength: 20 * GiB + 5,
    validDataLength: 20 * GiB + 5,
    noFatChain: true,
    createdAt,
    upcase,
    ...overrides,
  });
}

function expectFormatError(run: () => unknown, offset: number, pattern: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(FormatError);
  expect((caught as Error).message).toMatch(pattern);
  expect((caught as FormatError).offset).toBe(offset);
}

describe('exFAT timestamps', () => {
  it('packs the UTC fields as §7.4.8 says, with OffsetValid set', () => {
    const stamp = exfatTimestamp(createdAt);
    // 2024 − 1980 = 44, May, 17th, 12:34, 57 s = 28 double seconds + 1 s.
    expect(stamp.timestamp).toBe(
      ((44 << 25) | (5 << 21) | (17 << 16) | (12 << 11) | (34 << 5) | 28) >>> 0,
    );
    expect(stamp.tenMs).toBe(125);
    expect(stamp.utcOffset).toBe(0x80);
  });

  it('clamps to 1980 and 2107', () => {
    expect(exfatTimestamp(new Date(0)).timestamp).toBe((1 << 21) | (1 << 16));
    const late = exfatTimestamp(new Date(Date.UTC(2200, 0, 1)));
    expect(late.timestamp >>> 25).toBe(127);
    expect(late.tenMs).toBe(199);
  });
});

describe('exFAT checksums', () => {
  it('hashes the up-cased UTF-16LE name as Figure 4 does', () => {
    expect(nameHash('SQUASHFS.IMG')).toBe(specNameHash('SQUASHFS.IMG'));
    expect(nameHash('GRÜSSE Ω€')).toBe(specNameHash('GRÜSSE Ω€'));
    expect(nameHash('A')).toBe(0x8020);
  });

  it('checks a whole set except its own checksum field, as Figure 2 does', () => {
    const set = fileSet('overlay-LIVE-1234-ABCD');
    expect(entrySetChecksum(set)).toBe(specSetChecksum(set));
    expect(u16le(set, 2)).toBe(specSetChecksum(set));
    const changed = set.slice();
    changed[2] ^= 0xff;
    expect(entrySetChecksum(changed)).toBe(entrySetChecksum(set));
  });
});

describe('exFAT entries', () => {
  it('lays out a File / Stream Extension / File Name set (§7.4, §7.6, §7.7)', () => {
    const name = 'overlay-LIVE-1234-ABCD';
    const set = fileSet(name);
    expect(set.length).toBe(4 * ENTRY_SIZE);
    const file = set.subarray(0, 32);
    const stamp = exfatTimestamp(createdAt);
    expect(hex(file.subarray(0, 2))).toBe('8503');
    expect(u16le(file, 4)).toBe(ATTR_ARCHIVE);
    expect([u32le(file, 8), u32le(file, 12), u32le(file, 16)]).toEqual([
      stamp.timestamp,
      stamp.timestamp,
      stamp.timestamp,
    ]);
    expect(hex(file.subarray(20, 32))).toBe('7d7d808080' + '00'.repeat(7));
    const stream = set.subarray(32, 64);
    expect(hex(stream.subarray(0, 4))).toBe('c0030016');
    expect(u16le(stream, 4)).toBe(specNameHash(name.toUpperCase()));
    expect(u64le(stream, 8)).toBe(BigInt(20 * GiB + 5));
    expect(u32le(stream, 20)).toBe(1234);
    expect(u64le(stream, 24)).toBe(BigInt(20 * GiB + 5));
    const names = set.subarray(64);
    expect(names[0]).toBe(0xc1);
    expect(names[1]).toBe(0);
    expect(new TextDecoder('utf-16le').decode(names.subarray(2, 32))).toBe(name.slice(0, 15));
    expect(names[32]).toBe(0xc1);
    expect(new TextDecoder('utf-16le').decode(names.subarray(34, 34 + 14))).toBe(name.slice(15));
    expect(names.subarray(34 + 14, 64).every((b) => b === 0)).toBe(true);
  });

  it('flags an empty file with no cluster and no NoFatChain', () => {
    const set = fileSet('empty', {
      firstCluster: 0,
      dataLength: 0,
      validDataLength: 0,
      noFatChain: false,
    });
    expect(hex(set.subarray(32, 36))).toBe('c0010005');
    expect(u32le(set, 32 + 20)).toBe(0);
    expect(() => fileSet('bad', { firstCluster: 0, dataLength: 1, validDataLength: 1 })).toThrow(
      /no first cluster/,
    );
  });

  it('lays out the root entries (§7.1, §7.2, §7.3, §7.5)', () => {
    expect(hex(encodeAllocationBitmapEntry({ firstCluster: 2, dataLength: 65532 }))).toBe(
      '81' + '00'.repeat(19) + '02000000' + 'fcff000000000000',
    );
    expect(
      hex(encodeUpcaseTableEntry({ checksum: 0xe619d30d, firstCluster: 3, dataLength: 5836 })),
    ).toBe('82000000' + '0dd319e6' + '00'.repeat(12) + '03000000' + 'cc16000000000000');
    expect(hex(encodeVolumeLabelEntry('Grüße'))).toBe(
      '8305' +
        hex(new Uint8Array(new Uint16Array([0x47, 0x72, 0xfc, 0xdf, 0x65]).buffer)) +
        '00'.repeat(20),
    );
    const guid = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    const guidEntry = encodeVolumeGuidEntry(guid);
    expect(hex(guidEntry.subarray(0, 2))).toBe('a000');
    expect(u16le(guidEntry, 2)).toBe(specSetChecksum(guidEntry));
    expect(guidEntry.subarray(6, 22)).toEqual(guid);
    expect(() => encodeVolumeGuidEntry(new Uint8Array(16))).toThrow(/null GUID/);
    expect(() => encodeVolumeLabelEntry('twelve chars')).toThrow(/longer than 11/);
  });

  it('re-points a set at a new allocation with a fresh checksum', () => {
    const set = fileSet('home.img', { noFatChain: true });
    const moved = withAllocation(set, {
      firstCluster: 99,
      dataLength: 10 * GiB,
      validDataLength: 10 * GiB,
      noFatChain: false,
      modifiedAt: new Date(Date.UTC(2025, 0, 2)),
    });
    expect(u32le(moved, 32 + 20)).toBe(99);
    expect(u64le(moved, 32 + 24)).toBe(BigInt(10 * GiB));
    expect(moved[32 + 1]! & FLAG_NO_FAT_CHAIN).toBe(0);
    expect(u32le(moved, 8)).toBe(u32le(set, 8));
    expect(u32le(moved, 12)).toBe(exfatTimestamp(new Date(Date.UTC(2025, 0, 2))).timestamp);
    expect(u16le(moved, 2)).toBe(specSetChecksum(moved));
  });
});

describe('parseExfatDirectory', () => {
  const guid = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
  const root = (): Uint8Array => {
    const bytes = new Uint8Array(4096);
    bytes.set(
      concatBytes([
        encodeVolumeLabelEntry('LIVE'),
        encodeVolumeGuidEntry(guid),
        encodeAllocationBitmapEntry({ firstCluster: 2, dataLength: 1920 }),
        encodeUpcaseTableEntry({ checksum: 0xe619d30d, firstCluster: 3, dataLength: 5836 }),
        fileSet('LiveOS', {
          attributes: ATTR_DIRECTORY,
          dataLength: 4096,
          validDataLength: 4096,
          firstCluster: 5,
        }),
        fileSet('a name longer than fifteen units.txt', { dataLength: 10, validDataLength: 10 }),
      ]),
    );
    return bytes;
  };

  it('reads back every entry, and the free slots after the last one', () => {
    const parsed = parseExfatDirectory(root(), { isRoot: true, path: '/' });
    expect(parsed.volumeLabel).toBe('LIVE');
    expect(parsed.volumeGuid).toEqual(guid);
    expect(parsed.allocationBitmaps).toEqual([
      { index: 0, entryOffset: 64, firstCluster: 2, dataLength: 1920 },
    ]);
    expect(parsed.upcaseTables).toEqual([
      { checksum: 0xe619d30d, entryOffset: 96, firstCluster: 3, dataLength: 5836 },
    ]);
    expect(
      parsed.files.map((f) => [f.name, f.isDirectory, f.firstCluster, f.dataLength, f.entryOffset]),
    ).toEqual([
      ['LiveOS', true, 5, 4096, 128],
      ['a name longer than fifteen units.txt', false, 1234, 10, 224],
    ]);
    expect(parsed.files[1]!.nameHash).toBe(specNameHash('A NAME LONGER THAN FIFTEEN UNITS.TXT'));
    expect(parsed.freeSlots).toEqual([{ entryOffset: 384, count: (4096 - 384) / 32 }]);
  });

  it('counts deleted entries as free slots and skips unknown benign sets', () => {
    const bytes = root();
    for (let at = 128; at < 224; at += 32) bytes[at]! &= 0x7f;
    bytes.set(Uint8Array.of(0xa5, 1), 384);
    bytes.set(Uint8Array.of(0xe0), 416);
    const parsed = parseExfatDirectory(bytes, { isRoot: true, path: '/' });
    expect(parsed.files.map((f) => f.name)).toEqual(['a name longer than fifteen units.txt']);
    expect(parsed.freeSlots).toEqual([
      { entryOffset: 128, count: 3 },
      { entryOffset: 448, count: (4096 - 448) / 32 },
    ]);
  });

  it('skips a set with an unknown critical secondary entry (§6.4.1.2.1)', () => {
    const set = fileSet('x', { dataLength: 1, validDataLength: 1 });
    const extended = concatBytes([set, Uint8Array.of(0xc7, ...new Uint8Array(31))]);
    extended[1] = 3;
    setU16le(extended, 2, entrySetChecksum(extended));
    expect(parseExfatDirectory(extended, { isRoot: false, path: '/d' }).files).toEqual([]);
  });

  const set = fileSet('LiveOS.txt', { dataLength: 10, validDataLength: 10 });
  const corrupt = (change: (bytes: Uint8Array) => void, reseal = true): Uint8Array => {
    const bytes = concatBytes([set, new Uint8Array(32)]);
    change(bytes);
    if (reseal) setU16le(bytes, 2, entrySetChecksum(bytes.subarray(0, set.length)));
    return bytes;
  };
  it.each([
    [
      'a wrong set checksum',
      (b: Uint8Array) => (b[70] ^= 1),
      false,
      2,
      /SetChecksum 0x[0-9a-f]+, computed/,
    ],
    [
      'a missing stream extension',
      (b: Uint8Array) => (b[32] = 0xc1),
      true,
      32,
      /not a Stream Extension/,
    ],
    ['a missing name entry', (b: Uint8Array) => (b[64] = 0xe0), true, 64, /not a File Name/],
    [
      'a name longer than its entries',
      (b: Uint8Array) => (b[35] = 16),
      true,
      0,
      /needs 2 File Name entries/,
    ],
    ['a set running past the end', (b: Uint8Array) => (b[1] = 4), true, 0, /runs past/],
    [
      'a deleted secondary inside a set',
      (b: Uint8Array) => (b[64] = 0x41),
      true,
      64,
      /not an in-use secondary/,
    ],
    [
      'a valid length past the length',
      (b: Uint8Array) => setU64le(b, 40, 11n),
      true,
      32,
      /ValidDataLength 11/,
    ],
    [
      'NoFatChain without a cluster',
      (b: Uint8Array) => b.fill(0, 52, 64),
      true,
      32,
      /without a first cluster/,
    ],
    ['no AllocationPossible', (b: Uint8Array) => (b[33] = 0), true, 32, /AllocationPossible/],
    ['entry type 80h', (b: Uint8Array) => (b[0] = 0x80), true, 0, /80h is invalid/],
  ])('rejects %s', (_what, change, reseal, offset, pattern) => {
    expectFormatError(
      () => parseExfatDirectory(corrupt(change, reseal), { isRoot: false, path: '/d' }),
      offset,
      pattern,
    );
  });

  it('rejects a directory whose valid length differs from its length', () => {
    const dir = fileSet('d', {
      attributes: ATTR_DIRECTORY,
      dataLength: 4096,
      validDataLength: 4000,
    });
    expectFormatError(
      () => parseExfatDirectory(dir, { isRoot: false, path: '/' }),
      32,
      /ValidDataLength 4000 differs/,
    );
  });

  it('rejects stray secondaries and critical entries where they do not belong (§8.2)', () => {
    const stray = new Uint8Array(64);
    stray[32] = 0xc1;
    stray[0] = 0x05;
    expectFormatError(
      () => parseExfatDirectory(stray, { isRoot: false, path: '/d' }),
      32,
      /outside an entry set/,
    );
    const bitmap = encodeAllocationBitmapEntry({ firstCluster: 2, dataLength: 8 });
    expectFormatError(
      () => parseExfatDirectory(bitmap, { isRoot: false, path: '/d' }),
      0,
      /outside the root/,
    );
    const unknown = Uint8Array.of(0x86, ...new Uint8Array(31));
    expectFormatError(
      () => parseExfatDirectory(unknown, { isRoot: true, path: '/' }),
      0,
      /volume invalid/,
    );
    expectFormatError(
      () => parseExfatDirectory(new Uint8Array(33), { isRoot: true, path: '/' }),
      0,
      /whole number/,
    );
  });
});
