// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * FAT directory entries: the 32-byte short entry, the long-file-name (LFN) entries in front of
 * it, and a parser that turns a directory's bytes back into named records.
 */
import { asciiBytes, setU16le, setU32le, u16le, u32le, u8 } from '../bytes';
import { FormatError } from '../format-error';
import { SHORT_NAME_LENGTH, displayShortName, lfnChecksum } from './names';

export const DIR_ENTRY_SIZE = 32;

export const ENTRY_NAME = 0;
export const ENTRY_ATTRIBUTES = 11;
export const ENTRY_CASE_FLAGS = 12;
export const ENTRY_CREATE_TENTHS = 13;
export const ENTRY_CREATE_TIME = 14;
export const ENTRY_CREATE_DATE = 16;
export const ENTRY_ACCESS_DATE = 18;
export const ENTRY_CLUSTER_HIGH = 20;
export const ENTRY_WRITE_TIME = 22;
export const ENTRY_WRITE_DATE = 24;
export const ENTRY_CLUSTER_LOW = 26;
export const ENTRY_FILE_SIZE = 28;

export const LFN_ORDER = 0;
export const LFN_NAME_1 = 1;
export const LFN_TYPE = 12;
export const LFN_CHECKSUM = 13;
export const LFN_NAME_2 = 14;
export const LFN_CLUSTER = 26;
export const LFN_NAME_3 = 28;
export const LFN_LAST_ENTRY = 0x40;
export const LFN_UNITS_PER_ENTRY = 13;
/** Where an entry's 13 UTF-16 units live: 5 at byte 1, 6 at byte 14, 2 at byte 28. */
const LFN_UNIT_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30] as const;

export const ATTR_READ_ONLY = 0x01;
export const ATTR_HIDDEN = 0x02;
export const ATTR_SYSTEM = 0x04;
export const ATTR_VOLUME_ID = 0x08;
export const ATTR_DIRECTORY = 0x10;
export const ATTR_ARCHIVE = 0x20;
export const ATTR_LONG_NAME = ATTR_READ_ONLY | ATTR_HIDDEN | ATTR_SYSTEM | ATTR_VOLUME_ID;

export const ENTRY_END = 0x00;
export const ENTRY_DELETED = 0xe5;
/** A real first byte 0xE5 is stored as 0x05 so it does not read as "deleted". */
const ENTRY_KANJI_E5 = 0x05;

export interface FatTimestamp {
  readonly date: number;
  readonly time: number;
  readonly tenths: number;
}

/**
 * FAT keeps local time without a zone; we store the UTC fields so the same `createdAt` gives the
 * same bytes everywhere. Years outside 1980–2107 clamp to the format's range.
 */
