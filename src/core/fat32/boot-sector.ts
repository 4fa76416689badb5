// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The FAT32 boot sector (BPB + extended BPB) and the FSInfo sector, after Microsoft's "FAT: General
 * Overview of On-Disk Format" (fatgen103). Only 512-byte sectors are produced; the decoder accepts
 * the sizes the format allows so the reader can inspect foreign volumes.
 */
import { asciiBytes, asciiField, setU16le, setU32le, u16le, u32le, u8 } from '../bytes';
import { FormatError } from '../format-error';

export const BOOT_SECTOR_SIZE = 512;

export const OFFSET_JUMP = 0;
export const OFFSET_OEM_NAME = 3;
export const OFFSET_BYTES_PER_SECTOR = 11;
export const OFFSET_SECTORS_PER_CLUSTER = 13;
export const OFFSET_RESERVED_SECTORS = 14;
export const OFFSET_FAT_COUNT = 16;
export const OFFSET_ROOT_ENTRY_COUNT = 17;
export const OFFSET_TOTAL_SECTORS_16 = 19;
export const OFFSET_MEDIA = 21;
export const OFFSET_FAT_SECTORS_16 = 22;
export const OFFSET_SECTORS_PER_TRACK = 24;
export const OFFSET_HEADS = 26;
export const OFFSET_HIDDEN_SECTORS = 28;
export const OFFSET_TOTAL_SECTORS_32 = 32;
export const OFFSET_FAT_SECTORS_32 = 36;
export const OFFSET_EXT_FLAGS = 40;
export const OFFSET_FS_VERSION = 42;
export const OFFSET_ROOT_CLUSTER = 44;
export const OFFSET_FSINFO_SECTOR = 48;
export const OFFSET_BACKUP_BOOT_SECTOR = 50;
export const OFFSET_DRIVE_NUMBER = 64;
/** "Reserved1" in fatgen103; Windows NT keeps its dirty bit (bit 0) here. */
export const OFFSET_NT_FLAGS = 65;
export const OFFSET_BOOT_SIGNATURE = 66;
export const OFFSET_VOLUME_SERIAL = 67;
export const OFFSET_VOLUME_LABEL = 71;
export const OFFSET_FS_TYPE = 82;
export const OFFSET_BOOT_CODE = 90;
export const OFFSET_SIGNATURE = 510;

export const EXTENDED_BOOT_SIGNATURE = 0x29;
export const SECTOR_SIGNATURE = 0xaa55;
export const MEDIA_FIXED_DISK = 0xf8;
export const FS_TYPE_FAT32 = 'FAT32   ';
/** fatgen103 recommends this OEM name: some old drivers refuse volumes with anything else. */
export const OEM_NAME = 'MSWIN4.1';
export const NO_NAME_LABEL = 'NO NAME';
export const LABEL_LENGTH = 11;
const NT_FLAG_DIRTY = 0x01;

/** `jmp short 0x5A; nop`: the jump lands on the boot code right after the extended BPB. */
const JUMP = Uint8Array.of(0xeb, OFFSET_BOOT_CODE - 2, 0x90);

const NOT_BOOTABLE_MESSAGE =
  '\r\nThis drive has no BIOS boot loader.\r\nRemove it and press any key to restart.\r\n\0';

/**
 * Real-mode code run if a BIOS boots this volume before (or without) a boot loader install:
 * print the message with INT 10h teletype, wait for a key (INT 16h), then INT 19h to let the
 * BIOS try the next device. Hand-assembled; the message follows it and is addressed absolutely
 * at 0000:7C00 + offset, so DS is zeroed first.
 */
