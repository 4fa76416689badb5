// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * FAT32 geometry: cluster size, FAT size and an aligned data region for a volume size, plus the
 * arithmetic the sizing planner shares with the volume planner so both agree to the cluster.
 */
import { LiveStickError, shortfall } from '../../shared/errors';
import { SECTOR_BYTES } from '../sector';

export const FAT_COUNT = 2;
/** fatgen103: fewer clusters than this and every driver takes the volume for FAT16. */
export const FAT32_MIN_CLUSTERS = 65525;
/** dosfstools' limit, a little under the format's 0x0FFFFFF5 so fsck.fat accepts it too. */
export const FAT32_MAX_CLUSTERS = 0x0ffffff0;
/** The boot sector's 32-bit sector count. */
export const FAT32_MAX_VOLUME_BYTES = 0xffffffff * SECTOR_BYTES;
/** Boot sector, FSInfo, and the backup pair at sectors 6 and 7 need at least this much. */
export const MIN_RESERVED_SECTORS = 32;
export const BACKUP_BOOT_SECTOR = 6;
export const FSINFO_SECTOR = 1;
export const ROOT_CLUSTER = 2;
export const FIRST_DATA_CLUSTER = 2;
export const FAT_ENTRY_BYTES = 4;
export const DEFAULT_DATA_ALIGN_BYTES = 4 << 20;

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/**
 * mkfs.fat's and Windows' table: 512 B below 260 MiB (so small volumes still reach the FAT32
 * minimum cluster count), 4 KiB to 8 GiB, 8 KiB to 16 GiB, 16 KiB to 32 GiB, then 32 KiB.
 */
export function defaultClusterBytes(volumeBytes: number): number {
  if (volumeBytes < 260 * MiB) return 512;
  if (volumeBytes <= 8 * GiB) return 4096;
  if (volumeBytes <= 16 * GiB) return 8192;
  if (volumeBytes <= 32 * GiB) return 16384;
  return 32768;
}

export function clustersFor(bytes: number, clusterBytes: number): number {
  return Math.ceil(bytes / clusterBytes);
}

export interface Fat32Geometry {
  readonly sectorBytes: number;
  readonly clusterBytes: number;
  readonly reservedSectors: number;
  /** Sectors of one FAT; there are FAT_COUNT of them. */
  readonly fatSectors: number;
  /** Byte offset of cluster 2 from the volume start. */
  readonly dataStartBytes: number;
  readonly clusterCount: number;
  readonly totalSectors: number;
}

export interface GeometryOptions {
  readonly volumeBytes: number;
  readonly clusterBytes?: number;
  readonly dataAlignBytes?: number;
}

const roundUp = (value: number, multiple: number): number => Math.ceil(value / multiple) * multiple;

/**
 * Reserved sectors are padded so the data region starts on a `dataAlignBytes` boundary of the
 * volume: with the partition itself aligned, every cluster then sits on flash-erase-block
 * friendly offsets. The FAT is sized for the clusters that remain, which may shrink the FAT and
 * so free room for more clusters; we iterate to the fixed point.
 */
