// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * GUID partition table (UEFI spec, chapter 5): a header at LBA 1 with a CRC32 over itself and
 * one over the partition entry array, mirrored by a backup header in the disk's last sector
 * whose entry array sits just before it. Sector size is 512 here, as everywhere in LiveStick.
 */
import { asciiBytes, asciiField, setU32le, setU64le, u32le, u64le, u64leNumber } from '../bytes';
import { crc32 } from '../crc32';
import { FormatError, checkChecksum } from '../format-error';
import { GUID_ZERO, decodeGuid, encodeGuid } from './guid';
import { SECTOR_BYTES } from '../sector';

export const GPT_SIGNATURE = 'EFI PART';
export const GPT_REVISION_1_0 = 0x00010000;
export const GPT_HEADER_SIZE = 92;
export const GPT_ENTRY_SIZE = 128;
export const GPT_ENTRY_COUNT = 128;
export const GPT_ENTRY_ARRAY_BYTES = GPT_ENTRY_SIZE * GPT_ENTRY_COUNT;
export const GPT_ENTRY_ARRAY_SECTORS = GPT_ENTRY_ARRAY_BYTES / SECTOR_BYTES;
/** Partition names are 36 UTF-16 code units. */
export const GPT_NAME_UNITS = 36;

/** Bit 2: "legacy BIOS bootable", what syslinux's gptmbr.bin looks for. */
export const GPT_ATTRIBUTE_LEGACY_BIOS_BOOTABLE = 1n << 2n;

export const OFFSET_SIGNATURE = 0;
export const OFFSET_REVISION = 8;
export const OFFSET_HEADER_SIZE = 12;
export const OFFSET_HEADER_CRC = 16;
export const OFFSET_MY_LBA = 24;
export const OFFSET_ALTERNATE_LBA = 32;
export const OFFSET_FIRST_USABLE_LBA = 40;
export const OFFSET_LAST_USABLE_LBA = 48;
export const OFFSET_DISK_GUID = 56;
export const OFFSET_ENTRIES_LBA = 72;
export const OFFSET_ENTRY_COUNT = 80;
export const OFFSET_ENTRY_SIZE = 84;
export const OFFSET_ENTRIES_CRC = 88;

const ENTRY_TYPE_GUID = 0;
const ENTRY_UNIQUE_GUID = 16;
const ENTRY_FIRST_LBA = 32;
const ENTRY_LAST_LBA = 40;
const ENTRY_ATTRIBUTES = 48;
const ENTRY_NAME = 56;

export interface GptHeader {
  readonly myLba: number;
  readonly alternateLba: number;
  readonly firstUsableLba: number;
  readonly lastUsableLba: number;
  readonly diskGuid: string;
  readonly entriesLba: number;
  readonly entryCount: number;
  readonly entrySize: number;
  readonly entriesCrc32: number;
}

export interface DecodedGptHeader extends GptHeader {
  readonly headerSize: number;
  readonly headerCrc32: number;
}

export interface GptEntry {
  readonly typeGuid: string;
  readonly uniqueGuid: string;
  readonly firstLba: number;
  /** Inclusive, as the format has it. */
  readonly lastLba: number;
  readonly attributes: bigint;
  readonly name: string;
}

export interface DecodedGptEntry extends GptEntry {
  /** Slot in the entry array (partition number − 1). */
  readonly index: number;
}

/** A full sector: the 92-byte header, its CRC filled in, zeros to the end. */
export function encodeGptHeader(header: GptHeader): Uint8Array {
  const sector = new Uint8Array(SECTOR_BYTES);
  sector.set(asciiBytes(GPT_SIGNATURE), OFFSET_SIGNATURE);
  setU32le(sector, OFFSET_REVISION, GPT_REVISION_1_0);
  setU32le(sector, OFFSET_HEADER_SIZE, GPT_HEADER_SIZE);
  setU64le(sector, OFFSET_MY_LBA, BigInt(header.myLba));
  setU64le(sector, OFFSET_ALTERNATE_LBA, BigInt(header.alternateLba));
  setU64le(sector, OFFSET_FIRST_USABLE_LBA, BigInt(header.firstUsableLba));
  setU64le(sector, OFFSET_LAST_USABLE_LBA, BigInt(header.lastUsableLba));
  sector.set(encodeGuid(header.diskGuid), OFFSET_DISK_GUID);
  setU64le(sector, OFFSET_ENTRIES_LBA, BigInt(header.entriesLba));
  setU32le(sector, OFFSET_ENTRY_COUNT, header.entryCount);
  setU32le(sector, OFFSET_ENTRY_SIZE, header.entrySize);
  setU32le(sector, OFFSET_ENTRIES_CRC, header.entriesCrc32);
  setU32le(sector, OFFSET_HEADER_CRC, crc32(sector.subarray(0, GPT_HEADER_SIZE)));
  return sector;
}

