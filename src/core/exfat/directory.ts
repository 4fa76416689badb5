// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * exFAT directory entries (exFAT specification §6, §7): the root's Allocation Bitmap, Up-case
 * Table, Volume Label and Volume GUID entries, and the File / Stream Extension / File Name entry
 * sets that describe files and directories, with their set checksum and name hash; plus a parser
 * that turns a directory's bytes back into records.
 */
import { setU16le, setU32le, setU64le, u16le, u32le, u64le, u8 } from '../bytes';
import { FormatError } from '../format-error';
import { MAX_LABEL_UNITS, MAX_NAME_UNITS, NAME_UNITS_PER_ENTRY } from './names';
import { upcaseName, type UpcaseMapping } from './upcase-table';

export const ENTRY_SIZE = 32;

/** EntryType values (§6.2.1, §7): InUse (bit 7) set. */
export const TYPE_END_OF_DIRECTORY = 0x00;
export const TYPE_ALLOCATION_BITMAP = 0x81;
export const TYPE_UPCASE_TABLE = 0x82;
export const TYPE_VOLUME_LABEL = 0x83;
export const TYPE_FILE = 0x85;
export const TYPE_VOLUME_GUID = 0xa0;
export const TYPE_TEXFAT_PADDING = 0xa1;
export const TYPE_STREAM_EXTENSION = 0xc0;
export const TYPE_FILE_NAME = 0xc1;
export const TYPE_VENDOR_EXTENSION = 0xe0;
export const TYPE_VENDOR_ALLOCATION = 0xe1;
export const TYPE_IN_USE = 0x80;
const TYPE_IMPORTANCE_BENIGN = 0x20;
const TYPE_CATEGORY_SECONDARY = 0x40;

// Generic template fields (§6.2–§6.4).
export const OFFSET_ENTRY_TYPE = 0;
export const OFFSET_SECONDARY_COUNT = 1;
export const OFFSET_SET_CHECKSUM = 2;
export const OFFSET_GENERAL_PRIMARY_FLAGS = 4;
export const OFFSET_GENERAL_SECONDARY_FLAGS = 1;
export const OFFSET_FIRST_CLUSTER = 20;
export const OFFSET_DATA_LENGTH = 24;
export const FLAG_ALLOCATION_POSSIBLE = 0x01;
export const FLAG_NO_FAT_CHAIN = 0x02;

// Allocation Bitmap (§7.1), Up-case Table (§7.2), Volume Label (§7.3), Volume GUID (§7.5).
export const OFFSET_BITMAP_FLAGS = 1;
export const OFFSET_TABLE_CHECKSUM = 4;
export const OFFSET_CHARACTER_COUNT = 1;
export const OFFSET_VOLUME_LABEL = 2;
export const OFFSET_VOLUME_GUID = 6;

// File (§7.4).
export const OFFSET_FILE_ATTRIBUTES = 4;
export const OFFSET_CREATE_TIMESTAMP = 8;
export const OFFSET_LAST_MODIFIED_TIMESTAMP = 12;
export const OFFSET_LAST_ACCESSED_TIMESTAMP = 16;
export const OFFSET_CREATE_10MS = 20;
export const OFFSET_LAST_MODIFIED_10MS = 21;
export const OFFSET_CREATE_UTC_OFFSET = 22;
export const OFFSET_LAST_MODIFIED_UTC_OFFSET = 23;
export const OFFSET_LAST_ACCESSED_UTC_OFFSET = 24;
export const ATTR_READ_ONLY = 0x01;
export const ATTR_HIDDEN = 0x02;
export const ATTR_SYSTEM = 0x04;
export const ATTR_DIRECTORY = 0x10;
export const ATTR_ARCHIVE = 0x20;

// Stream Extension (§7.6) and File Name (§7.7).
export const OFFSET_NAME_LENGTH = 3;
export const OFFSET_NAME_HASH = 4;
export const OFFSET_VALID_DATA_LENGTH = 8;
export const OFFSET_FILE_NAME = 2;