export function computeFat32Geometry(options: GeometryOptions): Fat32Geometry {
  const { volumeBytes } = options;
  const clusterBytes = options.clusterBytes ?? defaultClusterBytes(volumeBytes);
  const dataAlignBytes = options.dataAlignBytes ?? DEFAULT_DATA_ALIGN_BYTES;
  if (
    !Number.isInteger(clusterBytes) ||
    clusterBytes < SECTOR_BYTES ||
    clusterBytes > 65536 ||
    (clusterBytes & (clusterBytes - 1)) !== 0
  ) {
    throw new RangeError(
      `cluster size ${clusterBytes} is not a power of two between 512 and 65536`,
    );
  }
  if (
    !Number.isInteger(dataAlignBytes) ||
    dataAlignBytes <= 0 ||
    dataAlignBytes % SECTOR_BYTES !== 0
  ) {
    throw new RangeError(
      `data alignment ${dataAlignBytes} is not a positive multiple of ${SECTOR_BYTES}`,
    );
  }
  if (!Number.isSafeInteger(volumeBytes) || volumeBytes <= 0) {
    throw new RangeError(`volume size ${volumeBytes} is not a positive integer`);
  }
  if (volumeBytes > FAT32_MAX_VOLUME_BYTES) {
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `FAT32 volumes end at 2 TiB (32-bit sector count); this one is ${volumeBytes} bytes. Use a smaller partition.`,
      shortfall(volumeBytes, FAT32_MAX_VOLUME_BYTES),
    );
  }
  const totalSectors = Math.floor(volumeBytes / SECTOR_BYTES);
  const clusterSectors = clusterBytes / SECTOR_BYTES;
  const alignSectors = dataAlignBytes / SECTOR_BYTES;
  const fatSectorsFor = (clusters: number): number =>
    Math.ceil(((clusters + FIRST_DATA_CLUSTER) * FAT_ENTRY_BYTES) / SECTOR_BYTES);

  const layout = (fatSectors: number) => {
    const dataStartSectors = roundUp(MIN_RESERVED_SECTORS + FAT_COUNT * fatSectors, alignSectors);
    const clusterCount = Math.floor((totalSectors - dataStartSectors) / clusterSectors);
    return { fatSectors, dataStartSectors, clusterCount };
  };
  // Sized for an upper bound of the cluster count, the first FAT always covers every cluster.
  let best = layout(
    fatSectorsFor(Math.max(0, Math.floor((totalSectors - MIN_RESERVED_SECTORS) / clusterSectors))),
  );
  for (;;) {
    const next = layout(fatSectorsFor(Math.max(0, best.clusterCount)));
    if (next.fatSectors >= best.fatSectors || fatSectorsFor(next.clusterCount) > next.fatSectors)
      break;
    best = next;
  }
  const { dataStartSectors, clusterCount } = best;
  // Where moving the data region is not worth an alignment step, the FAT still shrinks to what
  // the clusters need and the reserved area takes the slack: fewer FAT sectors to write.
  const fatSectors = fatSectorsFor(Math.max(0, clusterCount));
  const reservedSectors = dataStartSectors - FAT_COUNT * fatSectors;
  const clusterKiB = clusterBytes / 1024;
  if (clusterCount < FAT32_MIN_CLUSTERS) {
    const neededBytes = (dataStartSectors + FAT32_MIN_CLUSTERS * clusterSectors) * SECTOR_BYTES;
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `A ${volumeBytes}-byte volume is too small for FAT32 with ${clusterKiB} KiB clusters: it holds ${Math.max(0, clusterCount)} clusters and FAT32 needs at least ${FAT32_MIN_CLUSTERS}. Use a bigger partition or smaller clusters.`,
      shortfall(neededBytes, volumeBytes),
    );
  }
  if (clusterCount > FAT32_MAX_CLUSTERS) {
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `A ${volumeBytes}-byte volume has too many ${clusterKiB} KiB clusters for FAT32 (${clusterCount}, at most ${FAT32_MAX_CLUSTERS}). Use bigger clusters.`,
      shortfall(volumeBytes, FAT32_MAX_CLUSTERS * clusterBytes),
    );
  }
  if (reservedSectors > 0xffff) {
    throw new RangeError(
      `data alignment ${dataAlignBytes} needs ${reservedSectors} reserved sectors, more than the 16-bit field holds`,
    );
  }
  return {
    sectorBytes: SECTOR_BYTES,
    clusterBytes,
    reservedSectors,
    fatSectors,
    dataStartBytes: dataStartSectors * SECTOR_BYTES,
    clusterCount,
    totalSectors,
  };
}

/** Bytes of a volume that no file can use: reserved area, FATs, alignment and the unusable tail. */
export function fat32Overhead(
  volumeBytes: number,
  clusterBytes?: number,
  dataAlignBytes?: number,
): number {
  const geometry = computeFat32Geometry({ volumeBytes, clusterBytes, dataAlignBytes });
  return volumeBytes - geometry.clusterCount * geometry.clusterBytes;
}

/** Bytes of cluster space: what files and directories (in whole clusters) can share. */
export function fat32Capacity(
  volumeBytes: number,
  clusterBytes?: number,
  dataAlignBytes?: number,
): number {
  const geometry = computeFat32Geometry({ volumeBytes, clusterBytes, dataAlignBytes });
  return geometry.clusterCount * geometry.clusterBytes;
}

/** blkid's UUID of a FAT volume: the serial as upper-case hex, high 16 bits first ("1C2D-4A3B"). */
export function formatFatSerial(serial: number): string {
  const hex = (serial >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `${hex.slice(0, 4)}-${hex.slice(4)}`;
}
