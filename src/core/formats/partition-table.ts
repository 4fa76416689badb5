// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The stick's partition table: one FAT32 data partition, on MBR (default) or GPT. The plan
 * covers the table sectors only: the gap up to the partition (where a BIOS boot loader may go)
 * and the partition itself are other plans' business, and wiping stale signatures at both
 * ends of the disk is the writer's first pass.
 */
import { LiveStickError, shortfall } from '../../shared/errors';
import { bytesExtent, sortAndCheckExtents, type Extent } from '../extent';
import { crc32 } from '../crc32';
import {
  GPT_ATTRIBUTE_LEGACY_BIOS_BOOTABLE,
  GPT_ENTRY_ARRAY_SECTORS,
  GPT_ENTRY_COUNT,
  GPT_ENTRY_SIZE,
  encodeGptEntries,
  encodeGptHeader,
  type GptHeader,
} from './gpt';
import { GPT_TYPE_MICROSOFT_BASIC_DATA, randomGuid } from './guid';
import {
  MBR_BOOT_CODE_SIZE,
  MBR_SIZE,
  OFFSET_DISK_SIGNATURE,
  PARTITION_TYPE_FAT32_LBA,
  PARTITION_TYPE_GPT_PROTECTIVE,
  encodeMbr,
  type MbrPartition,
} from './mbr';
import { SECTOR_BYTES } from '../sector';

export type PartitionScheme = 'mbr' | 'gpt';

export const DEFAULT_PARTITION_START_BYTES = 1 << 20;

/** Protective MBR + primary header + entry array. */
const GPT_PRIMARY_SECTORS = 2 + GPT_ENTRY_ARRAY_SECTORS;
/** Backup entry array + backup header, at the very end of the disk. */
export const GPT_BACKUP_SECTORS = 1 + GPT_ENTRY_ARRAY_SECTORS;
const MBR_MAX_SECTORS = 0xffffffff;

export interface PartitionTableOptions {
  readonly scheme: PartitionScheme;
  readonly diskBytes: number;
  readonly partitionStartBytes: number;
  readonly partitionBytes: number;
  /** GPT partition name (the FAT label, as parted's `mkpart <label>` in litd). Unused on MBR. */
  readonly label: string;
  readonly random: (n: number) => Uint8Array;
  /** MBR: the active flag (syslinux's mbr.bin boots the active partition); GPT: attribute bit 2. */
  readonly biosBootable: boolean;
  /**
   * Up to 440 bytes of MBR boot code. Without it bytes 0–439 are left as they are, so a boot
   * loader step may write them separately (litd's `cat mbr.bin > disk` does the same).
   */
  readonly bootCode?: Uint8Array;
}

export interface PartitionTablePlan {
  /** Absolute on the disk, sorted; on GPT this includes the backup table in the last sectors. */
  readonly extents: Extent[];
  readonly partitionStartBytes: number;
  readonly partitionBytes: number;
  /** MBR disk signature (0 on GPT, where the disk GUID identifies the disk). */
  readonly diskSignature: number;
  readonly diskGuid?: string;
  readonly partitionGuid?: string;
}

function firstUsableLba(scheme: PartitionScheme): number {
  return scheme === 'gpt' ? GPT_PRIMARY_SECTORS : 1;
}

/**
 * The largest partition starting at `startBytes`: to the disk's end on MBR (capped by the
 * 32-bit sector count), up to the backup table on GPT. Whole sectors; 0 when nothing fits.
 */
export function maxPartitionBytes(
  scheme: PartitionScheme,
  diskBytes: number,
  startBytes: number,
): number {
  if (startBytes % SECTOR_BYTES !== 0) {
    throw new RangeError(`partition start ${startBytes} is not a multiple of ${SECTOR_BYTES}`);
  }
  const diskSectors = Math.floor(diskBytes / SECTOR_BYTES);
  const startLba = startBytes / SECTOR_BYTES;
  if (startLba < firstUsableLba(scheme)) {
    throw new RangeError(`a ${scheme} partition cannot start at sector ${startLba}`);
  }
  if (scheme === 'gpt') {
    return Math.max(0, diskSectors - GPT_BACKUP_SECTORS - startLba) * SECTOR_BYTES;
  }
  if (startLba > MBR_MAX_SECTORS) return 0;
  return Math.max(0, Math.min(diskSectors - startLba, MBR_MAX_SECTORS)) * SECTOR_BYTES;
}

function randomU32(random: (n: number) => Uint8Array): number {
  const bytes = random(4);
  if (bytes.length !== 4) throw new RangeError(`random(4) returned ${bytes.length} bytes`);
  const value = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
  // Zero means "no signature" to Windows, which would then write one of its own.
  return value === 0 ? 1 : value;
}

