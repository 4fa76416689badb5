// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { hex, setU16le, setU32le, u32le } from '../../../../src/core/bytes';
import { FormatError } from '../../../../src/core/format-error';
import {
  FILE_SYSTEM_REVISION,
  OFFSET_BOOT_CODE,
  OFFSET_PERCENT_IN_USE,
  OFFSET_VOLUME_FLAGS,
  bootChecksum,
  decodeBootRegion,
  decodeExfatBootSector,
  encodeBootRegion,
  encodeExfatBootSector,
  type ExfatBootSector,
} from '../../../../src/core/exfat/boot-region';

const boot: ExfatBootSector = {
  partitionOffsetSectors: 0x0123_4567_89,
  volumeSectors: 134217728,
  fatOffsetSectors: 2048,
  fatLengthSectors: 4096,
  clusterHeapOffsetSectors: 8192,
  clusterCount: 524256,
  rootCluster: 5,
  serial: 0x1234abcd,
  revision: FILE_SYSTEM_REVISION,
  volumeFlags: 0,
  bytesPerSectorShift: 9,
  sectorsPerClusterShift: 8,
  numberOfFats: 1,
  driveSelect: 0x80,
  percentInUse: 31,
};

/** The specification's Figure 1 loop, written out independently of the module. */
function specBootChecksum(sectors: Uint8Array, bytesPerSector: number): number {
  let checksum = 0;
  for (let index = 0; index < bytesPerSector * 11; index++) {
    if (index === 106 || index === 107 || index === 112) continue;
    checksum =
      ((checksum & 1 ? 0x80000000 : 0) + Math.floor(checksum / 2) + sectors[index]!) % 2 ** 32;
  }
  return checksum;
}

function expectFormatError(run: () => unknown, offset: number, pattern: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(FormatError);
  expect((caught as FormatError).offset).toBe(offset);
  expect((caught as Error).message).toMatch(pattern);
}

describe('exFAT boot sector', () => {
  const sector = encodeExfatBootSector(boot);

  it('lays the fields out as §3.1 Table 4 says', () => {
    expect(sector.length).toBe(512);
    expect(hex(sector.subarray(0, 11))).toBe('eb7690' + hex(new TextEncoder().encode('EXFAT   ')));
    expect(sector.subarray(11, 64).every((b) => b === 0)).toBe(true);
    expect(hex(sector.subarray(64, 120))).toBe(
      '8967452301000000' + // PartitionOffset
        '0000000800000000' + // VolumeLength
        '00080000' + // FatOffset
        '00100000' + // FatLength
        '00200000' + // ClusterHeapOffset
        'e0ff0700' + // ClusterCount
        '05000000' + // FirstClusterOfRootDirectory
        'cdab3412' + // VolumeSerialNumber
        '0001' + // FileSystemRevision 1.00
        '0000' + // VolumeFlags
        '09' + // BytesPerSectorShift
        '08' + // SectorsPerClusterShift
        '01' + // NumberOfFats
        '80' + // DriveSelect
        '1f' + // PercentInUse
        '00000000000000', // Reserved
    );
    expect(sector.subarray(OFFSET_BOOT_CODE, 510).every((b) => b === 0xf4)).toBe(true);
    expect(hex(sector.subarray(510))).toBe('55aa');
  });

  it('decodes what it encodes', () => {
    expect(decodeExfatBootSector(sector)).toEqual(boot);
  });

  const corrupt = (change: (bytes: Uint8Array) => void): Uint8Array => {
    const bytes = sector.slice();
    change(bytes);
    return bytes;
  };

  it.each([
    ['a missing signature', (b: Uint8Array) => setU16le(b, 510, 0), 510, /signature 0x0/],
    ['another file system', (b: Uint8Array) => b.set([0x4e, 0x54], 3), 3, /name "NTFAT"/],
    ['a FAT BPB in MustBeZero', (b: Uint8Array) => (b[13] = 8), 13, /MustBeZero/],
    ['a bad JumpBoot', (b: Uint8Array) => (b[1] = 0x58), 1, /JumpBoot byte 0x58/],
    ['8 KiB sectors', (b: Uint8Array) => (b[108] = 13), 108, /BytesPerSectorShift 13/],
    [
      '64 MiB clusters',
      (b: Uint8Array) => (b[109] = 17),
      109,
      /SectorsPerClusterShift 17, at most 16/,
    ],
    ['revision 2.00', (b: Uint8Array) => setU16le(b, 104, 0x0200), 104, /revision 2\.0/],
    ['three FATs', (b: Uint8Array) => (b[110] = 3), 110, /NumberOfFats 3/],
    [
      'a volume under 1 MiB',
      (b: Uint8Array) => b.fill(0, 72, 80).set([0xff, 0x07], 72),
      72,
      /under 1 MiB/,
    ],
    ['a FAT inside the boot regions', (b: Uint8Array) => setU32le(b, 80, 23), 80, /overlaps/],
    ['a FAT too short', (b: Uint8Array) => setU32le(b, 84, 4095), 84, /cannot map 524256/],
    ['a heap inside the FAT', (b: Uint8Array) => setU32le(b, 88, 6000), 88, /inside the FATs/],
    ['no clusters', (b: Uint8Array) => setU32le(b, 92, 0), 92, /ClusterCount 0/],
    ['clusters past the end', (b: Uint8Array) => setU32le(b, 92, 524257), 92, /run past/],
    [
      'a root outside the heap',
      (b: Uint8Array) => setU32le(b, 96, 524258),
      96,
      /root cluster 524258/,
    ],
    ['PercentInUse 101', (b: Uint8Array) => (b[112] = 101), 112, /PercentInUse 101/],
    ['an active second FAT on a one-FAT volume', (b: Uint8Array) => (b[106] = 1), 106, /ActiveFat/],
  ])('rejects %s', (_what, change, offset, pattern) => {
    expectFormatError(() => decodeExfatBootSector(corrupt(change)), offset, pattern);
  });

  it('rejects short input', () => {
    expectFormatError(() => decodeExfatBootSector(sector.subarray(0, 100)), 0, /needs 512 bytes/);
  });
});

