// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The classic DOS master boot record: 440 bytes of boot code, a disk signature, four 16-byte
 * partition entries and the 0x55AA signature. Addresses are LBA; the CHS fields are filled the
 * way sfdisk does for a 255-head, 63-sector geometry so old BIOSes that still read them agree.
 */
import { setU16le, setU32le, u16le, u32le, u8 } from '../bytes';
import { FormatError } from '../format-error';

export const MBR_SIZE = 512;
export const MBR_BOOT_CODE_SIZE = 440;
export const OFFSET_DISK_SIGNATURE = 440;
export const OFFSET_PARTITION_TABLE = 446;
export const PARTITION_ENTRY_SIZE = 16;
export const PARTITION_ENTRY_COUNT = 4;
export const OFFSET_BOOT_SIGNATURE = 510;
export const BOOT_SIGNATURE = 0xaa55;

/** Offsets inside one partition entry. */
const ENTRY_STATUS = 0;
const ENTRY_CHS_FIRST = 1;
const ENTRY_TYPE = 4;
const ENTRY_CHS_LAST = 5;
const ENTRY_FIRST_LBA = 8;
const ENTRY_SECTOR_COUNT = 12;

export const STATUS_ACTIVE = 0x80;
export const PARTITION_TYPE_FAT32_LBA = 0x0c;
export const PARTITION_TYPE_GPT_PROTECTIVE = 0xee;

export const CHS_HEADS = 255;
export const CHS_SECTORS_PER_TRACK = 63;
const CHS_MAX_CYLINDER = 1023;

export interface Chs {
  readonly cylinder: number;
  readonly head: number;
  /** 1-based, as the format has it. */
  readonly sector: number;
}

export interface MbrPartition {
  readonly active: boolean;
  readonly type: number;
  readonly firstLba: number;
  readonly sectorCount: number;
  /** When absent, encoding derives them from the LBA range with lbaToChs. */
  readonly chsFirst?: Chs;
  readonly chsLast?: Chs;
}

export interface Mbr {
  /** Absent when decoding asks for it to be skipped, and when encoding leaves the code alone. */
  readonly bootCode?: Uint8Array;
  readonly diskSignature: number;
  /** Up to four entries; unused slots are encoded as zeros and decoded as absent. */
  readonly partitions: readonly MbrPartition[];
}

/**
 * LBA → CHS for the 255/63 geometry. Addresses past cylinder 1023 saturate to 1023/254/63, the
 * convention sfdisk, parted and Windows share for "use the LBA fields".
 */
export function lbaToChs(lba: number): Chs {
  const sectorsPerCylinder = CHS_HEADS * CHS_SECTORS_PER_TRACK;
  const clamped = Math.min(lba, (CHS_MAX_CYLINDER + 1) * sectorsPerCylinder - 1);
  return {
    cylinder: Math.floor(clamped / sectorsPerCylinder),
    head: Math.floor(clamped / CHS_SECTORS_PER_TRACK) % CHS_HEADS,
    sector: (clamped % CHS_SECTORS_PER_TRACK) + 1,
  };
}

/** The packed 3-byte form: head, sector | cylinder bits 8–9 in the top two bits, cylinder low. */
export function encodeChs(chs: Chs): Uint8Array {
  return Uint8Array.of(
    chs.head,
    (chs.sector & 0x3f) | ((chs.cylinder >> 2) & 0xc0),
    chs.cylinder & 0xff,
  );
}

export function decodeChs(bytes: Uint8Array, offset: number): Chs {
  const sectorByte = u8(bytes, offset + 1);
  return {
    head: u8(bytes, offset),
    sector: sectorByte & 0x3f,
    cylinder: ((sectorByte & 0xc0) << 2) | u8(bytes, offset + 2),
  };
}

function checkU32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${what} ${value} does not fit an MBR's 32-bit field`);
  }
}