export function planPartitionTable(options: PartitionTableOptions): PartitionTablePlan {
  const { scheme, diskBytes, partitionStartBytes, partitionBytes } = options;
  if (partitionBytes <= 0 || partitionBytes % SECTOR_BYTES !== 0) {
    throw new RangeError(`partition size ${partitionBytes} is not a positive number of sectors`);
  }
  const available = maxPartitionBytes(scheme, diskBytes, partitionStartBytes);
  if (partitionBytes > available) {
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `A ${partitionBytes}-byte partition at ${partitionStartBytes} does not fit on a ${diskBytes}-byte disk with ${scheme.toUpperCase()}: at most ${available} bytes.`,
      shortfall(partitionBytes, available),
    );
  }
  if (options.bootCode && options.bootCode.length > MBR_BOOT_CODE_SIZE) {
    throw new RangeError(
      `MBR boot code is ${options.bootCode.length} bytes, at most ${MBR_BOOT_CODE_SIZE}`,
    );
  }
  const startLba = partitionStartBytes / SECTOR_BYTES;
  const sectorCount = partitionBytes / SECTOR_BYTES;
  const diskSectors = Math.floor(diskBytes / SECTOR_BYTES);

  const mbrExtent = (partition: MbrPartition, diskSignature: number): Extent => {
    const sector = encodeMbr({ diskSignature, partitions: [partition] });
    if (options.bootCode) {
      sector.set(options.bootCode, 0);
      return bytesExtent(0, sector, 'MBR');
    }
    return bytesExtent(
      OFFSET_DISK_SIGNATURE,
      sector.slice(OFFSET_DISK_SIGNATURE, MBR_SIZE),
      'MBR partition table',
    );
  };

  if (scheme === 'mbr') {
    const diskSignature = randomU32(options.random);
    const partition: MbrPartition = {
      active: options.biosBootable,
      type: PARTITION_TYPE_FAT32_LBA,
      firstLba: startLba,
      sectorCount,
    };
    return {
      extents: [mbrExtent(partition, diskSignature)],
      partitionStartBytes,
      partitionBytes,
      diskSignature,
    };
  }

  const diskGuid = randomGuid(options.random);
  const partitionGuid = randomGuid(options.random);
  const entries = encodeGptEntries([
    {
      typeGuid: GPT_TYPE_MICROSOFT_BASIC_DATA,
      uniqueGuid: partitionGuid,
      firstLba: startLba,
      lastLba: startLba + sectorCount - 1,
      attributes: options.biosBootable ? GPT_ATTRIBUTE_LEGACY_BIOS_BOOTABLE : 0n,
      name: options.label,
    },
  ]);
  const lastLba = diskSectors - 1;
  const backupEntriesLba = lastLba - GPT_ENTRY_ARRAY_SECTORS;
  const common = {
    firstUsableLba: GPT_PRIMARY_SECTORS,
    lastUsableLba: backupEntriesLba - 1,
    diskGuid,
    entryCount: GPT_ENTRY_COUNT,
    entrySize: GPT_ENTRY_SIZE,
    entriesCrc32: crc32(entries),
  } satisfies Partial<GptHeader>;
  const primary = encodeGptHeader({ ...common, myLba: 1, alternateLba: lastLba, entriesLba: 2 });
  const backup = encodeGptHeader({
    ...common,
    myLba: lastLba,
    alternateLba: 1,
    entriesLba: backupEntriesLba,
  });
  const protective: MbrPartition = {
    active: false,
    type: PARTITION_TYPE_GPT_PROTECTIVE,
    firstLba: 1,
    sectorCount: Math.min(diskSectors - 1, MBR_MAX_SECTORS),
    // All ones, "not representable", whatever the disk size: what sfdisk and parted write.
    chsLast: { cylinder: 1023, head: 255, sector: 63 },
  };
  const extents = sortAndCheckExtents([
    mbrExtent(protective, 0),
    bytesExtent(SECTOR_BYTES, primary, 'GPT header'),
    bytesExtent(2 * SECTOR_BYTES, entries, 'GPT entries'),
    bytesExtent(backupEntriesLba * SECTOR_BYTES, entries, 'backup GPT entries'),
    bytesExtent(lastLba * SECTOR_BYTES, backup, 'backup GPT header'),
  ]);
  return {
    extents,
    partitionStartBytes,
    partitionBytes,
    diskSignature: 0,
    diskGuid,
    partitionGuid,
  };
}