function bootStub(): Uint8Array {
  const codeBytes = 29;
  const message = 0x7c00 + OFFSET_BOOT_CODE + codeBytes;
  // prettier-ignore
  const code = [
    0x31, 0xc0,                          // xor ax, ax
    0x8e, 0xd8,                          // mov ds, ax
    0xbe, message & 0xff, message >> 8,  // mov si, message
    0xfc,                                // cld
    0xac,                                // next: lodsb
    0x84, 0xc0,                          // test al, al
    0x74, 0x09,                          // jz wait
    0xb4, 0x0e,                          // mov ah, 0x0e
    0xbb, 0x07, 0x00,                    // mov bx, 7
    0xcd, 0x10,                          // int 0x10
    0xeb, 0xf2,                          // jmp next
    0x31, 0xc0,                          // wait: xor ax, ax
    0xcd, 0x16,                          // int 0x16
    0xcd, 0x19,                          // int 0x19
    0xf4,                                // hlt (int 0x19 does not return)
  ];
  if (code.length !== codeBytes) throw new Error('boot stub length changed');
  return Uint8Array.from([...code, ...asciiBytes(NOT_BOOTABLE_MESSAGE)]);
}

export interface Fat32BootSector {
  readonly oemName: string;
  readonly bytesPerSector: number;
  readonly sectorsPerCluster: number;
  readonly reservedSectors: number;
  readonly fatCount: number;
  readonly media: number;
  readonly sectorsPerTrack: number;
  readonly heads: number;
  /** Sectors before the volume on its disk: the partition's start LBA. */
  readonly hiddenSectors: number;
  readonly totalSectors: number;
  readonly fatSectors: number;
  /** Bit 7 set: only FAT number (bits 0–3) is active; clear: all FATs are mirrored. */
  readonly extFlags: number;
  readonly rootCluster: number;
  readonly fsInfoSector: number;
  readonly backupBootSector: number;
  readonly driveNumber: number;
  readonly dirty: boolean;
  readonly serial: number;
  /** Trailing spaces trimmed; "NO NAME" is kept as the format stores it. */
  readonly label: string;
  readonly fsType: string;
}

export function encodeFat32BootSector(boot: Fat32BootSector): Uint8Array {
  const sector = new Uint8Array(BOOT_SECTOR_SIZE);
  sector.set(JUMP, OFFSET_JUMP);
  sector.set(asciiBytes(boot.oemName.padEnd(8, ' ').slice(0, 8)), OFFSET_OEM_NAME);
  setU16le(sector, OFFSET_BYTES_PER_SECTOR, boot.bytesPerSector);
  sector[OFFSET_SECTORS_PER_CLUSTER] = boot.sectorsPerCluster;
  setU16le(sector, OFFSET_RESERVED_SECTORS, boot.reservedSectors);
  sector[OFFSET_FAT_COUNT] = boot.fatCount;
  sector[OFFSET_MEDIA] = boot.media;
  setU16le(sector, OFFSET_SECTORS_PER_TRACK, boot.sectorsPerTrack);
  setU16le(sector, OFFSET_HEADS, boot.heads);
  setU32le(sector, OFFSET_HIDDEN_SECTORS, boot.hiddenSectors);
  setU32le(sector, OFFSET_TOTAL_SECTORS_32, boot.totalSectors);
  setU32le(sector, OFFSET_FAT_SECTORS_32, boot.fatSectors);
  setU16le(sector, OFFSET_EXT_FLAGS, boot.extFlags);
  setU32le(sector, OFFSET_ROOT_CLUSTER, boot.rootCluster);
  setU16le(sector, OFFSET_FSINFO_SECTOR, boot.fsInfoSector);
  setU16le(sector, OFFSET_BACKUP_BOOT_SECTOR, boot.backupBootSector);
  sector[OFFSET_DRIVE_NUMBER] = boot.driveNumber;
  sector[OFFSET_NT_FLAGS] = boot.dirty ? NT_FLAG_DIRTY : 0;
  sector[OFFSET_BOOT_SIGNATURE] = EXTENDED_BOOT_SIGNATURE;
  setU32le(sector, OFFSET_VOLUME_SERIAL, boot.serial);
  sector.set(encodeLabelField(boot.label || NO_NAME_LABEL), OFFSET_VOLUME_LABEL);
  sector.set(asciiBytes(boot.fsType.padEnd(8, ' ')), OFFSET_FS_TYPE);
  sector.set(bootStub(), OFFSET_BOOT_CODE);
  setU16le(sector, OFFSET_SIGNATURE, SECTOR_SIGNATURE);
  return sector;
}

