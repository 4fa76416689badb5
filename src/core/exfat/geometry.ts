// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * exFAT geometry: cluster size, FAT and cluster-heap placement for a volume size, plus the
 * arithmetic a sizing planner shares with the volume planner so both agree to the cluster.
 * Section numbers are those of Microsoft's "exFAT file system specification".
 */
import { LiveStickError, shortfall } from '../../shared/errors';
import { formatFatSerial } from '../fat32/geometry';
import { SECTOR_BYTES } from '../sector';

/** Main boot region (sectors 0–11) and its backup (12–23), §2 Table 3. */
export const BOOT_REGION_SECTORS = 12;
export const MIN_FAT_OFFSET_SECTORS = 2 * BOOT_REGION_SECTORS;
export const FAT_ENTRY_BYTES = 4;
export const FIRST_CLUSTER = 2;
/** §3.1.9: the most clusters a FAT can describe. */
export const EXFAT_MAX_CLUSTERS = 2 ** 32 - 11;
/** §3.1.15: SectorsPerClusterShift at most 25 − BytesPerSectorShift, that is 32 MiB. */
export const EXFAT_MAX_CLUSTER_BYTES = 32 * 2 ** 20;
/** §3.1.5: the smallest volume the format allows. */
export const EXFAT_MIN_VOLUME_BYTES = 2 ** 20;
/** The cluster heap starts on a multiple of this, counted from the start of the disk. */
export const DEFAULT_DATA_ALIGN_BYTES = 4 << 20;
/** The FAT starts on a multiple of this (or of the heap alignment, if smaller). */
export const FAT_ALIGN_BYTES = 1 << 20;

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/**
 * Windows' defaults ("Default cluster size for NTFS, FAT, and exFAT", Microsoft support article
 * 140365), which mkfs.exfat also uses (exfatprogs, mkfs/mkfs.c): 4 KiB up to 256 MiB, 32 KiB up
 * to 32 GiB, 128 KiB above.
 */
export function defaultExfatClusterBytes(volumeBytes: number): number {
  if (volumeBytes <= 256 * MiB) return 4096;
  if (volumeBytes <= 32 * GiB) return 32768;
  return 131072;
}

export function clustersFor(bytes: number, clusterBytes: number): number {
  return Math.ceil(bytes / clusterBytes);
}

export interface ExfatGeometry {
  readonly sectorBytes: number;
  readonly clusterBytes: number;
  /** VolumeLength: the volume's size in whole sectors. */
  readonly volumeSectors: number;
  /** Sector of the FAT, counted from the volume start. */
  readonly fatOffsetSectors: number;
  readonly fatLengthSectors: number;
  /** Sector of cluster 2, counted from the volume start. */
  readonly clusterHeapOffsetSectors: number;
  readonly clusterCount: number;
}

export interface ExfatGeometryOptions {
  readonly volumeBytes: number;
  readonly clusterBytes?: number;
  /** The cluster heap starts on a multiple of this on the disk. */
  readonly dataAlignBytes?: number;
  /** Where the volume starts on its disk, so alignment holds for the disk's offsets. */
  readonly partitionStartBytes?: number;
}

const roundUp = (value: number, multiple: number): number => Math.ceil(value / multiple) * multiple;
const isPowerOfTwo = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

/** Byte offset of a cluster from the volume start. */
export function clusterOffsetBytes(geometry: ExfatGeometry, cluster: number): number {
  return (
    geometry.clusterHeapOffsetSectors * geometry.sectorBytes +
    (cluster - FIRST_CLUSTER) * geometry.clusterBytes
  );
}

/** Bytes of one FAT that hold entries: FatEntry[0] to FatEntry[ClusterCount + 1] (§4.1). */
export function fatEntryBytes(clusterCount: number): number {
  return (clusterCount + FIRST_CLUSTER) * FAT_ENTRY_BYTES;
}

/**
 * The FAT starts on the first 1 MiB boundary after the boot regions and the cluster heap on the
 * first `dataAlignBytes` boundary after the FAT, both measured on the disk: with flash erase
 * blocks of a few MiB, every cluster then sits inside one erase block and the FAT never shares
 * one with file data (the reason §3.1.6 and §3.1.8 let both float). The FAT is sized for the
 * clusters that fit behind it; a FAT sized for that upper bound always covers the real count.
 */
