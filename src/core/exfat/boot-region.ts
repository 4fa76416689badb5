// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The exFAT boot regions (exFAT specification §3): the boot sector with the volume's parameters,
 * eight extended boot sectors, the OEM parameters, a reserved sector and the boot checksum sector,
 * twelve sectors in all, written twice (main at sector 0, backup at sector 12).
 */
import {
  asciiBytes,
  asciiField,
  setU16le,
  setU32le,
  setU64le,
  u16le,
  u32le,
  u64le,
  u8,
} from '../bytes';
import { FormatError, checkChecksum } from '../format-error';
import {
  BOOT_REGION_SECTORS,
  EXFAT_MAX_CLUSTERS,
  FIRST_CLUSTER,
  MIN_FAT_OFFSET_SECTORS,
  fatEntryBytes,
} from './geometry';

export const OFFSET_JUMP_BOOT = 0;
export const OFFSET_FILE_SYSTEM_NAME = 3;
export const OFFSET_MUST_BE_ZERO = 11;
export const MUST_BE_ZERO_BYTES = 53;
export const OFFSET_PARTITION_OFFSET = 64;
export const OFFSET_VOLUME_LENGTH = 72;
export const OFFSET_FAT_OFFSET = 80;
export const OFFSET_FAT_LENGTH = 84;
export const OFFSET_CLUSTER_HEAP_OFFSET = 88;
export const OFFSET_CLUSTER_COUNT = 92;
export const OFFSET_FIRST_CLUSTER_OF_ROOT = 96;
export const OFFSET_VOLUME_SERIAL = 100;
export const OFFSET_FILE_SYSTEM_REVISION = 104;
export const OFFSET_VOLUME_FLAGS = 106;
export const OFFSET_BYTES_PER_SECTOR_SHIFT = 108;
export const OFFSET_SECTORS_PER_CLUSTER_SHIFT = 109;
export const OFFSET_NUMBER_OF_FATS = 110;
export const OFFSET_DRIVE_SELECT = 111;
export const OFFSET_PERCENT_IN_USE = 112;
export const OFFSET_BOOT_CODE = 120;
export const BOOT_CODE_BYTES = 390;
export const OFFSET_BOOT_SIGNATURE = 510;

/** §3.1.1: `jmp short` to the boot code at byte 120, then `nop`. */
export const JUMP_BOOT = Uint8Array.of(0xeb, 0x76, 0x90);
export const FILE_SYSTEM_NAME = 'EXFAT   ';
export const BOOT_SIGNATURE = 0xaa55;
/** §3.2.2, in the last four bytes of each extended boot sector. */
export const EXTENDED_BOOT_SIGNATURE = 0xaa550000;
/** §3.1.12: revision 1.00, major number in the high byte. */
export const FILE_SYSTEM_REVISION = 0x0100;
/** §3.1.19: with no boot code, every byte of BootCode is `hlt`. */
const HALT = 0xf4;
export const DRIVE_SELECT_FIXED_DISK = 0x80;
/** §3.1.18: the allocated percentage is not known. */
export const PERCENT_IN_USE_UNKNOWN = 0xff;

export const VOLUME_FLAG_ACTIVE_FAT = 0x0001;
export const VOLUME_FLAG_VOLUME_DIRTY = 0x0002;
export const VOLUME_FLAG_MEDIA_FAILURE = 0x0004;
export const VOLUME_FLAG_CLEAR_TO_ZERO = 0x0008;

/** Sector numbers inside a boot region (§2 Table 3). */
export const EXTENDED_BOOT_SECTOR_FIRST = 1;
export const EXTENDED_BOOT_SECTOR_COUNT = 8;
export const OEM_PARAMETERS_SECTOR = 9;
export const BOOT_CHECKSUM_SECTOR = 11;
export const BACKUP_BOOT_REGION_SECTOR = BOOT_REGION_SECTORS;

export interface ExfatBootSector {
  /** Where the volume starts on its disk, in sectors; 0 means "ignore". */
  readonly partitionOffsetSectors: number;
  readonly volumeSectors: number;
  readonly fatOffsetSectors: number;
  readonly fatLengthSectors: number;
  readonly clusterHeapOffsetSectors: number;
  readonly clusterCount: number;
  readonly rootCluster: number;
  readonly serial: number;
  /** Major number in the high byte (0x0100 is 1.00). */
  readonly revision: number;
  readonly volumeFlags: number;
  readonly bytesPerSectorShift: number;
  readonly sectorsPerClusterShift: number;
  readonly numberOfFats: number;
  readonly driveSelect: number;
  /** 0–100, or PERCENT_IN_USE_UNKNOWN. */
  readonly percentInUse: number;
}

