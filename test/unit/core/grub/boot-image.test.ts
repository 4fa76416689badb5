// SPDX-License-Identifier: GPL-3.0-or-later
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { u64le } from '../../../../src/core/bytes';
import { FormatError } from '../../../../src/core/format-error';
import {
  BOOT_DRIVE_FROM_BIOS,
  OFFSET_BOOT_DRIVE,
  OFFSET_DRIVE_CHECK,
  OFFSET_KERNEL_SECTOR,
  decodeGrubBootCode,
  grubBootCode,
} from '../../../../src/core/grub/boot-image';

const BOOT_IMG = new Uint8Array(readFileSync('/usr/lib/grub/i386-pc/boot.img'));

function changedOffsets(a: Uint8Array, b: Uint8Array): number[] {
  const changed: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) changed.push(i);
  return changed;
}

describe('grubBootCode', () => {
  it('is boot.img’s first 440 bytes with the fields grub-bios-setup sets', () => {
    const code = grubBootCode(BOOT_IMG, 0x1_2345_6789);
    expect(code.length).toBe(440);
    expect(u64le(code, OFFSET_KERNEL_SECTOR)).toBe(0x1_2345_6789n);
    expect(code[OFFSET_BOOT_DRIVE]).toBe(BOOT_DRIVE_FROM_BIOS);
    // The jump over the "DL has no hard-disk bit → use 0x80" fix-up is gone.
    expect([code[OFFSET_DRIVE_CHECK], code[OFFSET_DRIVE_CHECK + 1]]).toEqual([0x90, 0x90]);
    const allowed = new Set([
      ...Array.from({ length: 8 }, (_, i) => OFFSET_KERNEL_SECTOR + i),
      OFFSET_BOOT_DRIVE,
      OFFSET_DRIVE_CHECK,
      OFFSET_DRIVE_CHECK + 1,
    ]);
    for (const offset of changedOffsets(code, BOOT_IMG)) expect(allowed.has(offset)).toBe(true);
  });

  it('refuses what is not an unpatched boot.img, and sector 0', () => {
    expect(() => grubBootCode(BOOT_IMG.subarray(0, 511), 1)).toThrow(FormatError);
    const noSignature = BOOT_IMG.slice();
    noSignature[511] = 0;
    expect(() => grubBootCode(noSignature, 1)).toThrow(/0x55AA/);
    const patched = BOOT_IMG.slice();
    patched.set(grubBootCode(BOOT_IMG, 1));
    expect(() => grubBootCode(patched, 1)).toThrow(/unpatched/);
    const syslinux = new Uint8Array(512);
    syslinux.set(readFileSync('/usr/lib/syslinux/mbr/mbr.bin'));
    syslinux[510] = 0x55;
    syslinux[511] = 0xaa;
    expect(() => grubBootCode(syslinux, 1)).toThrow(FormatError);
    expect(() => grubBootCode(BOOT_IMG, 0)).toThrow(RangeError);
  });
});

describe('decodeGrubBootCode', () => {
  it('reads the fields back from a disk’s first sector', () => {
    const sector = new Uint8Array(512);
    sector.set(grubBootCode(BOOT_IMG, 2048));
    expect(decodeGrubBootCode(sector)).toEqual({
      coreSector: 2048,
      bootDrive: 0xff,
      hardDiskDriveCheck: true,
    });
    expect(decodeGrubBootCode(BOOT_IMG)).toEqual({
      coreSector: 1,
      bootDrive: 0xff,
      hardDiskDriveCheck: false,
    });
  });

  it('returns null for other boot code and rejects a short sector', () => {
    expect(decodeGrubBootCode(new Uint8Array(readFileSync('/usr/lib/syslinux/mbr/mbr.bin')))).toBe(
      null,
    );
    expect(decodeGrubBootCode(new Uint8Array(512))).toBe(null);
    expect(() => decodeGrubBootCode(new Uint8Array(100))).toThrow(FormatError);
  });
});