/** §7.4.10: OffsetValid set, offset 0 — the timestamps are UTC. */
const UTC_OFFSET_VALID_UTC = 0x80;
/** §7.6.7: a directory holds at most 256 MiB of entries. */
export const MAX_DIRECTORY_BYTES = 256 * 2 ** 20;

const rotateRight16 = (sum: number): number => ((sum & 1) << 15) | (sum >>> 1);

/** SetChecksum (§6.3.3, Figure 2) over a whole entry set, skipping the checksum field itself. */
export function entrySetChecksum(entrySet: Uint8Array): number {
  let checksum = 0;
  for (let i = 0; i < entrySet.length; i++) {
    if (i === OFFSET_SET_CHECKSUM || i === OFFSET_SET_CHECKSUM + 1) continue;
    checksum = (rotateRight16(checksum) + entrySet[i]!) & 0xffff;
  }
  return checksum;
}

/** NameHash (§7.6.4, Figure 4) over the up-cased name's UTF-16LE bytes. */
export function nameHash(upcasedName: string): number {
  let hash = 0;
  for (let i = 0; i < upcasedName.length; i++) {
    const unit = upcasedName.charCodeAt(i);
    hash = (rotateRight16(hash) + (unit & 0xff)) & 0xffff;
    hash = (rotateRight16(hash) + (unit >>> 8)) & 0xffff;
  }
  return hash;
}

export interface ExfatTimestamp {
  /** §7.4.8: DoubleSeconds, Minute, Hour, Day, Month, Year − 1980, low bits first. */
  readonly timestamp: number;
  /** §7.4.9: 0–199, the odd second and the hundredths. */
  readonly tenMs: number;
  readonly utcOffset: number;
}

/**
 * The UTC fields of `at`, with OffsetValid set and offset 0, so the same instant gives the same
 * bytes everywhere and readers in any zone show the right local time. Years outside 1980–2107
 * clamp to the format's range.
 */
export function exfatTimestamp(at: Date): ExfatTimestamp {
  const year = at.getUTCFullYear();
  if (year < 1980)
    return { timestamp: (1 << 21) | (1 << 16), tenMs: 0, utcOffset: UTC_OFFSET_VALID_UTC };
  if (year > 2107) {
    return {
      timestamp: ((127 << 25) | (12 << 21) | (31 << 16) | (23 << 11) | (59 << 5) | 29) >>> 0,
      tenMs: 199,
      utcOffset: UTC_OFFSET_VALID_UTC,
    };
  }
  const seconds = at.getUTCSeconds();
  const timestamp =
    (((year - 1980) << 25) |
      ((at.getUTCMonth() + 1) << 21) |
      (at.getUTCDate() << 16) |
      (at.getUTCHours() << 11) |
      (at.getUTCMinutes() << 5) |
      (seconds >> 1)) >>>
    0;
  return {
    timestamp,
    tenMs: (seconds & 1) * 100 + Math.floor(at.getUTCMilliseconds() / 10),
    utcOffset: UTC_OFFSET_VALID_UTC,
  };
}

/** Writes the create, last-modified and last-accessed stamps of a File entry. */
export function setFileEntryTimes(
  fileEntry: Uint8Array,
  times: { readonly created?: Date; readonly modified: Date },
): void {
  const modified = exfatTimestamp(times.modified);
  if (times.created) {
    const created = exfatTimestamp(times.created);
    setU32le(fileEntry, OFFSET_CREATE_TIMESTAMP, created.timestamp);
    fileEntry[OFFSET_CREATE_10MS] = created.tenMs;
    fileEntry[OFFSET_CREATE_UTC_OFFSET] = created.utcOffset;
  }
  setU32le(fileEntry, OFFSET_LAST_MODIFIED_TIMESTAMP, modified.timestamp);
  fileEntry[OFFSET_LAST_MODIFIED_10MS] = modified.tenMs;
  fileEntry[OFFSET_LAST_MODIFIED_UTC_OFFSET] = modified.utcOffset;
  setU32le(fileEntry, OFFSET_LAST_ACCESSED_TIMESTAMP, modified.timestamp);
  fileEntry[OFFSET_LAST_ACCESSED_UTC_OFFSET] = modified.utcOffset;
}