export function encodeExfatBootSector(boot: ExfatBootSector): Uint8Array {
  const sector = new Uint8Array(1 << boot.bytesPerSectorShift);
  sector.set(JUMP_BOOT, OFFSET_JUMP_BOOT);
  sector.set(asciiBytes(FILE_SYSTEM_NAME), OFFSET_FILE_SYSTEM_NAME);
  setU64le(sector, OFFSET_PARTITION_OFFSET, BigInt(boot.partitionOffsetSectors));
  setU64le(sector, OFFSET_VOLUME_LENGTH, BigInt(boot.volumeSectors));
  setU32le(sector, OFFSET_FAT_OFFSET, boot.fatOffsetSectors);
  setU32le(sector, OFFSET_FAT_LENGTH, boot.fatLengthSectors);
  setU32le(sector, OFFSET_CLUSTER_HEAP_OFFSET, boot.clusterHeapOffsetSectors);
  setU32le(sector, OFFSET_CLUSTER_COUNT, boot.clusterCount);
  setU32le(sector, OFFSET_FIRST_CLUSTER_OF_ROOT, boot.rootCluster);
  setU32le(sector, OFFSET_VOLUME_SERIAL, boot.serial);
  setU16le(sector, OFFSET_FILE_SYSTEM_REVISION, boot.revision);
  setU16le(sector, OFFSET_VOLUME_FLAGS, boot.volumeFlags);
  sector[OFFSET_BYTES_PER_SECTOR_SHIFT] = boot.bytesPerSectorShift;
  sector[OFFSET_SECTORS_PER_CLUSTER_SHIFT] = boot.sectorsPerClusterShift;
  sector[OFFSET_NUMBER_OF_FATS] = boot.numberOfFats;
  sector[OFFSET_DRIVE_SELECT] = boot.driveSelect;
  sector[OFFSET_PERCENT_IN_USE] = boot.percentInUse;
  sector.fill(HALT, OFFSET_BOOT_CODE, OFFSET_BOOT_CODE + BOOT_CODE_BYTES);
  setU16le(sector, OFFSET_BOOT_SIGNATURE, BOOT_SIGNATURE);
  return sector;
}

/**
 * Reads and range-checks every field §3.1 gives a valid range. Offsets in errors are bytes of the
 * boot sector.
 */
