// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * diskboot.img, the first sector of core.img. boot.img loads it alone; it then reads the rest
 * of core.img by the block list at its end: entries of 12 bytes (64-bit start sector, 16-bit
 * sector count, 16-bit load segment) growing down from offset 500, ended by a zero count
 * (include/grub/i386/pc/boot.h, grub-core/boot/i386/pc/diskboot.S). grub-mkimage sets the first
 * entry's count; grub-bios-setup sets its start sector to where core.img's second sector sits.
 */
import { setU16le, setU64le, u16le, u64leNumber } from '../bytes';
import { FormatError } from '../format-error';

export const DISKBOOT_SIZE = 512;
export const BLOCKLIST_ENTRY_SIZE = 12;
export const OFFSET_FIRST_BLOCKLIST = DISKBOOT_SIZE - BLOCKLIST_ENTRY_SIZE;
const ENTRY_START = 0;
const ENTRY_LENGTH = 8;
const ENTRY_SEGMENT = 10;
/** Segment of the sectors after diskboot.img: 0x8000 + 512 bytes, where the decompressor runs. */
export const CORE_LOAD_SEGMENT = 0x820;

const STRUCTURE = 'GRUB diskboot.img';

export interface BlocklistEntry {
  readonly startSector: number;
  readonly sectorCount: number;
  readonly segment: number;
}

/** Checks the image is a diskboot.img this installer understands (one sector, first entry's segment). */
export function checkDiskbootImage(image: Uint8Array): void {
  if (image.length !== DISKBOOT_SIZE) {
    throw new FormatError(STRUCTURE, 0, `${image.length} bytes, expected ${DISKBOOT_SIZE}`);
  }
  const segment = u16le(image, OFFSET_FIRST_BLOCKLIST + ENTRY_SEGMENT);
  if (segment !== CORE_LOAD_SEGMENT) {
    throw new FormatError(
      STRUCTURE,
      OFFSET_FIRST_BLOCKLIST + ENTRY_SEGMENT,
      `load segment 0x${segment.toString(16)}, expected 0x820`,
    );
  }
}

export function decodeFirstBlocklist(image: Uint8Array): BlocklistEntry {
  checkDiskbootImage(image);
  return {
    startSector: u64leNumber(image, OFFSET_FIRST_BLOCKLIST + ENTRY_START),
    sectorCount: u16le(image, OFFSET_FIRST_BLOCKLIST + ENTRY_LENGTH),
    segment: u16le(image, OFFSET_FIRST_BLOCKLIST + ENTRY_SEGMENT),
  };
}

/** grub-mkimage's part: the count of sectors that follow diskboot.img. */
export function setBlocklistLength(image: Uint8Array, sectorCount: number): void {
  checkDiskbootImage(image);
  if (!Number.isInteger(sectorCount) || sectorCount < 1 || sectorCount > 0xffff) {
    throw new RangeError(`core.img needs ${sectorCount} sectors after diskboot.img, at most 65535`);
  }
  setU16le(image, OFFSET_FIRST_BLOCKLIST + ENTRY_LENGTH, sectorCount);
}

/**
 * grub-bios-setup's part for a core.img in consecutive sectors: one entry from the sector after
 * diskboot.img, and a zero entry below it as the terminator.
 */
export function setBlocklistStart(image: Uint8Array, startSector: number): void {
  checkDiskbootImage(image);
  if (!Number.isSafeInteger(startSector) || startSector < 1) {
    throw new RangeError(`block list start sector ${startSector}`);
  }
  setU64le(image, OFFSET_FIRST_BLOCKLIST + ENTRY_START, BigInt(startSector));
  image.fill(0, OFFSET_FIRST_BLOCKLIST - BLOCKLIST_ENTRY_SIZE, OFFSET_FIRST_BLOCKLIST);
}
