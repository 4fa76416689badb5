// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { hex } from '../../../../src/core/bytes';
import type { Extent } from '../../../../src/core/extent';
import {
  GPT_ATTRIBUTE_LEGACY_BIOS_BOOTABLE,
  decodeGptEntries,
  decodeGptHeader,
  verifyGptEntries,
  verifyGptHeader,
} from '../../../../src/core/formats/gpt';
import {
  GPT_TYPE_MICROSOFT_BASIC_DATA,
  decodeGuid,
  encodeGuid,
  randomGuid,
} from '../../../../src/core/formats/guid';
import { decodeMbr, encodeChs, encodeMbr, lbaToChs } from '../../../../src/core/formats/mbr';
import {
  maxPartitionBytes,
  planPartitionTable,
} from '../../../../src/core/formats/partition-table';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** Counter bytes: deterministic and different on every call. */
function counterRandom(): (n: number) => Uint8Array {
  let next = 1;
  return (n) => Uint8Array.from({ length: n }, () => next++ & 0xff);
}

/** The bytes a plan puts at [offset, offset + length) of an otherwise zeroed disk. */
function readPlanned(extents: readonly Extent[], offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (const extent of extents) {
    if (extent.fill.kind !== 'bytes') throw new Error('partition tables are bytes only');
    const from = Math.max(offset, extent.offset);
    const to = Math.min(offset + length, extent.offset + extent.length);
    if (from < to)
      out.set(extent.fill.data.subarray(from - extent.offset, to - extent.offset), from - offset);
  }
  return out;
}

describe('GUIDs', () => {
  it('store the first three groups little-endian', () => {
    expect(hex(encodeGuid(GPT_TYPE_MICROSOFT_BASIC_DATA))).toBe('a2a0d0ebe5b9334487c068b6b72699c7');
    expect(decodeGuid(encodeGuid('00112233-4455-6677-8899-AABBCCDDEEFF'))).toBe(
      '00112233-4455-6677-8899-AABBCCDDEEFF',
    );
  });

  it('are version 4 when random', () => {
    const guid = randomGuid(() => new Uint8Array(16).fill(0xff));
    expect(guid).toBe('FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF');
  });
});

describe('CHS', () => {
  it('follows the 255/63 geometry and saturates past cylinder 1023', () => {
    expect(lbaToChs(2048)).toEqual({ cylinder: 0, head: 32, sector: 33 });
    expect(hex(encodeChs(lbaToChs(2048)))).toBe('202100');
    expect(hex(encodeChs(lbaToChs(1)))).toBe('000200');
    expect(hex(encodeChs(lbaToChs(16 * 2 ** 21)))).toBe('feffff');
  });
});

describe('MBR', () => {
  it('round-trips, with the boot code when given', () => {
    const bootCode = new Uint8Array(440).fill(0x90);
    const sector = encodeMbr({
      bootCode,
      diskSignature: 0xcafef00d,
      partitions: [{ active: true, type: 0x0c, firstLba: 2048, sectorCount: 100_000 }],
    });
    const decoded = decodeMbr(sector);
    expect(decoded.diskSignature).toBe(0xcafef00d);
    expect(decoded.bootCode).toEqual(bootCode);
    expect(decoded.partitions).toEqual([
      {
        active: true,
        type: 0x0c,
        firstLba: 2048,
        sectorCount: 100_000,
        chsFirst: { cylinder: 0, head: 32, sector: 33 },
        chsLast: lbaToChs(2048 + 100_000 - 1),
      },
    ]);
  });

  it('rejects a missing signature and overlapping entries', () => {
    expect(() => decodeMbr(new Uint8Array(512))).toThrow(/MBR at byte 510: boot signature 0x0/);
    const overlapping = encodeMbr({
      diskSignature: 1,
      partitions: [
        { active: false, type: 0x0c, firstLba: 2048, sectorCount: 4096 },
        { active: false, type: 0x83, firstLba: 4096, sectorCount: 4096 },
      ],
    });
    expect(() => decodeMbr(overlapping)).toThrow(/overlap/);
  });
});

