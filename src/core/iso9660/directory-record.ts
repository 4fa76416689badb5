// SPDX-License-Identifier: GPL-3.0-or-later
/** ISO 9660 directory records (ECMA-119 §9.1): one per file, directory, "." and "..". */
import { u32be, u32le, u8 } from '../bytes';
import { FormatError } from '../format-error';

const OFFSET_LENGTH = 0;
const OFFSET_EXTENDED_ATTRIBUTE_LENGTH = 1;
const OFFSET_EXTENT_LE = 2;
const OFFSET_EXTENT_BE = 6;
const OFFSET_DATA_LENGTH_LE = 10;
const OFFSET_FLAGS = 25;
const OFFSET_FILE_UNIT_SIZE = 26;
const OFFSET_INTERLEAVE_GAP = 27;
const OFFSET_NAME_LENGTH = 32;
const OFFSET_NAME = 33;
/** The fixed part before the name. */
export const MIN_RECORD_LENGTH = 33;

const FLAG_DIRECTORY = 0x02;
/** Set on every record of a multi-extent file except the last. */
const FLAG_MULTI_EXTENT = 0x80;

export interface DirectoryRecord {
  /** Byte offset of the record in the source, for error messages. */
  readonly at: number;
  readonly length: number;
  /** First logical block of the data; extended attribute blocks come first and are skipped. */
  readonly extent: number;
  readonly extendedAttributeBlocks: number;
  readonly dataLength: number;
  readonly isDirectory: boolean;
  readonly multiExtent: boolean;
  /** Raw identifier: 0x00 for ".", 0x01 for "..", d-characters or UCS-2 BE otherwise. */
  readonly name: Uint8Array;
  /** System use area, where SUSP/Rock Ridge entries live. */
  readonly systemUse: Uint8Array;
}

/**
 * Decodes the record at `offset` of `bytes`; returns null for a zero length byte, which pads the
 * rest of a sector (records never span sectors). `at` is the absolute offset for error messages.
 */
export function decodeDirectoryRecord(
  bytes: Uint8Array,
  offset: number,
  at: number,
): DirectoryRecord | null {
  if (offset >= bytes.length) return null;
  const length = u8(bytes, offset + OFFSET_LENGTH);
  if (length === 0) return null;
  if (length < MIN_RECORD_LENGTH + 1 || offset + length > bytes.length) {
    throw new FormatError('directory record', at, `record length ${length} does not fit`);
  }
  const nameLength = u8(bytes, offset + OFFSET_NAME_LENGTH);
  if (nameLength === 0 || OFFSET_NAME + nameLength > length) {
    throw new FormatError(
      'directory record',
      at + OFFSET_NAME_LENGTH,
      `name length ${nameLength} in a ${length}-byte record`,
    );
  }
  const extent = u32le(bytes, offset + OFFSET_EXTENT_LE);
  if (extent !== u32be(bytes, offset + OFFSET_EXTENT_BE)) {
    throw new FormatError(
      'directory record',
      at + OFFSET_EXTENT_LE,
      'both-endian extent fields differ',
    );
  }
  if (
    u8(bytes, offset + OFFSET_FILE_UNIT_SIZE) !== 0 ||
    u8(bytes, offset + OFFSET_INTERLEAVE_GAP) !== 0
  ) {
    // Interleaved files scatter their data in a pattern no LiveOS tool writes; copying them by
    // extent would be wrong, so refuse rather than guess.
    throw new FormatError('directory record', at + OFFSET_FILE_UNIT_SIZE, 'interleaved file');
  }
  const flags = u8(bytes, offset + OFFSET_FLAGS);
  const nameEnd = OFFSET_NAME + nameLength;
  // A padding byte keeps the system use area at an even offset.
  const systemUseStart = nameEnd + (nameLength % 2 === 0 ? 1 : 0);
  return {
    at,
    length,
    extent,
    extendedAttributeBlocks: u8(bytes, offset + OFFSET_EXTENDED_ATTRIBUTE_LENGTH),
    // Only the little-endian half is read: some mastering tools get the big-endian length wrong.
    dataLength: u32le(bytes, offset + OFFSET_DATA_LENGTH_LE),
    isDirectory: (flags & FLAG_DIRECTORY) !== 0,
    multiExtent: (flags & FLAG_MULTI_EXTENT) !== 0,
    name: bytes.subarray(offset + OFFSET_NAME, offset + nameEnd),
    systemUse: bytes.subarray(offset + Math.min(systemUseStart, length), offset + length),
  };
}

/** Decodes every record of a directory's data, sector by sector. */
export function decodeDirectoryRecords(
  data: Uint8Array,
  at: number,
  blockSize: number,
): DirectoryRecord[] {
  const records: DirectoryRecord[] = [];
  for (let sector = 0; sector < data.length; sector += blockSize) {
    const bytes = data.subarray(sector, Math.min(sector + blockSize, data.length));
    let offset = 0;
    for (;;) {
      const record = decodeDirectoryRecord(bytes, offset, at + sector + offset);
      if (record === null) break;
      records.push(record);
      offset += record.length;
    }
  }
  return records;
}