export function decodeExfatBootSector(bytes: Uint8Array): ExfatBootSector {
  const structure = 'exFAT boot sector';
  const fail = (offset: number, problem: string): never => {
    throw new FormatError(structure, offset, problem);
  };
  if (bytes.length < 512) fail(0, `needs 512 bytes, got ${bytes.length}`);
  const signature = u16le(bytes, OFFSET_BOOT_SIGNATURE);
  if (signature !== BOOT_SIGNATURE) {
    fail(OFFSET_BOOT_SIGNATURE, `signature 0x${signature.toString(16)}, expected 0xaa55`);
  }
  const name = asciiField(bytes, OFFSET_FILE_SYSTEM_NAME, 8);
  if (name !== FILE_SYSTEM_NAME.trimEnd()) {
    fail(OFFSET_FILE_SYSTEM_NAME, `file system name "${name}", expected "EXFAT"`);
  }
  for (let i = 0; i < 3; i++) {
    if (bytes[i] !== JUMP_BOOT[i])
      fail(OFFSET_JUMP_BOOT + i, `JumpBoot byte 0x${bytes[i]!.toString(16)}`);
  }
  for (let i = 0; i < MUST_BE_ZERO_BYTES; i++) {
    if (bytes[OFFSET_MUST_BE_ZERO + i] !== 0) {
      fail(OFFSET_MUST_BE_ZERO + i, 'MustBeZero holds a FAT BIOS parameter block');
    }
  }
  const bytesPerSectorShift = u8(bytes, OFFSET_BYTES_PER_SECTOR_SHIFT);
  if (bytesPerSectorShift < 9 || bytesPerSectorShift > 12) {
    fail(OFFSET_BYTES_PER_SECTOR_SHIFT, `BytesPerSectorShift ${bytesPerSectorShift}, valid 9–12`);
  }
  const sectorsPerClusterShift = u8(bytes, OFFSET_SECTORS_PER_CLUSTER_SHIFT);
  if (sectorsPerClusterShift > 25 - bytesPerSectorShift) {
    fail(
      OFFSET_SECTORS_PER_CLUSTER_SHIFT,
      `SectorsPerClusterShift ${sectorsPerClusterShift}, at most ${25 - bytesPerSectorShift}`,
    );
  }
  const revision = u16le(bytes, OFFSET_FILE_SYSTEM_REVISION);
  if (revision >> 8 !== 1) {
    fail(
      OFFSET_FILE_SYSTEM_REVISION,
      `revision ${revision >> 8}.${revision & 0xff}, only 1.x is exFAT as specified`,
    );
  }
  const numberOfFats = u8(bytes, OFFSET_NUMBER_OF_FATS);
  if (numberOfFats !== 1 && numberOfFats !== 2)
    fail(OFFSET_NUMBER_OF_FATS, `NumberOfFats ${numberOfFats}`);
  const volumeLength = u64le(bytes, OFFSET_VOLUME_LENGTH);
  if (volumeLength > BigInt(Number.MAX_SAFE_INTEGER)) {
    fail(OFFSET_VOLUME_LENGTH, `VolumeLength ${volumeLength} sectors is beyond what we address`);
  }
  const volumeSectors = Number(volumeLength);
  if (volumeSectors < 2 ** 20 / 2 ** bytesPerSectorShift) {
    fail(OFFSET_VOLUME_LENGTH, `VolumeLength ${volumeSectors} sectors is under 1 MiB`);
  }
  const fatOffsetSectors = u32le(bytes, OFFSET_FAT_OFFSET);
  const fatLengthSectors = u32le(bytes, OFFSET_FAT_LENGTH);
  const clusterHeapOffsetSectors = u32le(bytes, OFFSET_CLUSTER_HEAP_OFFSET);
  const clusterCount = u32le(bytes, OFFSET_CLUSTER_COUNT);
  const clusterSectors = 2 ** sectorsPerClusterShift;
  if (fatOffsetSectors < MIN_FAT_OFFSET_SECTORS) {
    fail(OFFSET_FAT_OFFSET, `FatOffset ${fatOffsetSectors} overlaps the boot regions`);
  }
  if (fatLengthSectors * 2 ** bytesPerSectorShift < fatEntryBytes(clusterCount)) {
    fail(OFFSET_FAT_LENGTH, `a ${fatLengthSectors}-sector FAT cannot map ${clusterCount} clusters`);
  }
  if (fatOffsetSectors + fatLengthSectors * numberOfFats > clusterHeapOffsetSectors) {
    fail(
      OFFSET_CLUSTER_HEAP_OFFSET,
      `ClusterHeapOffset ${clusterHeapOffsetSectors} lies inside the FATs`,
    );
  }
  if (clusterCount === 0 || clusterCount > EXFAT_MAX_CLUSTERS) {
    fail(OFFSET_CLUSTER_COUNT, `ClusterCount ${clusterCount}`);
  }
  if (clusterHeapOffsetSectors + clusterCount * clusterSectors > volumeSectors) {
    fail(
      OFFSET_CLUSTER_COUNT,
      `${clusterCount} clusters run past the volume's ${volumeSectors} sectors`,
    );
  }
  const rootCluster = u32le(bytes, OFFSET_FIRST_CLUSTER_OF_ROOT);
  if (rootCluster < FIRST_CLUSTER || rootCluster > clusterCount + 1) {
    fail(
      OFFSET_FIRST_CLUSTER_OF_ROOT,
      `root cluster ${rootCluster} is outside 2..${clusterCount + 1}`,
    );
  }
  const percentInUse = u8(bytes, OFFSET_PERCENT_IN_USE);
  if (percentInUse > 100 && percentInUse !== PERCENT_IN_USE_UNKNOWN) {
    fail(OFFSET_PERCENT_IN_USE, `PercentInUse ${percentInUse}`);
  }
  const volumeFlags = u16le(bytes, OFFSET_VOLUME_FLAGS);
  if (volumeFlags & VOLUME_FLAG_ACTIVE_FAT && numberOfFats !== 2) {
    fail(OFFSET_VOLUME_FLAGS, 'ActiveFat names a second FAT the volume does not have');
  }
  return {
    // Informational only (§3.1.4); a value past 2^53 loses precision, nothing depends on it.
    partitionOffsetSectors: Number(u64le(bytes, OFFSET_PARTITION_OFFSET)),
    volumeSectors,
    fatOffsetSectors,
    fatLengthSectors,
    clusterHeapOffsetSectors,
    clusterCount,
    rootCluster,
    serial: u32le(bytes, OFFSET_VOLUME_SERIAL),
    revision,
    volumeFlags,
    bytesPerSectorShift,
    sectorsPerClusterShift,
    numberOfFats,
    driveSelect: u8(bytes, OFFSET_DRIVE_SELECT),
    percentInUse,
  };
}