/** The 11-byte space-padded form used by the boot sector and the volume-label entry. */
export function encodeLabelField(label: string): Uint8Array {
  return asciiBytes(label.padEnd(LABEL_LENGTH, ' '));
}

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

export function decodeFat32BootSector(bytes: Uint8Array): Fat32BootSector {
  const structure = 'FAT32 boot sector';
  const fail = (offset: number, problem: string): never => {
    throw new FormatError(structure, offset, problem);
  };
  if (bytes.length < BOOT_SECTOR_SIZE)
    fail(0, `needs ${BOOT_SECTOR_SIZE} bytes, got ${bytes.length}`);
  if (u16le(bytes, OFFSET_SIGNATURE) !== SECTOR_SIGNATURE) {
    fail(
      OFFSET_SIGNATURE,
      `signature 0x${u16le(bytes, OFFSET_SIGNATURE).toString(16)}, expected 0xaa55`,
    );
  }
  const jump = u8(bytes, 0);
  if (jump !== 0xeb && jump !== 0xe9) fail(OFFSET_JUMP, `jump opcode 0x${jump.toString(16)}`);
  const bytesPerSector = u16le(bytes, OFFSET_BYTES_PER_SECTOR);
  if (!isPowerOfTwo(bytesPerSector) || bytesPerSector < 512 || bytesPerSector > 4096) {
    fail(OFFSET_BYTES_PER_SECTOR, `${bytesPerSector} bytes per sector`);
  }
  const sectorsPerCluster = u8(bytes, OFFSET_SECTORS_PER_CLUSTER);
  if (!isPowerOfTwo(sectorsPerCluster))
    fail(OFFSET_SECTORS_PER_CLUSTER, `${sectorsPerCluster} sectors per cluster`);
  const reservedSectors = u16le(bytes, OFFSET_RESERVED_SECTORS);
  if (reservedSectors === 0) fail(OFFSET_RESERVED_SECTORS, 'no reserved sectors');
  const fatCount = u8(bytes, OFFSET_FAT_COUNT);
  if (fatCount === 0) fail(OFFSET_FAT_COUNT, 'no FATs');
  if (u16le(bytes, OFFSET_ROOT_ENTRY_COUNT) !== 0) {
    fail(OFFSET_ROOT_ENTRY_COUNT, 'a fixed root directory: FAT12/16, not FAT32');
  }
  if (u16le(bytes, OFFSET_FAT_SECTORS_16) !== 0)
    fail(OFFSET_FAT_SECTORS_16, '16-bit FAT size set: not FAT32');
  const fatSectors = u32le(bytes, OFFSET_FAT_SECTORS_32);
  if (fatSectors === 0) fail(OFFSET_FAT_SECTORS_32, 'FAT size 0');
  const totalSectors16 = u16le(bytes, OFFSET_TOTAL_SECTORS_16);
  const totalSectors =
    totalSectors16 !== 0 ? totalSectors16 : u32le(bytes, OFFSET_TOTAL_SECTORS_32);
  if (reservedSectors + fatCount * fatSectors >= totalSectors) {
    fail(OFFSET_TOTAL_SECTORS_32, `${totalSectors} sectors leave no data region`);
  }
  const fsVersion = u16le(bytes, OFFSET_FS_VERSION);
  if (fsVersion !== 0) fail(OFFSET_FS_VERSION, `FAT32 version 0x${fsVersion.toString(16)}`);
  const hasExtendedBpb = u8(bytes, OFFSET_BOOT_SIGNATURE) === EXTENDED_BOOT_SIGNATURE;
  return {
    oemName: asciiField(bytes, OFFSET_OEM_NAME, 8),
    bytesPerSector,
    sectorsPerCluster,
    reservedSectors,
    fatCount,
    media: u8(bytes, OFFSET_MEDIA),
    sectorsPerTrack: u16le(bytes, OFFSET_SECTORS_PER_TRACK),
    heads: u16le(bytes, OFFSET_HEADS),
    hiddenSectors: u32le(bytes, OFFSET_HIDDEN_SECTORS),
    totalSectors,
    fatSectors,
    extFlags: u16le(bytes, OFFSET_EXT_FLAGS),
    rootCluster: u32le(bytes, OFFSET_ROOT_CLUSTER),
    fsInfoSector: u16le(bytes, OFFSET_FSINFO_SECTOR),
    backupBootSector: u16le(bytes, OFFSET_BACKUP_BOOT_SECTOR),
    driveNumber: u8(bytes, OFFSET_DRIVE_NUMBER),
    dirty: (u8(bytes, OFFSET_NT_FLAGS) & NT_FLAG_DIRTY) !== 0,
    serial: hasExtendedBpb ? u32le(bytes, OFFSET_VOLUME_SERIAL) : 0,
    label: hasExtendedBpb ? asciiField(bytes, OFFSET_VOLUME_LABEL, LABEL_LENGTH) : '',
    fsType: hasExtendedBpb ? asciiField(bytes, OFFSET_FS_TYPE, 8) : '',
  };
}

