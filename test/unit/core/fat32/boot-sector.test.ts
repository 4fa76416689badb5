// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { asciiField, hex, u16le, u32le } from '../../../../src/core/bytes';
import {
  FS_TYPE_FAT32,
  OFFSET_BOOT_SIGNATURE,
  OFFSET_FS_TYPE,
  OFFSET_NT_FLAGS,
  OFFSET_VOLUME_LABEL,
  OFFSET_VOLUME_SERIAL,
  decodeFat32BootSector,
  decodeFsInfo,
  encodeFat32BootSector,
  encodeFsInfo,
  type Fat32BootSector,
} from '../../../../src/core/fat32/boot-sector';

const boot: Fat32BootSector = {
  oemName: 'MSWIN4.1',
  bytesPerSector: 512,
  sectorsPerCluster: 8,
  reservedSectors: 6144,
  fatCount: 2,
  media: 0xf8,
  sectorsPerTrack: 63,
  heads: 255,
  hiddenSectors: 2048,
  totalSectors: 2097152,
  fatSectors: 2044,
  extFlags: 0,
  rootCluster: 2,
  fsInfoSector: 1,
  backupBootSector: 6,
  driveNumber: 0x80,
  dirty: false,
  serial: 0x1c2d4a3b,
  label: 'LIVE',
  fsType: FS_TYPE_FAT32,
};

describe('FAT32 boot sector', () => {
  const sector = encodeFat32BootSector(boot);

  it('lays the fields out as fatgen103 says', () => {
    expect(hex(sector.subarray(0, 11))).toBe('eb5890' + hex(new TextEncoder().encode('MSWIN4.1')));
    expect(hex(sector.subarray(11, 36))).toBe(
      '0002' +
        '08' +
        '0018' +
        '02' +
        '0000' +
        '0000' +
        'f8' +
        '0000' +
        '3f00' +
        'ff00' +
        '00080000' +
        '00002000',
    );
    expect(u32le(sector, 36)).toBe(2044);
    expect(u32le(sector, 44)).toBe(2);
    expect(u16le(sector, 48)).toBe(1);
    expect(u16le(sector, 50)).toBe(6);
    expect(sector[64]).toBe(0x80);
    expect(sector[OFFSET_NT_FLAGS]).toBe(0);
    expect(sector[OFFSET_BOOT_SIGNATURE]).toBe(0x29);
    expect(hex(sector.subarray(OFFSET_VOLUME_SERIAL, OFFSET_VOLUME_SERIAL + 4))).toBe('3b4a2d1c');
    expect(asciiField(sector, OFFSET_VOLUME_LABEL, 11)).toBe('LIVE');
    expect(hex(sector.subarray(OFFSET_VOLUME_LABEL, OFFSET_VOLUME_LABEL + 11))).toBe(
      '4c49564520202020202020',
    );
    expect(asciiField(sector, OFFSET_FS_TYPE, 8)).toBe('FAT32');
    expect(hex(sector.subarray(510))).toBe('55aa');
  });

  it('carries a boot stub that prints a message instead of running zeros', () => {
    expect(hex(sector.subarray(90, 97))).toBe('31c08ed8be' + '777c');
    const message = new TextDecoder().decode(sector.subarray(0x77, 0x77 + 60));
    expect(message).toContain('This drive has no BIOS boot loader.');
  });

  it('round-trips', () => {
    expect(decodeFat32BootSector(sector)).toEqual({ ...boot, fsType: 'FAT32' });
    expect(decodeFat32BootSector(encodeFat32BootSector({ ...boot, label: '' })).label).toBe(
      'NO NAME',
    );
  });

  it('rejects what is not FAT32, naming the field', () => {
    const fat16 = sector.slice();
    fat16[17] = 0x00;
    fat16[18] = 0x02;
    expect(() => decodeFat32BootSector(fat16)).toThrow(
      /FAT32 boot sector at byte 17: a fixed root directory/,
    );
    const unsigned = sector.slice();
    unsigned[510] = 0;
    expect(() => decodeFat32BootSector(unsigned)).toThrow(/at byte 510: signature/);
    const oddCluster = sector.slice();
    oddCluster[13] = 3;
    expect(() => decodeFat32BootSector(oddCluster)).toThrow(/at byte 13: 3 sectors per cluster/);
    expect(() => decodeFat32BootSector(sector.subarray(0, 100))).toThrow(/needs 512 bytes/);
  });
});

describe('FSInfo', () => {
  it('has its three signatures and the counts', () => {
    const info = encodeFsInfo({ freeClusters: 123456, nextFreeCluster: 789 });
    expect(hex(info.subarray(0, 4))).toBe('52526141');
    expect(hex(info.subarray(484, 496))).toBe('72724161' + '40e20100' + '15030000');
    expect(hex(info.subarray(508))).toBe('000055aa');
    expect(decodeFsInfo(info)).toEqual({ freeClusters: 123456, nextFreeCluster: 789 });
    info[484] = 0;
    expect(() => decodeFsInfo(info)).toThrow(/FSInfo sector at byte 484: signature/);
  });
});