/**
 * §3.4 Figure 1: over the first eleven sectors of a boot region, skipping VolumeFlags and
 * PercentInUse so those two can change without a new checksum; rotate right by one, add.
 */
export function bootChecksum(region: Uint8Array, sectorBytes: number): number {
  const length = sectorBytes * BOOT_CHECKSUM_SECTOR;
  if (region.length < length) {
    throw new RangeError(`a boot checksum covers ${length} bytes, got ${region.length}`);
  }
  let checksum = 0;
  for (let i = 0; i < length; i++) {
    if (i === OFFSET_VOLUME_FLAGS || i === OFFSET_VOLUME_FLAGS + 1 || i === OFFSET_PERCENT_IN_USE) {
      continue;
    }
    checksum = ((((checksum & 1) << 31) | (checksum >>> 1)) + region[i]!) >>> 0;
  }
  return checksum;
}

/**
 * A whole boot region: the boot sector, eight empty extended boot sectors (§3.2.1: zeros and
 * their signature), OEM parameters holding ten Null Parameters (§3.3.3: all zeros), the reserved
 * sector and the checksum sector.
 */
export function encodeBootRegion(boot: ExfatBootSector): Uint8Array {
  const sectorBytes = 1 << boot.bytesPerSectorShift;
  const region = new Uint8Array(BOOT_REGION_SECTORS * sectorBytes);
  region.set(encodeExfatBootSector(boot), 0);
  for (let i = 0; i < EXTENDED_BOOT_SECTOR_COUNT; i++) {
    const sector = EXTENDED_BOOT_SECTOR_FIRST + i;
    setU32le(region, (sector + 1) * sectorBytes - 4, EXTENDED_BOOT_SIGNATURE);
  }
  const checksum = bootChecksum(region, sectorBytes);
  for (let at = BOOT_CHECKSUM_SECTOR * sectorBytes; at < region.length; at += 4) {
    setU32le(region, at, checksum);
  }
  return region;
}

export interface DecodedBootRegion {
  readonly boot: ExfatBootSector;
  readonly checksum: number;
}

/**
 * Validates a boot region as §3.1 and §3.4 ask before it is used: the boot sector's fields, the
 * extended boot signatures, and the checksum sector, which must repeat the checksum throughout.
 */
export function decodeBootRegion(region: Uint8Array): DecodedBootRegion {
  const structure = 'exFAT boot region';
  const boot = decodeExfatBootSector(region);
  const sectorBytes = 1 << boot.bytesPerSectorShift;
  if (region.length < BOOT_REGION_SECTORS * sectorBytes) {
    throw new FormatError(
      structure,
      0,
      `needs ${BOOT_REGION_SECTORS * sectorBytes} bytes for ${sectorBytes}-byte sectors, got ${region.length}`,
    );
  }
  for (let i = 0; i < EXTENDED_BOOT_SECTOR_COUNT; i++) {
    const at = (EXTENDED_BOOT_SECTOR_FIRST + i + 1) * sectorBytes - 4;
    const seen = u32le(region, at);
    if (seen !== EXTENDED_BOOT_SIGNATURE) {
      throw new FormatError(
        structure,
        at,
        `extended boot sector ${EXTENDED_BOOT_SECTOR_FIRST + i} signature 0x${seen.toString(16)}, expected 0xaa550000`,
      );
    }
  }
  const checksum = bootChecksum(region, sectorBytes);
  for (
    let at = BOOT_CHECKSUM_SECTOR * sectorBytes;
    at < BOOT_REGION_SECTORS * sectorBytes;
    at += 4
  ) {
    checkChecksum(structure, at, u32le(region, at), checksum, 'boot checksum');
  }
  return { boot, checksum };
}