export function encodeMbrPartition(partition: MbrPartition): Uint8Array {
  checkU32(partition.firstLba, 'first LBA');
  checkU32(partition.sectorCount, 'sector count');
  if (partition.sectorCount === 0) throw new RangeError('an MBR partition needs at least 1 sector');
  const entry = new Uint8Array(PARTITION_ENTRY_SIZE);
  entry[ENTRY_STATUS] = partition.active ? STATUS_ACTIVE : 0;
  entry.set(encodeChs(partition.chsFirst ?? lbaToChs(partition.firstLba)), ENTRY_CHS_FIRST);
  entry[ENTRY_TYPE] = partition.type;
  entry.set(
    encodeChs(partition.chsLast ?? lbaToChs(partition.firstLba + partition.sectorCount - 1)),
    ENTRY_CHS_LAST,
  );
  setU32le(entry, ENTRY_FIRST_LBA, partition.firstLba);
  setU32le(entry, ENTRY_SECTOR_COUNT, partition.sectorCount);
  return entry;
}

/** The whole 512-byte sector; the boot code area is zero when `mbr.bootCode` is absent. */
export function encodeMbr(mbr: Mbr): Uint8Array {
  if (mbr.partitions.length > PARTITION_ENTRY_COUNT) {
    throw new RangeError(
      `an MBR holds ${PARTITION_ENTRY_COUNT} partitions, not ${mbr.partitions.length}`,
    );
  }
  checkU32(mbr.diskSignature, 'disk signature');
  const sector = new Uint8Array(MBR_SIZE);
  if (mbr.bootCode) {
    if (mbr.bootCode.length > MBR_BOOT_CODE_SIZE) {
      throw new RangeError(
        `MBR boot code is ${mbr.bootCode.length} bytes, at most ${MBR_BOOT_CODE_SIZE}`,
      );
    }
    sector.set(mbr.bootCode, 0);
  }
  setU32le(sector, OFFSET_DISK_SIGNATURE, mbr.diskSignature);
  mbr.partitions.forEach((partition, i) => {
    sector.set(encodeMbrPartition(partition), OFFSET_PARTITION_TABLE + i * PARTITION_ENTRY_SIZE);
  });
  setU16le(sector, OFFSET_BOOT_SIGNATURE, BOOT_SIGNATURE);
  return sector;
}

/**
 * Decodes a 512-byte MBR. Slots whose type is 0 are skipped. Rejects a missing 0x55AA, a status
 * byte other than 0x00/0x80, and entries that overlap each other.
 */
export function decodeMbr(bytes: Uint8Array): Mbr {
  if (bytes.length < MBR_SIZE) {
    throw new FormatError('MBR', 0, `needs ${MBR_SIZE} bytes, got ${bytes.length}`);
  }
  const signature = u16le(bytes, OFFSET_BOOT_SIGNATURE);
  if (signature !== BOOT_SIGNATURE) {
    throw new FormatError(
      'MBR',
      OFFSET_BOOT_SIGNATURE,
      `boot signature 0x${signature.toString(16)} instead of 0xaa55`,
    );
  }
  const partitions: MbrPartition[] = [];
  for (let i = 0; i < PARTITION_ENTRY_COUNT; i++) {
    const at = OFFSET_PARTITION_TABLE + i * PARTITION_ENTRY_SIZE;
    const type = u8(bytes, at + ENTRY_TYPE);
    if (type === 0) continue;
    const status = u8(bytes, at + ENTRY_STATUS);
    if (status !== 0 && status !== STATUS_ACTIVE) {
      throw new FormatError(
        'MBR',
        at + ENTRY_STATUS,
        `partition ${i + 1} status 0x${status.toString(16)}`,
      );
    }
    const firstLba = u32le(bytes, at + ENTRY_FIRST_LBA);
    const sectorCount = u32le(bytes, at + ENTRY_SECTOR_COUNT);
    partitions.push({
      active: status === STATUS_ACTIVE,
      type,
      firstLba,
      sectorCount,
      chsFirst: decodeChs(bytes, at + ENTRY_CHS_FIRST),
      chsLast: decodeChs(bytes, at + ENTRY_CHS_LAST),
    });
  }
  const byStart = [...partitions].sort((a, b) => a.firstLba - b.firstLba);
  for (let i = 1; i < byStart.length; i++) {
    const previous = byStart[i - 1]!;
    if (previous.firstLba + previous.sectorCount > byStart[i]!.firstLba) {
      throw new FormatError('MBR', OFFSET_PARTITION_TABLE, 'partition entries overlap');
    }
  }
  return {
    bootCode: bytes.slice(0, MBR_BOOT_CODE_SIZE),
    diskSignature: u32le(bytes, OFFSET_DISK_SIGNATURE),
    partitions,
  };
}