/** Field-level decoding and sanity checks; the CRCs are checked by the verify functions. */
export function decodeGptHeader(bytes: Uint8Array): DecodedGptHeader {
  const structure = 'GPT header';
  if (bytes.length < GPT_HEADER_SIZE) {
    throw new FormatError(structure, 0, `needs ${GPT_HEADER_SIZE} bytes, got ${bytes.length}`);
  }
  const signature = asciiField(bytes, OFFSET_SIGNATURE, 8);
  if (signature !== GPT_SIGNATURE) {
    throw new FormatError(structure, OFFSET_SIGNATURE, `signature "${signature}"`);
  }
  const revision = u32le(bytes, OFFSET_REVISION);
  if (revision >>> 16 !== 1) {
    throw new FormatError(structure, OFFSET_REVISION, `revision 0x${revision.toString(16)}`);
  }
  const headerSize = u32le(bytes, OFFSET_HEADER_SIZE);
  if (headerSize < GPT_HEADER_SIZE || headerSize > bytes.length) {
    throw new FormatError(
      structure,
      OFFSET_HEADER_SIZE,
      `header size ${headerSize}, expected ${GPT_HEADER_SIZE}..${bytes.length}`,
    );
  }
  const entrySize = u32le(bytes, OFFSET_ENTRY_SIZE);
  if (entrySize < GPT_ENTRY_SIZE || entrySize % 8 !== 0) {
    throw new FormatError(structure, OFFSET_ENTRY_SIZE, `entry size ${entrySize}`);
  }
  const entryCount = u32le(bytes, OFFSET_ENTRY_COUNT);
  // Beyond this an entry array is not a table but an attempt to make us read the whole disk.
  if (entryCount * entrySize > 1 << 20) {
    throw new FormatError(
      structure,
      OFFSET_ENTRY_COUNT,
      `${entryCount} entries of ${entrySize} bytes`,
    );
  }
  const header: DecodedGptHeader = {
    headerSize,
    headerCrc32: u32le(bytes, OFFSET_HEADER_CRC),
    myLba: u64leNumber(bytes, OFFSET_MY_LBA),
    alternateLba: u64leNumber(bytes, OFFSET_ALTERNATE_LBA),
    firstUsableLba: u64leNumber(bytes, OFFSET_FIRST_USABLE_LBA),
    lastUsableLba: u64leNumber(bytes, OFFSET_LAST_USABLE_LBA),
    diskGuid: decodeGuid(bytes, OFFSET_DISK_GUID),
    entriesLba: u64leNumber(bytes, OFFSET_ENTRIES_LBA),
    entryCount,
    entrySize,
    entriesCrc32: u32le(bytes, OFFSET_ENTRIES_CRC),
  };
  if (header.firstUsableLba > header.lastUsableLba + 1) {
    throw new FormatError(
      structure,
      OFFSET_FIRST_USABLE_LBA,
      `first usable LBA ${header.firstUsableLba} after last usable ${header.lastUsableLba}`,
    );
  }
  return header;
}

/** The header CRC is computed over `headerSize` bytes with the CRC field itself zeroed. */
export function gptHeaderCrc(bytes: Uint8Array, headerSize: number): number {
  const copy = bytes.slice(0, headerSize);
  setU32le(copy, OFFSET_HEADER_CRC, 0);
  return crc32(copy);
}

export function verifyGptHeader(bytes: Uint8Array): DecodedGptHeader {
  const header = decodeGptHeader(bytes);
  const computed = gptHeaderCrc(bytes, header.headerSize);
  checkChecksum('GPT header', OFFSET_HEADER_CRC, header.headerCrc32, computed, 'CRC32');
  return header;
}