export function fatTimestamp(at: Date): FatTimestamp {
  const year = at.getUTCFullYear();
  if (year < 1980) return { date: (1 << 5) | 1, time: 0, tenths: 0 };
  if (year > 2107)
    return { date: (127 << 9) | (12 << 5) | 31, time: (23 << 11) | (59 << 5) | 29, tenths: 199 };
  return {
    date: ((year - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate(),
    time: (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | (at.getUTCSeconds() >> 1),
    tenths: (at.getUTCSeconds() & 1) * 100 + Math.floor(at.getUTCMilliseconds() / 10),
  };
}

export interface ShortEntry {
  /** 11 characters, space padded. */
  readonly packed: string;
  readonly attributes: number;
  readonly caseFlags: number;
  readonly firstCluster: number;
  readonly size: number;
  readonly timestamp: FatTimestamp;
}

export function encodeShortEntry(entry: ShortEntry): Uint8Array {
  if (entry.packed.length !== SHORT_NAME_LENGTH) {
    throw new RangeError(`short name "${entry.packed}" is not ${SHORT_NAME_LENGTH} characters`);
  }
  const bytes = new Uint8Array(DIR_ENTRY_SIZE);
  bytes.set(asciiBytes(entry.packed), ENTRY_NAME);
  if (bytes[0] === ENTRY_DELETED) bytes[0] = ENTRY_KANJI_E5;
  bytes[ENTRY_ATTRIBUTES] = entry.attributes;
  bytes[ENTRY_CASE_FLAGS] = entry.caseFlags;
  const { date, time, tenths } = entry.timestamp;
  bytes[ENTRY_CREATE_TENTHS] = tenths;
  setU16le(bytes, ENTRY_CREATE_TIME, time);
  setU16le(bytes, ENTRY_CREATE_DATE, date);
  setU16le(bytes, ENTRY_ACCESS_DATE, date);
  setU16le(bytes, ENTRY_CLUSTER_HIGH, entry.firstCluster >>> 16);
  setU16le(bytes, ENTRY_WRITE_TIME, time);
  setU16le(bytes, ENTRY_WRITE_DATE, date);
  setU16le(bytes, ENTRY_CLUSTER_LOW, entry.firstCluster & 0xffff);
  setU32le(bytes, ENTRY_FILE_SIZE, entry.size);
  return bytes;
}

/**
 * The LFN entries for `longName`, in on-disk order (highest sequence number first, flagged
 * 0x40), each carrying the checksum of the short name they belong to. The name is terminated
 * by one 0x0000 unit when it does not fill the last entry, then padded with 0xFFFF.
 */
export function encodeLongNameEntries(longName: string, packedShortName: string): Uint8Array {
  const checksum = lfnChecksum(asciiBytes(packedShortName));
  const count = Math.ceil(longName.length / LFN_UNITS_PER_ENTRY);
  const bytes = new Uint8Array(count * DIR_ENTRY_SIZE);
  for (let sequence = 1; sequence <= count; sequence++) {
    const entry = bytes.subarray(
      (count - sequence) * DIR_ENTRY_SIZE,
      (count - sequence + 1) * DIR_ENTRY_SIZE,
    );
    entry[LFN_ORDER] = sequence | (sequence === count ? LFN_LAST_ENTRY : 0);
    entry[ENTRY_ATTRIBUTES] = ATTR_LONG_NAME;
    entry[LFN_TYPE] = 0;
    entry[LFN_CHECKSUM] = checksum;
    setU16le(entry, LFN_CLUSTER, 0);
    LFN_UNIT_OFFSETS.forEach((offset, i) => {
      const index = (sequence - 1) * LFN_UNITS_PER_ENTRY + i;
      const unit =
        index < longName.length
          ? longName.charCodeAt(index)
          : index === longName.length
            ? 0
            : 0xffff;
      setU16le(entry, offset, unit);
    });
  }
  return bytes;
}

export interface DirectoryRecord {
  /** The long name when a valid LFN set precedes the entry, else the short name with NT case. */
  readonly name: string;
  /** "NAME.EXT" form of the short entry. */
  readonly shortName: string;
  readonly attributes: number;
  readonly caseFlags: number;
  readonly firstCluster: number;
  readonly size: number;
  /** Byte offset of the short entry inside the directory's bytes. */
  readonly entryOffset: number;
  /** Offset of the first LFN entry, or entryOffset when there is none. */
  readonly firstEntryOffset: number;
}

/** Name units of one LFN entry, up to the 0x0000 terminator. */
function lfnUnits(entry: Uint8Array): number[] {
  const units: number[] = [];
  for (const offset of LFN_UNIT_OFFSETS) {
    const unit = u16le(entry, offset);
    if (unit === 0) break;
    units.push(unit);
  }
  return units;
}

interface PendingLongName {
  readonly checksum: number;
  readonly expectedNext: number;
  readonly pieces: number[][];
  readonly startOffset: number;
}

/**
 * Every live entry of a directory except LFN pieces and "."/"..", plus the volume label entry,
 * up to the end marker. An LFN set whose sequence or checksum does not match its short entry is
 * ignored and the short name used, as Windows and Linux do.
 */
export function parseDirectory(bytes: Uint8Array): {
  records: DirectoryRecord[];
  volumeLabel: string | null;
  dotEntries: DirectoryRecord[];
} {
  if (bytes.length % DIR_ENTRY_SIZE !== 0) {
    throw new FormatError(
      'FAT directory',
      0,
      `${bytes.length} bytes is not a whole number of entries`,
    );
  }
  const records: DirectoryRecord[] = [];
  const dotEntries: DirectoryRecord[] = [];
  let volumeLabel: string | null = null;
  let pending = null as PendingLongName | null;
  for (let offset = 0; offset < bytes.length; offset += DIR_ENTRY_SIZE) {
    const entry = bytes.subarray(offset, offset + DIR_ENTRY_SIZE);
    const first = u8(entry, ENTRY_NAME);
    if (first === ENTRY_END) break;
    if (first === ENTRY_DELETED) {
      pending = null;
      continue;
    }
    const attributes = u8(entry, ENTRY_ATTRIBUTES);
    if ((attributes & 0x3f) === ATTR_LONG_NAME) {
      const order = first & ~LFN_LAST_ENTRY;
      const checksum = u8(entry, LFN_CHECKSUM);
      if (first & LFN_LAST_ENTRY) {
        pending =
          order >= 1
            ? { checksum, expectedNext: order - 1, pieces: [lfnUnits(entry)], startOffset: offset }
            : null;
      } else if (
        pending &&
        order === pending.expectedNext &&
        order >= 1 &&
        checksum === pending.checksum
      ) {
        pending = {
          ...pending,
          expectedNext: order - 1,
          pieces: [lfnUnits(entry), ...pending.pieces],
        };
      } else {
        pending = null;
      }
      continue;
    }
    const packedBytes = entry.slice(ENTRY_NAME, ENTRY_NAME + SHORT_NAME_LENGTH);
    const checksumBytes = packedBytes.slice();
    if (packedBytes[0] === ENTRY_KANJI_E5) packedBytes[0] = ENTRY_DELETED;
    const packed = String.fromCharCode(...packedBytes);
    if (attributes & ATTR_VOLUME_ID) {
      if (volumeLabel === null) volumeLabel = packed.trimEnd();
      pending = null;
      continue;
    }
    const caseFlags = u8(entry, ENTRY_CASE_FLAGS);
    const longName =
      pending && pending.expectedNext === 0 && pending.checksum === lfnChecksum(checksumBytes)
        ? String.fromCharCode(...pending.pieces.flat())
        : null;
    const record: DirectoryRecord = {
      name: longName ?? displayShortName(packed, caseFlags),
      shortName: displayShortName(packed, 0),
      attributes,
      caseFlags,
      firstCluster: u16le(entry, ENTRY_CLUSTER_HIGH) * 0x10000 + u16le(entry, ENTRY_CLUSTER_LOW),
      size: u32le(entry, ENTRY_FILE_SIZE),
      entryOffset: offset,
      firstEntryOffset: longName !== null && pending ? pending.startOffset : offset,
    };
    pending = null;
    if (packed === '.          ' || packed === '..         ') dotEntries.push(record);
    else records.push(record);
  }
  return { records, volumeLabel, dotEntries };
}
