// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * boot.img, GRUB's i386-pc MBR code. It loads one sector, the first of core.img, whose LBA it
 * keeps at offset 0x5C, and jumps to it. Only its first 440 bytes go to the disk: the disk
 * signature and the partition table stay the stick's, which is also what grub-bios-setup does on
 * a hard disk (it copies 0x1B8–0x1FD from the disk over boot.img's floppy-only code).
 *
 * grub-bios-setup sets three things (GRUB's util/setup.c, include/grub/i386/pc/boot.h):
 * - the kernel sector;
 * - the boot drive byte to 0xFF: "use the drive number the BIOS passed in DL";
 * - on a hard disk, the 2-byte jump at 0x66 to NOPs, so a DL without the hard-disk bit (BIOSes
 *   that pass 0x00 for a USB stick) is taken as 0x80 instead of being probed as a floppy.
 * Its copy of the disk's BIOS parameter block area (0x03–0x59) is left out: an MBR has none,
 * and boot.img keeps its own scratch bytes there.
 */
import { asciiBytes, setU64le, u16le, u64leNumber } from '../bytes';
import { FormatError } from '../format-error';
import { MBR_BOOT_CODE_SIZE } from '../formats/mbr';

export const BOOT_IMAGE_SIZE = 512;
export const OFFSET_KERNEL_SECTOR = 0x5c;
export const OFFSET_BOOT_DRIVE = 0x64;
export const OFFSET_DRIVE_CHECK = 0x66;
const OFFSET_SIGNATURE = 0x1fe;
const SIGNATURE = 0xaa55;
const JUMP_SHORT = 0xeb;
const NOP = 0x90;
/** "Use DL as the BIOS passed it" (grub-bios-setup always writes this). */
export const BOOT_DRIVE_FROM_BIOS = 0xff;
/** The messages boot.img prints, present in every GRUB 2 boot.img; how a stick's MBR is recognised. */
const GRUB_MESSAGES = asciiBytes('GRUB \0Geom\0Hard Disk\0Read\0 Error');

const STRUCTURE = 'GRUB boot.img';

export interface GrubBootCodeFields {
  /** LBA of core.img's first sector (diskboot.img). */
  readonly coreSector: number;
  readonly bootDrive: number;
  /** True when the floppy branch is patched out (an install for a hard disk or stick). */
  readonly hardDiskDriveCheck: boolean;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function checkBootImage(image: Uint8Array): void {
  if (image.length !== BOOT_IMAGE_SIZE) {
    throw new FormatError(STRUCTURE, 0, `${image.length} bytes, expected ${BOOT_IMAGE_SIZE}`);
  }
  if (u16le(image, OFFSET_SIGNATURE) !== SIGNATURE) {
    throw new FormatError(STRUCTURE, OFFSET_SIGNATURE, 'no 0x55AA boot signature');
  }
  if (image[0] !== JUMP_SHORT || image[OFFSET_DRIVE_CHECK] !== JUMP_SHORT) {
    throw new FormatError(STRUCTURE, OFFSET_DRIVE_CHECK, 'not an unpatched GRUB boot.img');
  }
  if (indexOf(image.subarray(0, MBR_BOOT_CODE_SIZE), GRUB_MESSAGES) < 0) {
    throw new FormatError(STRUCTURE, 0, "GRUB's messages are not in the boot code");
  }
}

/**
 * The 440 bytes of MBR boot code for a core.img whose first sector is `coreSector`, with the
 * fields grub-bios-setup sets for a hard disk (which is what BIOSes make of a USB stick).
 */
export function grubBootCode(bootImage: Uint8Array, coreSector: number): Uint8Array {
  checkBootImage(bootImage);
  if (!Number.isSafeInteger(coreSector) || coreSector < 1) {
    throw new RangeError(`core.img cannot start at sector ${coreSector}`);
  }
  const code = bootImage.slice(0, MBR_BOOT_CODE_SIZE);
  setU64le(code, OFFSET_KERNEL_SECTOR, BigInt(coreSector));
  code[OFFSET_BOOT_DRIVE] = BOOT_DRIVE_FROM_BIOS;
  code[OFFSET_DRIVE_CHECK] = NOP;
  code[OFFSET_DRIVE_CHECK + 1] = NOP;
  return code;
}

/** The GRUB fields of a disk's first sector, or null when its boot code is not GRUB's. */
export function decodeGrubBootCode(sector: Uint8Array): GrubBootCodeFields | null {
  if (sector.length < MBR_BOOT_CODE_SIZE) {
    throw new FormatError('MBR boot code', 0, `${sector.length} bytes, expected 440`);
  }
  if (indexOf(sector.subarray(0, MBR_BOOT_CODE_SIZE), GRUB_MESSAGES) < 0) return null;
  return {
    coreSector: u64leNumber(sector, OFFSET_KERNEL_SECTOR),
    bootDrive: sector[OFFSET_BOOT_DRIVE]!,
    hardDiskDriveCheck:
      sector[OFFSET_DRIVE_CHECK] === NOP && sector[OFFSET_DRIVE_CHECK + 1] === NOP,
  };
}