/** `entriesBytes` is the whole array: entryCount × entrySize bytes starting at entriesLba. */
export function verifyGptEntries(header: GptHeader, entriesBytes: Uint8Array): void {
  const length = header.entryCount * header.entrySize;
  if (entriesBytes.length < length) {
    throw new FormatError(
      'GPT entry array',
      0,
      `needs ${length} bytes, got ${entriesBytes.length}`,
    );
  }
  const computed = crc32(entriesBytes.subarray(0, length));
  checkChecksum('GPT entry array', 0, header.entriesCrc32, computed, 'CRC32');
}

export function encodeGptEntry(entry: GptEntry): Uint8Array {
  if (entry.firstLba > entry.lastLba) {
    throw new RangeError(`GPT entry ends (${entry.lastLba}) before it starts (${entry.firstLba})`);
  }
  if (entry.name.length > GPT_NAME_UNITS) {
    throw new RangeError(`GPT partition name "${entry.name}" is longer than ${GPT_NAME_UNITS}`);
  }
  const bytes = new Uint8Array(GPT_ENTRY_SIZE);
  bytes.set(encodeGuid(entry.typeGuid), ENTRY_TYPE_GUID);
  bytes.set(encodeGuid(entry.uniqueGuid), ENTRY_UNIQUE_GUID);
  setU64le(bytes, ENTRY_FIRST_LBA, BigInt(entry.firstLba));
  setU64le(bytes, ENTRY_LAST_LBA, BigInt(entry.lastLba));
  setU64le(bytes, ENTRY_ATTRIBUTES, entry.attributes);
  for (let i = 0; i < entry.name.length; i++) {
    bytes[ENTRY_NAME + i * 2] = entry.name.charCodeAt(i) & 0xff;
    bytes[ENTRY_NAME + i * 2 + 1] = entry.name.charCodeAt(i) >> 8;
  }
  return bytes;
}

/** The standard 128 × 128-byte array with `entries` in the first slots. */
export function encodeGptEntries(entries: readonly GptEntry[]): Uint8Array {
  if (entries.length > GPT_ENTRY_COUNT) {
    throw new RangeError(`${entries.length} GPT entries, at most ${GPT_ENTRY_COUNT}`);
  }
  const array = new Uint8Array(GPT_ENTRY_ARRAY_BYTES);
  entries.forEach((entry, i) => array.set(encodeGptEntry(entry), i * GPT_ENTRY_SIZE));
  return array;
}

/** The used slots (type GUID not all zero) of an entry array described by `header`. */
export function decodeGptEntries(header: GptHeader, entriesBytes: Uint8Array): DecodedGptEntry[] {
  const length = header.entryCount * header.entrySize;
  if (entriesBytes.length < length) {
    throw new FormatError(
      'GPT entry array',
      0,
      `needs ${length} bytes, got ${entriesBytes.length}`,
    );
  }
  const entries: DecodedGptEntry[] = [];
  for (let index = 0; index < header.entryCount; index++) {
    const at = index * header.entrySize;
    const typeGuid = decodeGuid(entriesBytes, at + ENTRY_TYPE_GUID);
    if (typeGuid === GUID_ZERO) continue;
    const firstLba = u64leNumber(entriesBytes, at + ENTRY_FIRST_LBA);
    const lastLba = u64leNumber(entriesBytes, at + ENTRY_LAST_LBA);
    if (lastLba < firstLba || firstLba < header.firstUsableLba || lastLba > header.lastUsableLba) {
      throw new FormatError(
        'GPT entry array',
        at + ENTRY_FIRST_LBA,
        `partition ${index + 1} spans LBA ${firstLba}..${lastLba}, usable is ${header.firstUsableLba}..${header.lastUsableLba}`,
      );
    }
    let name = '';
    for (let unit = 0; unit < GPT_NAME_UNITS; unit++) {
      const code =
        entriesBytes[at + ENTRY_NAME + unit * 2]! |
        (entriesBytes[at + ENTRY_NAME + unit * 2 + 1]! << 8);
      if (code === 0) break;
      name += String.fromCharCode(code);
    }
    entries.push({
      index,
      typeGuid,
      uniqueGuid: decodeGuid(entriesBytes, at + ENTRY_UNIQUE_GUID),
      firstLba,
      lastLba,
      attributes: u64le(entriesBytes, at + ENTRY_ATTRIBUTES),
      name,
    });
  }
  return entries;
}