export function encodeAllocationBitmapEntry(bitmap: {
  readonly firstCluster: number;
  readonly dataLength: number;
}): Uint8Array {
  const entry = new Uint8Array(ENTRY_SIZE);
  entry[OFFSET_ENTRY_TYPE] = TYPE_ALLOCATION_BITMAP;
  // BitmapFlags 0: the First Allocation Bitmap, the only one on a one-FAT volume (§7.1.2.1).
  setU32le(entry, OFFSET_FIRST_CLUSTER, bitmap.firstCluster);
  setU64le(entry, OFFSET_DATA_LENGTH, BigInt(bitmap.dataLength));
  return entry;
}

export function encodeUpcaseTableEntry(table: {
  readonly checksum: number;
  readonly firstCluster: number;
  readonly dataLength: number;
}): Uint8Array {
  const entry = new Uint8Array(ENTRY_SIZE);
  entry[OFFSET_ENTRY_TYPE] = TYPE_UPCASE_TABLE;
  setU32le(entry, OFFSET_TABLE_CHECKSUM, table.checksum);
  setU32le(entry, OFFSET_FIRST_CLUSTER, table.firstCluster);
  setU64le(entry, OFFSET_DATA_LENGTH, BigInt(table.dataLength));
  return entry;
}

export function encodeVolumeLabelEntry(label: string): Uint8Array {
  if (label.length > MAX_LABEL_UNITS) {
    throw new RangeError(`exFAT label "${label}" is longer than ${MAX_LABEL_UNITS} code units`);
  }
  const entry = new Uint8Array(ENTRY_SIZE);
  entry[OFFSET_ENTRY_TYPE] = TYPE_VOLUME_LABEL;
  entry[OFFSET_CHARACTER_COUNT] = label.length;
  for (let i = 0; i < label.length; i++) {
    setU16le(entry, OFFSET_VOLUME_LABEL + i * 2, label.charCodeAt(i));
  }
  return entry;
}

/** A benign primary entry with no secondaries (§7.5); its set checksum covers just itself. */
export function encodeVolumeGuidEntry(guid: Uint8Array): Uint8Array {
  if (guid.length !== 16 || guid.every((byte) => byte === 0)) {
    throw new RangeError('a volume GUID is 16 bytes and not the null GUID');
  }
  const entry = new Uint8Array(ENTRY_SIZE);
  entry[OFFSET_ENTRY_TYPE] = TYPE_VOLUME_GUID;
  entry.set(guid, OFFSET_VOLUME_GUID);
  setU16le(entry, OFFSET_SET_CHECKSUM, entrySetChecksum(entry));
  return entry;
}

export interface FileEntrySetSpec {
  readonly name: string;
  readonly attributes: number;
  /** 0 for an empty file. */
  readonly firstCluster: number;
  readonly dataLength: number;
  readonly validDataLength: number;
  /** The allocation is one contiguous run the FAT does not describe (§6.3.4.2). */
  readonly noFatChain: boolean;
  readonly createdAt: Date;
  readonly upcase: UpcaseMapping;
}

/** Entries a name needs: File, Stream Extension, then one File Name per 15 code units. */
export function entrySetLength(name: string): number {
  return 2 + Math.ceil(name.length / NAME_UNITS_PER_ENTRY);
}