// FSInfo (fatgen103 "FAT32 FSInfo Sector Structure").
export const FSINFO_OFFSET_LEAD_SIGNATURE = 0;
export const FSINFO_OFFSET_STRUCT_SIGNATURE = 484;
export const FSINFO_OFFSET_FREE_COUNT = 488;
export const FSINFO_OFFSET_NEXT_FREE = 492;
export const FSINFO_OFFSET_TRAIL_SIGNATURE = 508;
export const FSINFO_LEAD_SIGNATURE = 0x41615252;
export const FSINFO_STRUCT_SIGNATURE = 0x61417272;
export const FSINFO_TRAIL_SIGNATURE = 0xaa550000;
/** Either field may be "unknown"; readers then recount (free) or search from cluster 2 (next). */
export const FSINFO_UNKNOWN = 0xffffffff;

export interface FsInfo {
  readonly freeClusters: number;
  readonly nextFreeCluster: number;
}

export function encodeFsInfo(info: FsInfo): Uint8Array {
  const sector = new Uint8Array(BOOT_SECTOR_SIZE);
  setU32le(sector, FSINFO_OFFSET_LEAD_SIGNATURE, FSINFO_LEAD_SIGNATURE);
  setU32le(sector, FSINFO_OFFSET_STRUCT_SIGNATURE, FSINFO_STRUCT_SIGNATURE);
  setU32le(sector, FSINFO_OFFSET_FREE_COUNT, info.freeClusters);
  setU32le(sector, FSINFO_OFFSET_NEXT_FREE, info.nextFreeCluster);
  setU32le(sector, FSINFO_OFFSET_TRAIL_SIGNATURE, FSINFO_TRAIL_SIGNATURE);
  return sector;
}

export function decodeFsInfo(bytes: Uint8Array): FsInfo {
  const structure = 'FAT32 FSInfo sector';
  if (bytes.length < BOOT_SECTOR_SIZE) {
    throw new FormatError(structure, 0, `needs ${BOOT_SECTOR_SIZE} bytes, got ${bytes.length}`);
  }
  const signatures: readonly [number, number][] = [
    [FSINFO_OFFSET_LEAD_SIGNATURE, FSINFO_LEAD_SIGNATURE],
    [FSINFO_OFFSET_STRUCT_SIGNATURE, FSINFO_STRUCT_SIGNATURE],
    [FSINFO_OFFSET_TRAIL_SIGNATURE, FSINFO_TRAIL_SIGNATURE],
  ];
  for (const [offset, expected] of signatures) {
    const seen = u32le(bytes, offset);
    if (seen !== expected) {
      throw new FormatError(
        structure,
        offset,
        `signature 0x${seen.toString(16)}, expected 0x${expected.toString(16)}`,
      );
    }
  }
  return {
    freeClusters: u32le(bytes, FSINFO_OFFSET_FREE_COUNT),
    nextFreeCluster: u32le(bytes, FSINFO_OFFSET_NEXT_FREE),
  };
}