describe('exFAT boot region', () => {
  const region = encodeBootRegion(boot);

  it('holds the boot sector, signed extended sectors, null OEM parameters and the checksum', () => {
    expect(region.length).toBe(12 * 512);
    expect(region.subarray(0, 512)).toEqual(encodeExfatBootSector(boot));
    for (let sector = 1; sector <= 8; sector++) {
      const bytes = region.subarray(sector * 512, (sector + 1) * 512);
      expect(bytes.subarray(0, 508).every((b) => b === 0)).toBe(true);
      expect(hex(bytes.subarray(508))).toBe('000055aa');
    }
    expect(region.subarray(9 * 512, 11 * 512).every((b) => b === 0)).toBe(true);
    const checksum = specBootChecksum(region, 512);
    for (let at = 11 * 512; at < 12 * 512; at += 4) expect(u32le(region, at)).toBe(checksum);
    expect(bootChecksum(region, 512)).toBe(checksum);
  });

  it('leaves VolumeFlags and PercentInUse out of the checksum, and nothing else', () => {
    const changed = region.slice();
    changed[OFFSET_VOLUME_FLAGS] = 0x02;
    changed[OFFSET_VOLUME_FLAGS + 1] = 0x01;
    changed[OFFSET_PERCENT_IN_USE] = 99;
    expect(bootChecksum(changed, 512)).toBe(bootChecksum(region, 512));
    changed[9 * 512 + 17] = 1;
    expect(bootChecksum(changed, 512)).not.toBe(bootChecksum(region, 512));
  });

  it('decodes with its checksum verified', () => {
    expect(decodeBootRegion(region)).toEqual({ boot, checksum: bootChecksum(region, 512) });
  });

  it('rejects a changed OEM sector, a wrong checksum sector and a missing extended signature', () => {
    const oem = region.slice();
    oem[9 * 512] = 0x46;
    expectFormatError(() => decodeBootRegion(oem), 11 * 512, /boot checksum 0x[0-9a-f]+, computed/);
    const checksum = region.slice();
    checksum[12 * 512 - 1] ^= 1;
    expectFormatError(() => decodeBootRegion(checksum), 12 * 512 - 4, /boot checksum/);
    const extended = region.slice();
    extended[4 * 512 - 1] = 0;
    expectFormatError(
      () => decodeBootRegion(extended),
      4 * 512 - 4,
      /extended boot sector 3 signature/,
    );
    expectFormatError(() => decodeBootRegion(region.subarray(0, 11 * 512)), 0, /needs 6144 bytes/);
  });
});