export function encodeFileEntrySet(spec: FileEntrySetSpec): Uint8Array {
  const { name } = spec;
  if (name.length === 0 || name.length > MAX_NAME_UNITS) {
    throw new RangeError(`exFAT name "${name}" has ${name.length} code units, valid 1–255`);
  }
  if (spec.firstCluster === 0 && (spec.dataLength !== 0 || spec.noFatChain)) {
    throw new RangeError(`"${name}" has data or NoFatChain but no first cluster`);
  }
  if (spec.validDataLength > spec.dataLength) {
    throw new RangeError(`"${name}": valid data length past the data length`);
  }
  const count = entrySetLength(name);
  const set = new Uint8Array(count * ENTRY_SIZE);
  const file = set.subarray(0, ENTRY_SIZE);
  file[OFFSET_ENTRY_TYPE] = TYPE_FILE;
  file[OFFSET_SECONDARY_COUNT] = count - 1;
  setU16le(file, OFFSET_FILE_ATTRIBUTES, spec.attributes);
  setFileEntryTimes(file, { created: spec.createdAt, modified: spec.createdAt });

  const stream = set.subarray(ENTRY_SIZE, 2 * ENTRY_SIZE);
  stream[OFFSET_ENTRY_TYPE] = TYPE_STREAM_EXTENSION;
  stream[OFFSET_GENERAL_SECONDARY_FLAGS] =
    FLAG_ALLOCATION_POSSIBLE | (spec.noFatChain ? FLAG_NO_FAT_CHAIN : 0);
  stream[OFFSET_NAME_LENGTH] = name.length;
  setU16le(stream, OFFSET_NAME_HASH, nameHash(upcaseName(name, spec.upcase)));
  setU64le(stream, OFFSET_VALID_DATA_LENGTH, BigInt(spec.validDataLength));
  setU32le(stream, OFFSET_FIRST_CLUSTER, spec.firstCluster);
  setU64le(stream, OFFSET_DATA_LENGTH, BigInt(spec.dataLength));

  for (let i = 0; i * NAME_UNITS_PER_ENTRY < name.length; i++) {
    const entry = set.subarray((2 + i) * ENTRY_SIZE, (3 + i) * ENTRY_SIZE);
    entry[OFFSET_ENTRY_TYPE] = TYPE_FILE_NAME;
    const units = name.slice(i * NAME_UNITS_PER_ENTRY, (i + 1) * NAME_UNITS_PER_ENTRY);
    for (let j = 0; j < units.length; j++) {
      setU16le(entry, OFFSET_FILE_NAME + j * 2, units.charCodeAt(j));
    }
  }
  setU16le(set, OFFSET_SET_CHECKSUM, entrySetChecksum(set));
  return set;
}

/** Points a stored entry set at a new allocation, recomputing its checksum. */
export function withAllocation(
  entrySet: Uint8Array,
  allocation: {
    readonly firstCluster: number;
    readonly dataLength: number;
    readonly validDataLength: number;
    readonly noFatChain: boolean;
    readonly modifiedAt?: Date;
  },
): Uint8Array {
  const set = entrySet.slice();
  const stream = set.subarray(ENTRY_SIZE, 2 * ENTRY_SIZE);
  const flags = stream[OFFSET_GENERAL_SECONDARY_FLAGS]! & ~FLAG_NO_FAT_CHAIN;
  stream[OFFSET_GENERAL_SECONDARY_FLAGS] = flags | (allocation.noFatChain ? FLAG_NO_FAT_CHAIN : 0);
  setU64le(stream, OFFSET_VALID_DATA_LENGTH, BigInt(allocation.validDataLength));
  setU32le(stream, OFFSET_FIRST_CLUSTER, allocation.firstCluster);
  setU64le(stream, OFFSET_DATA_LENGTH, BigInt(allocation.dataLength));
  if (allocation.modifiedAt) setFileEntryTimes(set, { modified: allocation.modifiedAt });
  setU16le(set, OFFSET_SET_CHECKSUM, entrySetChecksum(set));
  return set;
}

