// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * El Torito boot catalog (El Torito 1.0 §2): a validation entry, the default (BIOS) entry, then
 * section headers each followed by their entries — for LiveOS media, one UEFI (platform 0xEF)
 * section pointing at images/efiboot.img.
 */
import { u16le, u32le, u8 } from '../bytes';
import { FormatError } from '../format-error';

export const ENTRY_SIZE = 32;
/** A catalog of a live ISO has 2–6 entries; cap the walk well above that. */
export const MAX_CATALOG_ENTRIES = 256;

export const PLATFORM_X86 = 0x00;
export const PLATFORM_PPC = 0x01;
export const PLATFORM_MAC = 0x02;
export const PLATFORM_EFI = 0xef;

const HEADER_VALIDATION = 0x01;
const HEADER_SECTION_MORE = 0x90;
const HEADER_SECTION_FINAL = 0x91;
const INDICATOR_BOOTABLE = 0x88;
const INDICATOR_NOT_BOOTABLE = 0x00;
const EXTENSION_INDICATOR = 0x44;
const EXTENSION_FOLLOWS = 0x20;
const KEY_55 = 0x55;
const KEY_AA = 0xaa;

const OFFSET_PLATFORM = 1;
const OFFSET_KEY = 30;
const OFFSET_MEDIA_TYPE = 1;
const OFFSET_LOAD_SEGMENT = 2;
const OFFSET_SECTOR_COUNT = 6;
const OFFSET_LOAD_RBA = 8;
const OFFSET_SECTION_ENTRY_COUNT = 2;
const OFFSET_EXTENSION_FLAGS = 1;

export type Emulation = 'none' | '1.2M floppy' | '1.44M floppy' | '2.88M floppy' | 'hard disk';
const EMULATIONS: readonly Emulation[] = [
  'none',
  '1.2M floppy',
  '1.44M floppy',
  '2.88M floppy',
  'hard disk',
];

export interface BootCatalogEntry {
  readonly platformId: number;
  readonly bootable: boolean;
  readonly emulation: Emulation;
  readonly loadSegment: number;
  /** Virtual 512-byte sectors the firmware loads; 0 or a truncated count for big EFI images. */
  readonly sectorCount: number;
  /** Logical block (2048 bytes) where the boot image starts. */
  readonly loadBlock: number;
}

export function decodeBootCatalog(bytes: Uint8Array, at: number): BootCatalogEntry[] {
  if (bytes.length < 2 * ENTRY_SIZE) {
    throw new FormatError('El Torito boot catalog', at, `short catalog (${bytes.length} bytes)`);
  }
  if (
    u8(bytes, 0) !== HEADER_VALIDATION ||
    u8(bytes, OFFSET_KEY) !== KEY_55 ||
    u8(bytes, OFFSET_KEY + 1) !== KEY_AA
  ) {
    throw new FormatError('El Torito validation entry', at, 'missing header id 1 or key 55 AA');
  }
  let sum = 0;
  for (let i = 0; i < ENTRY_SIZE; i += 2) sum = (sum + u16le(bytes, i)) & 0xffff;
  if (sum !== 0) {
    throw new FormatError(
      'El Torito validation entry',
      at,
      `checksum words sum to ${sum}, expected 0`,
    );
  }
  const entries: BootCatalogEntry[] = [
    decodeEntry(bytes, ENTRY_SIZE, u8(bytes, OFFSET_PLATFORM), at),
  ];
  const limit = Math.min(bytes.length, MAX_CATALOG_ENTRIES * ENTRY_SIZE);
  let offset = 2 * ENTRY_SIZE;
  while (offset + ENTRY_SIZE <= limit) {
    const header = u8(bytes, offset);
    if (header !== HEADER_SECTION_MORE && header !== HEADER_SECTION_FINAL) break;
    const platformId = u8(bytes, offset + OFFSET_PLATFORM);
    const count = u16le(bytes, offset + OFFSET_SECTION_ENTRY_COUNT);
    offset += ENTRY_SIZE;
    for (let i = 0; i < count; i++) {
      if (offset + ENTRY_SIZE > limit) {
        throw new FormatError(
          'El Torito section',
          at + offset,
          `${count} entries run past the catalog`,
        );
      }
      entries.push(decodeEntry(bytes, offset, platformId, at));
      offset += ENTRY_SIZE;
      // Selection-criteria extensions chain while bit 5 of their flags byte is set.
      while (offset + ENTRY_SIZE <= limit && u8(bytes, offset) === EXTENSION_INDICATOR) {
        const more = (u8(bytes, offset + OFFSET_EXTENSION_FLAGS) & EXTENSION_FOLLOWS) !== 0;
        offset += ENTRY_SIZE;
        if (!more) break;
      }
    }
    if (header === HEADER_SECTION_FINAL) break;
  }
  return entries;
}

function decodeEntry(
  bytes: Uint8Array,
  offset: number,
  platformId: number,
  at: number,
): BootCatalogEntry {
  const indicator = u8(bytes, offset);
  if (indicator !== INDICATOR_BOOTABLE && indicator !== INDICATOR_NOT_BOOTABLE) {
    throw new FormatError(
      'El Torito entry',
      at + offset,
      `boot indicator 0x${indicator.toString(16)}`,
    );
  }
  const mediaType = u8(bytes, offset + OFFSET_MEDIA_TYPE) & 0x0f;
  const emulation = EMULATIONS[mediaType];
  if (emulation === undefined) {
    throw new FormatError(
      'El Torito entry',
      at + offset + OFFSET_MEDIA_TYPE,
      `media type ${mediaType}`,
    );
  }
  return {
    platformId,
    bootable: indicator === INDICATOR_BOOTABLE,
    emulation,
    loadSegment: u16le(bytes, offset + OFFSET_LOAD_SEGMENT),
    sectorCount: u16le(bytes, offset + OFFSET_SECTOR_COUNT),
    loadBlock: u32le(bytes, offset + OFFSET_LOAD_RBA),
  };
}