export function computeExfatGeometry(options: ExfatGeometryOptions): ExfatGeometry {
  const { volumeBytes } = options;
  const clusterBytes = options.clusterBytes ?? defaultExfatClusterBytes(volumeBytes);
  const dataAlignBytes = options.dataAlignBytes ?? DEFAULT_DATA_ALIGN_BYTES;
  const partitionStartBytes = options.partitionStartBytes ?? 0;
  const sectorBytes = SECTOR_BYTES;
  if (
    !isPowerOfTwo(clusterBytes) ||
    clusterBytes < sectorBytes ||
    clusterBytes > EXFAT_MAX_CLUSTER_BYTES
  ) {
    throw new RangeError(`cluster size ${clusterBytes} is not a power of two from 512 to 32 MiB`);
  }
  if (!Number.isInteger(dataAlignBytes) || dataAlignBytes <= 0 || dataAlignBytes % sectorBytes) {
    throw new RangeError(`heap alignment ${dataAlignBytes} is not a positive multiple of 512`);
  }
  if (!Number.isSafeInteger(partitionStartBytes) || partitionStartBytes % sectorBytes !== 0) {
    throw new RangeError(`partition start ${partitionStartBytes} is not a whole sector`);
  }
  if (!Number.isSafeInteger(volumeBytes) || volumeBytes <= 0) {
    throw new RangeError(`volume size ${volumeBytes} is not a positive integer`);
  }
  if (volumeBytes < EXFAT_MIN_VOLUME_BYTES) {
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `An exFAT volume needs at least 1 MiB; this one is ${volumeBytes} bytes.`,
      shortfall(EXFAT_MIN_VOLUME_BYTES, volumeBytes),
    );
  }
  const volumeSectors = Math.floor(volumeBytes / sectorBytes);
  const clusterSectors = clusterBytes / sectorBytes;
  const startSector = partitionStartBytes / sectorBytes;
  const alignFrom = (sector: number, alignBytes: number): number =>
    roundUp(startSector + sector, alignBytes / sectorBytes) - startSector;
  const fatOffsetSectors = alignFrom(
    MIN_FAT_OFFSET_SECTORS,
    Math.min(FAT_ALIGN_BYTES, dataAlignBytes),
  );
  const fatSectorsFor = (clusters: number): number =>
    Math.ceil(fatEntryBytes(clusters) / sectorBytes);
  const upperBound = Math.max(0, Math.floor((volumeSectors - fatOffsetSectors) / clusterSectors));
  const clusterHeapOffsetSectors = alignFrom(
    fatOffsetSectors + fatSectorsFor(upperBound),
    dataAlignBytes,
  );
  const clusterCount = Math.floor((volumeSectors - clusterHeapOffsetSectors) / clusterSectors);
  const clusterKiB = clusterBytes / 1024;
  // Bitmap, up-case table and root directory need one cluster each at the least (§9.3).
  if (clusterCount < 3) {
    const neededBytes = (clusterHeapOffsetSectors + 3 * clusterSectors) * sectorBytes;
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `A ${volumeBytes}-byte volume leaves no room for an exFAT cluster heap with ${clusterKiB} KiB clusters. Use a bigger partition or smaller clusters.`,
      shortfall(neededBytes, volumeBytes),
    );
  }
  if (clusterCount > EXFAT_MAX_CLUSTERS) {
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `A ${volumeBytes}-byte volume has too many ${clusterKiB} KiB clusters for exFAT (${clusterCount}, at most ${EXFAT_MAX_CLUSTERS}). Use bigger clusters.`,
      shortfall(volumeBytes, EXFAT_MAX_CLUSTERS * clusterBytes),
    );
  }
  if (clusterHeapOffsetSectors > 0xffffffff) {
    throw new RangeError(`the cluster heap at sector ${clusterHeapOffsetSectors} is past 2^32`);
  }
  return {
    sectorBytes,
    clusterBytes,
    volumeSectors,
    fatOffsetSectors,
    // The FAT shrinks to what the real count needs; the heap stays on its boundary.
    fatLengthSectors: fatSectorsFor(clusterCount),
    clusterHeapOffsetSectors,
    clusterCount,
  };
}

/** Bytes of cluster space: what files and directories (in whole clusters) can share. */
export function exfatCapacity(options: ExfatGeometryOptions): number {
  const geometry = computeExfatGeometry(options);
  return geometry.clusterCount * geometry.clusterBytes;
}

/** Bytes of a volume no cluster can use: boot regions, FAT, alignment and the unusable tail. */
export function exfatOverhead(options: ExfatGeometryOptions): number {
  return options.volumeBytes - exfatCapacity(options);
}

/**
 * blkid's UUID of an exFAT volume: the serial as upper-case hex, high 16 bits first
 * ("1C2D-4A3B"), the same form libblkid gives a FAT serial; dracut's root=live:UUID= matches it.
 */
export function formatExfatSerial(serial: number): string {
  return formatFatSerial(serial);
}