export interface ExfatFileRecord {
  readonly name: string;
  readonly attributes: number;
  readonly isDirectory: boolean;
  readonly firstCluster: number;
  readonly dataLength: number;
  readonly validDataLength: number;
  readonly noFatChain: boolean;
  /** As stored; the reader checks it against the volume's up-case table. */
  readonly nameHash: number;
  /** Offset of the File entry in the directory's bytes. */
  readonly entryOffset: number;
  /** The whole set as stored, unknown benign secondaries included. */
  readonly entrySet: Uint8Array;
}

export interface AllocationBitmapRecord {
  /** 0 for the First Allocation Bitmap, 1 for the Second (§7.1.2.1). */
  readonly index: number;
  readonly entryOffset: number;
  readonly firstCluster: number;
  readonly dataLength: number;
}

export interface UpcaseTableRecord {
  readonly checksum: number;
  readonly entryOffset: number;
  readonly firstCluster: number;
  readonly dataLength: number;
}

/** A run of entry slots a new entry set may take: unused entries, or the end of the directory. */
export interface FreeSlots {
  readonly entryOffset: number;
  readonly count: number;
}

export interface ParsedExfatDirectory {
  readonly files: ExfatFileRecord[];
  readonly allocationBitmaps: AllocationBitmapRecord[];
  readonly upcaseTables: UpcaseTableRecord[];
  readonly volumeLabel: string | null;
  readonly volumeGuid: Uint8Array | null;
  readonly freeSlots: FreeSlots[];
}