describe('GPT', () => {
  const diskBytes = 2 * GiB;
  const plan = planPartitionTable({
    scheme: 'gpt',
    diskBytes,
    partitionStartBytes: MiB,
    partitionBytes: maxPartitionBytes('gpt', diskBytes, MiB),
    label: 'LIVE',
    random: counterRandom(),
    biosBootable: true,
  });
  const readAt = (offset: number, length: number): Uint8Array =>
    readPlanned(plan.extents, offset, length);

  it('places the backup table in the last 33 sectors', () => {
    expect(maxPartitionBytes('gpt', diskBytes, MiB)).toBe(diskBytes - MiB - 33 * 512);
    expect(plan.extents.map((e) => [e.label, e.offset, e.length])).toEqual([
      ['MBR partition table', 440, 72],
      ['GPT header', 512, 512],
      ['GPT entries', 1024, 16384],
      ['backup GPT entries', diskBytes - 33 * 512, 16384],
      ['backup GPT header', diskBytes - 512, 512],
    ]);
  });

  it('has headers and entries whose CRCs verify, and decodes back', () => {
    const header = verifyGptHeader(readAt(512, 512));
    const entriesBytes = readAt(1024, 16384);
    verifyGptEntries(header, entriesBytes);
    expect(header).toMatchObject({
      myLba: 1,
      alternateLba: diskBytes / 512 - 1,
      firstUsableLba: 34,
      entriesLba: 2,
    });
    const backup = verifyGptHeader(readAt(diskBytes - 512, 512));
    expect(backup).toMatchObject({
      myLba: diskBytes / 512 - 1,
      alternateLba: 1,
      entriesLba: diskBytes / 512 - 33,
    });
    expect(decodeGptEntries(header, entriesBytes)).toEqual([
      {
        index: 0,
        typeGuid: GPT_TYPE_MICROSOFT_BASIC_DATA,
        uniqueGuid: plan.partitionGuid,
        firstLba: 2048,
        lastLba: diskBytes / 512 - 34,
        attributes: GPT_ATTRIBUTE_LEGACY_BIOS_BOOTABLE,
        name: 'LIVE',
      },
    ]);
    expect(decodeMbr(readAt(0, 512)).partitions).toMatchObject([
      { active: false, type: 0xee, firstLba: 1, sectorCount: diskBytes / 512 - 1 },
    ]);
  });

  it('detects a corrupted header or entry array', () => {
    const header = readAt(512, 512);
    header[OFFSET_LAST_BYTE_OF_GUID] = header[OFFSET_LAST_BYTE_OF_GUID]! ^ 1;
    expect(() => verifyGptHeader(header)).toThrow(/GPT header at byte 16: CRC32/);
    const entries = readAt(1024, 16384);
    entries[100] = entries[100]! ^ 1;
    expect(() => verifyGptEntries(decodeGptHeader(readAt(512, 512)), entries)).toThrow(
      /GPT entry array at byte 0: CRC32/,
    );
  });
});

const OFFSET_LAST_BYTE_OF_GUID = 71;

describe('partition sizes', () => {
  it('fit MBR to the disk end and within 2^32 sectors', () => {
    expect(maxPartitionBytes('mbr', 64 * MiB, MiB)).toBe(63 * MiB);
    expect(maxPartitionBytes('mbr', 4 * 2 ** 40, MiB)).toBe(0xffffffff * 512);
    expect(maxPartitionBytes('mbr', MiB, MiB)).toBe(0);
  });

  it('refuse a partition that does not fit with DOES_NOT_FIT', () => {
    const attempt = (): unknown =>
      planPartitionTable({
        scheme: 'gpt',
        diskBytes: 64 * MiB,
        partitionStartBytes: MiB,
        partitionBytes: 63 * MiB,
        label: 'LIVE',
        random: counterRandom(),
        biosBootable: false,
      });
    expect(attempt).toThrow(
      expect.objectContaining({
        code: 'DOES_NOT_FIT',
        details: { missingBytes: 33 * 512, availableBytes: 63 * MiB - 33 * 512 },
      }),
    );
  });
});
