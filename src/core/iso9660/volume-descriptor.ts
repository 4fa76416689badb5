// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * ISO 9660 (ECMA-119 §8) volume descriptors: the primary one (label, size, root directory), the
 * Joliet supplementary one (UCS-2 names) and the El Torito boot record (boot catalog pointer).
 */
import { asciiField, u16le, u32be, u32le, u8 } from '../bytes';
import { FormatError } from '../format-error';
import { decodeDirectoryRecord, type DirectoryRecord } from './directory-record';

export const SECTOR_SIZE = 2048;
/** Descriptors start after the 32 KiB system area. */
export const FIRST_DESCRIPTOR_SECTOR = 16;
/** A real volume has 2–5 descriptors; more than this is garbage, not a volume descriptor set. */
export const MAX_DESCRIPTORS = 64;

export const TYPE_BOOT_RECORD = 0;
export const TYPE_PRIMARY = 1;
export const TYPE_SUPPLEMENTARY = 2;
export const TYPE_TERMINATOR = 255;

const OFFSET_TYPE = 0;
const OFFSET_IDENTIFIER = 1;
const OFFSET_VERSION = 6;
const OFFSET_SYSTEM_ID = 8;
const OFFSET_VOLUME_ID = 40;
const OFFSET_VOLUME_SPACE_SIZE_LE = 80;
const OFFSET_VOLUME_SPACE_SIZE_BE = 84;
const OFFSET_ESCAPE_SEQUENCES = 88;
const OFFSET_LOGICAL_BLOCK_SIZE_LE = 128;
export const OFFSET_ROOT_RECORD = 156;
const ROOT_RECORD_LENGTH = 34;
const OFFSET_APPLICATION_ID = 574;
/** isomd5sum keeps its "ISO MD5SUM = …" text here (ECMA-119 8.4.32, 512 bytes). */
export const OFFSET_APPLICATION_USE = 883;
export const APPLICATION_USE_SIZE = 512;

const OFFSET_BOOT_SYSTEM_ID = 7;
const OFFSET_BOOT_CATALOG = 71;
const EL_TORITO_ID = 'EL TORITO SPECIFICATION';
const STANDARD_ID = 'CD001';

export interface VolumeDescriptor {
  readonly type: number;
  /** Sector number the descriptor was read from. */
  readonly sector: number;
  readonly bytes: Uint8Array;
}

export interface PrimaryVolume {
  readonly volumeId: string;
  readonly systemId: string;
  readonly applicationId: string;
  /** Logical blocks in the volume: its size as recorded, which a truncated file falls short of. */
  readonly volumeBlocks: number;
  readonly blockSize: number;
  readonly root: DirectoryRecord;
  readonly applicationUse: Uint8Array;
}

export interface JolietVolume {
  readonly level: 1 | 2 | 3;
  readonly root: DirectoryRecord;
}

/** Checks the "CD001" standard identifier and version of one 2048-byte descriptor sector. */
export function decodeDescriptorHeader(bytes: Uint8Array, sector: number): VolumeDescriptor {
  if (bytes.length < SECTOR_SIZE) {
    throw new FormatError(
      'volume descriptor',
      sector * SECTOR_SIZE,
      `short sector (${bytes.length} bytes)`,
    );
  }
  const id = asciiField(bytes, OFFSET_IDENTIFIER, 5);
  if (id !== STANDARD_ID) {
    throw new FormatError(
      'volume descriptor',
      sector * SECTOR_SIZE + OFFSET_IDENTIFIER,
      `expected identifier "CD001", saw ${JSON.stringify(id)}`,
    );
  }
  return { type: u8(bytes, OFFSET_TYPE), sector, bytes };
}

export function decodePrimaryVolume(descriptor: VolumeDescriptor): PrimaryVolume {
  const { bytes } = descriptor;
  const base = descriptor.sector * SECTOR_SIZE;
  const version = u8(bytes, OFFSET_VERSION);
  if (version !== 1 && version !== 2) {
    throw new FormatError('primary volume descriptor', base + OFFSET_VERSION, `version ${version}`);
  }
  const blockSize = u16le(bytes, OFFSET_LOGICAL_BLOCK_SIZE_LE);
  if (blockSize !== 512 && blockSize !== 1024 && blockSize !== 2048) {
    throw new FormatError(
      'primary volume descriptor',
      base + OFFSET_LOGICAL_BLOCK_SIZE_LE,
      `logical block size ${blockSize}, expected 512, 1024 or 2048`,
    );
  }
  const volumeBlocks = u32le(bytes, OFFSET_VOLUME_SPACE_SIZE_LE);
  if (volumeBlocks !== u32be(bytes, OFFSET_VOLUME_SPACE_SIZE_BE)) {
    throw new FormatError(
      'primary volume descriptor',
      base + OFFSET_VOLUME_SPACE_SIZE_LE,
      'little- and big-endian volume space sizes differ',
    );
  }
  return {
    volumeId: asciiField(bytes, OFFSET_VOLUME_ID, 32),
    systemId: asciiField(bytes, OFFSET_SYSTEM_ID, 32),
    applicationId: asciiField(bytes, OFFSET_APPLICATION_ID, 128),
    volumeBlocks,
    blockSize,
    root: decodeRootRecord(bytes, base, 'primary volume descriptor'),
    applicationUse: bytes.slice(
      OFFSET_APPLICATION_USE,
      OFFSET_APPLICATION_USE + APPLICATION_USE_SIZE,
    ),
  };
}

/** A supplementary descriptor is Joliet when its escape sequences name UCS-2 level 1, 2 or 3. */
export function decodeJolietVolume(descriptor: VolumeDescriptor): JolietVolume | null {
  const { bytes } = descriptor;
  if (
    u8(bytes, OFFSET_ESCAPE_SEQUENCES) !== 0x25 ||
    u8(bytes, OFFSET_ESCAPE_SEQUENCES + 1) !== 0x2f
  ) {
    return null;
  }
  const levelByte = u8(bytes, OFFSET_ESCAPE_SEQUENCES + 2);
  const level = levelByte === 0x40 ? 1 : levelByte === 0x43 ? 2 : levelByte === 0x45 ? 3 : null;
  if (level === null) return null;
  return {
    level,
    root: decodeRootRecord(bytes, descriptor.sector * SECTOR_SIZE, 'Joliet volume descriptor'),
  };
}

/** The El Torito boot record names the sector holding the boot catalog, or is not El Torito. */
export function decodeBootRecord(descriptor: VolumeDescriptor): number | null {
  if (asciiField(descriptor.bytes, OFFSET_BOOT_SYSTEM_ID, 32) !== EL_TORITO_ID) return null;
  return u32le(descriptor.bytes, OFFSET_BOOT_CATALOG);
}

function decodeRootRecord(bytes: Uint8Array, base: number, structure: string): DirectoryRecord {
  const record = decodeDirectoryRecord(
    bytes.subarray(OFFSET_ROOT_RECORD, OFFSET_ROOT_RECORD + ROOT_RECORD_LENGTH),
    0,
    base + OFFSET_ROOT_RECORD,
  );
  if (record === null || !record.isDirectory) {
    throw new FormatError(
      structure,
      base + OFFSET_ROOT_RECORD,
      'root directory record is not a directory',
    );
  }
  return record;
}