const u64Number = (bytes: Uint8Array, offset: number, fail: (problem: string) => never): number => {
  const value = u64le(bytes, offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail(`a 64-bit length ${value} beyond 2^53`);
  return Number(value);
};

/**
 * Every entry set of a directory, up to its end-of-directory marker. Critical entries that do not
 * belong where they are make the directory (or, in the root, the volume) invalid (§8.2), and so
 * does a set whose checksum, entry order or name length is wrong: those are FormatErrors naming
 * the entry's offset in `bytes`. Sets with an unrecognised critical secondary entry are skipped,
 * as §6.4.1.2.1 lets implementations do; benign entries we do not know are skipped too.
 */
export function parseExfatDirectory(
  bytes: Uint8Array,
  options: { readonly isRoot: boolean; readonly path: string },
): ParsedExfatDirectory {
  const structure = `exFAT directory ${options.path}`;
  if (bytes.length % ENTRY_SIZE !== 0) {
    throw new FormatError(structure, 0, `${bytes.length} bytes is not a whole number of entries`);
  }
  const files: ExfatFileRecord[] = [];
  const allocationBitmaps: AllocationBitmapRecord[] = [];
  const upcaseTables: UpcaseTableRecord[] = [];
  const freeSlots: FreeSlots[] = [];
  let volumeLabel: string | null = null;
  let volumeGuid: Uint8Array | null = null;
  const addFree = (entryOffset: number, count: number): void => {
    const last = freeSlots[freeSlots.length - 1];
    if (last && last.entryOffset + last.count * ENTRY_SIZE === entryOffset) {
      freeSlots[freeSlots.length - 1] = {
        entryOffset: last.entryOffset,
        count: last.count + count,
      };
    } else {
      freeSlots.push({ entryOffset, count });
    }
  };

  let offset = 0;
  while (offset < bytes.length) {
    const entry = bytes.subarray(offset, offset + ENTRY_SIZE);
    const type = u8(entry, OFFSET_ENTRY_TYPE);
    const fail = (problem: string, at = offset): never => {
      throw new FormatError(structure, at, problem);
    };
    if (type === TYPE_END_OF_DIRECTORY) {
      addFree(offset, (bytes.length - offset) / ENTRY_SIZE);
      break;
    }
    if (type === 0x80) fail('entry type 80h is invalid (§6.2.1)');
    if (!(type & TYPE_IN_USE)) {
      addFree(offset, 1);
      offset += ENTRY_SIZE;
      continue;
    }
    if (type & TYPE_CATEGORY_SECONDARY) {
      fail(`secondary entry 0x${type.toString(16)} outside an entry set`);
    }
    const benign = (type & TYPE_IMPORTANCE_BENIGN) !== 0;
    // Critical primaries other than File entries have no secondaries (§6.3.2 lets them redefine
    // the field); benign primaries and File entries count theirs.
    const secondaryCount = type === TYPE_FILE || benign ? u8(entry, OFFSET_SECONDARY_COUNT) : 0;
    const setBytes = (secondaryCount + 1) * ENTRY_SIZE;
    if (offset + setBytes > bytes.length) {
      fail(`entry set of ${secondaryCount + 1} entries runs past the directory's end`);
    }
    const set = bytes.subarray(offset, offset + setBytes);
    for (let i = 1; i <= secondaryCount; i++) {
      const secondary = u8(set, i * ENTRY_SIZE);
      if (
        (secondary & (TYPE_IN_USE | TYPE_CATEGORY_SECONDARY)) !==
        (TYPE_IN_USE | TYPE_CATEGORY_SECONDARY)
      ) {
        fail(
          `entry ${i} of the set is 0x${secondary.toString(16)}, not an in-use secondary entry`,
          offset + i * ENTRY_SIZE,
        );
      }
    }
    // Only sets we use need a valid checksum (§6.3.3); unknown benign sets are skipped unread.
    const checksumValid = u16le(set, OFFSET_SET_CHECKSUM) === entrySetChecksum(set);
    if (type === TYPE_FILE && !checksumValid) {
      fail(
        `SetChecksum 0x${u16le(set, OFFSET_SET_CHECKSUM).toString(16)}, computed 0x${entrySetChecksum(set).toString(16)}`,
        offset + OFFSET_SET_CHECKSUM,
      );
    }
    switch (type) {
      case TYPE_FILE: {
        const record = parseFileSet(set, offset, fail);
        if (record) files.push(record);
        break;
      }
      case TYPE_ALLOCATION_BITMAP:
      case TYPE_UPCASE_TABLE:
      case TYPE_VOLUME_LABEL: {
        if (!options.isRoot)
          fail(`critical entry 0x${type.toString(16)} outside the root directory`);
        const firstCluster = u32le(entry, OFFSET_FIRST_CLUSTER);
        const dataLength = u64Number(entry, OFFSET_DATA_LENGTH, fail);
        if (type === TYPE_ALLOCATION_BITMAP) {
          allocationBitmaps.push({
            index: u8(entry, OFFSET_BITMAP_FLAGS) & 1,
            entryOffset: offset,
            firstCluster,
            dataLength,
          });
        } else if (type === TYPE_UPCASE_TABLE) {
          upcaseTables.push({
            checksum: u32le(entry, OFFSET_TABLE_CHECKSUM),
            entryOffset: offset,
            firstCluster,
            dataLength,
          });
        } else {
          if (volumeLabel !== null) fail('a second volume label entry');
          const count = u8(entry, OFFSET_CHARACTER_COUNT);
          if (count > MAX_LABEL_UNITS) fail(`volume label of ${count} characters, at most 11`);
          const units: number[] = [];
          for (let i = 0; i < count; i++) units.push(u16le(entry, OFFSET_VOLUME_LABEL + i * 2));
          volumeLabel = String.fromCharCode(...units);
        }
        break;
      }
      case TYPE_VOLUME_GUID:
        if (options.isRoot && volumeGuid === null && checksumValid) {
          volumeGuid = entry.slice(OFFSET_VOLUME_GUID, OFFSET_VOLUME_GUID + 16);
        }
        break;
      default:
        if (!benign) {
          fail(
            options.isRoot
              ? `unknown critical primary entry 0x${type.toString(16)} makes the volume invalid (§8.2)`
              : `critical primary entry 0x${type.toString(16)} outside the root directory`,
          );
        }
    }
    offset += setBytes;
  }
  return { files, allocationBitmaps, upcaseTables, volumeLabel, volumeGuid, freeSlots };
}

function parseFileSet(
  set: Uint8Array,
  entryOffset: number,
  fail: (problem: string, at?: number) => never,
): ExfatFileRecord | null {
  const secondaryCount = set.length / ENTRY_SIZE - 1;
  if (secondaryCount < 2)
    fail(`a File entry with ${secondaryCount} secondary entries, needs 2 or more`);
  const stream = set.subarray(ENTRY_SIZE, 2 * ENTRY_SIZE);
  const streamAt = entryOffset + ENTRY_SIZE;
  if (u8(stream, OFFSET_ENTRY_TYPE) !== TYPE_STREAM_EXTENSION) {
    fail(
      `entry 1 of a File set is 0x${u8(stream, 0).toString(16)}, not a Stream Extension`,
      streamAt,
    );
  }
  const flags = u8(stream, OFFSET_GENERAL_SECONDARY_FLAGS);
  const nameLength = u8(stream, OFFSET_NAME_LENGTH);
  if (nameLength === 0) fail('NameLength 0', streamAt + OFFSET_NAME_LENGTH);
  const nameEntries = Math.ceil(nameLength / NAME_UNITS_PER_ENTRY);
  if (2 + nameEntries > secondaryCount + 1) {
    fail(
      `a ${nameLength}-unit name needs ${nameEntries} File Name entries, the set has ${secondaryCount - 1} after the stream`,
    );
  }
  const units: number[] = [];
  for (let i = 0; i < nameEntries; i++) {
    const at = (2 + i) * ENTRY_SIZE;
    if (u8(set, at) !== TYPE_FILE_NAME) {
      fail(
        `entry ${2 + i} of a File set is 0x${u8(set, at).toString(16)}, not a File Name`,
        entryOffset + at,
      );
    }
    for (let j = 0; j < NAME_UNITS_PER_ENTRY && units.length < nameLength; j++) {
      units.push(u16le(set, at + OFFSET_FILE_NAME + j * 2));
    }
  }
  // An unrecognised critical secondary after the names makes the set unrecognised (§6.4.1.2.1).
  for (let i = 2 + nameEntries; i <= secondaryCount; i++) {
    if (!(u8(set, i * ENTRY_SIZE) & TYPE_IMPORTANCE_BENIGN)) return null;
  }
  const failAt = (problem: string): never => fail(problem, streamAt);
  const attributes = u16le(set, OFFSET_FILE_ATTRIBUTES);
  const firstCluster = u32le(stream, OFFSET_FIRST_CLUSTER);
  const dataLength = u64Number(stream, OFFSET_DATA_LENGTH, failAt);
  const validDataLength = u64Number(stream, OFFSET_VALID_DATA_LENGTH, failAt);
  const noFatChain = (flags & FLAG_NO_FAT_CHAIN) !== 0;
  const isDirectory = (attributes & ATTR_DIRECTORY) !== 0;
  if (!(flags & FLAG_ALLOCATION_POSSIBLE)) failAt('Stream Extension without AllocationPossible');
  if (firstCluster === 0 && dataLength !== 0)
    failAt(`DataLength ${dataLength} without a first cluster`);
  if (firstCluster === 0 && noFatChain) failAt('NoFatChain without a first cluster');
  if (noFatChain && dataLength === 0) failAt('NoFatChain with DataLength 0');
  if (validDataLength > dataLength)
    failAt(`ValidDataLength ${validDataLength} past DataLength ${dataLength}`);
  if (isDirectory && validDataLength !== dataLength) {
    failAt(
      `a directory's ValidDataLength ${validDataLength} differs from its DataLength ${dataLength}`,
    );
  }
  if (isDirectory && dataLength > MAX_DIRECTORY_BYTES) failAt(`a ${dataLength}-byte directory`);
  return {
    name: String.fromCharCode(...units),
    attributes,
    isDirectory,
    firstCluster,
    dataLength,
    validDataLength,
    noFatChain,
    nameHash: u16le(stream, OFFSET_NAME_HASH),
    entryOffset,
    entrySet: set.slice(),
  };
}
