// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The small in-place FAT32 edit maintenance needs: resizing one file (its cluster chain, its
 * directory entry, the FSInfo counts), planned as extents over a volume as read, without
 * writing anything.
 */
import { LiveStickError, shortfall } from '../../shared/errors';
import { setU16le, setU32le, u32le } from '../bytes';
import { bytesExtent, sortAndCheckExtents, type Extent } from '../extent';
import { FSINFO_OFFSET_FREE_COUNT, FSINFO_UNKNOWN } from '../fat32/boot-sector';
import { ENTRY_CLUSTER_HIGH, ENTRY_CLUSTER_LOW, ENTRY_FILE_SIZE } from '../fat32/directory';
import { FAT_ENTRY_BYTES, FIRST_DATA_CLUSTER, clustersFor } from '../fat32/geometry';
import { FAT_END_OF_CHAIN, FAT32_MAX_FILE_BYTES } from '../fat32/volume-plan';
import {
  FAT_ENTRY_MASK,
  clusterRuns,
  type ByteRun,
  type Fat32Volume,
  type FatNode,
} from '../fat32/volume-reader';

export interface FileResizePlan {
  /** Relative to the volume start: the directory entry, the touched FAT sectors (every FAT), FSInfo. */
  readonly extents: Extent[];
  readonly firstCluster: number;
  /** The file's runs at its new size; bytes past the old size hold whatever the clusters held. */
  readonly runs: ByteRun[];
  /** Clusters newly linked to the file, in order (their contents are the caller's business). */
  readonly addedClusters: number[];
}

/**
 * Plans growing or shrinking a file in place. Growth first takes the clusters right after the
 * file's last one, so a file that was contiguous stays contiguous when the space behind it is
 * free; otherwise free clusters from the start of the volume. Nothing is written; re-read the
 * volume after applying the extents.
 */
export function planFileResize(
  volume: Fat32Volume,
  node: FatNode,
  newSize: number,
): FileResizePlan {
  if (node.isDirectory) throw new RangeError(`${node.path} is a directory`);
  if (!Number.isSafeInteger(newSize) || newSize < 0 || newSize > FAT32_MAX_FILE_BYTES) {
    throw new RangeError(`new size ${newSize} of ${node.path} is not a FAT32 file size`);
  }
  const { geometry, bootSector } = volume;
  const fat = volume.fat.slice();
  const touched = new Set<number>();
  const set = (cluster: number, value: number): void => {
    fat[cluster] = value;
    touched.add(cluster);
  };
  const wanted = clustersFor(newSize, geometry.clusterBytes);
  const clusters = [...node.clusters];
  const addedClusters: number[] = [];
  if (wanted < clusters.length) {
    for (const cluster of clusters.splice(wanted)) set(cluster, 0);
    if (clusters.length > 0) set(clusters[clusters.length - 1]!, FAT_END_OF_CHAIN);
  } else if (wanted > clusters.length) {
    const needed = wanted - clusters.length;
    const last = clusters[clusters.length - 1];
    const limit = geometry.clusterCount + FIRST_DATA_CLUSTER;
    const candidates = function* (): Generator<number> {
      if (last !== undefined) for (let c = last + 1; c < limit && fat[c] === 0; c++) yield c;
      for (let c = FIRST_DATA_CLUSTER; c < limit; c++) if (fat[c] === 0) yield c;
    };
    const chosen = new Set<number>();
    for (const cluster of candidates()) {
      if (chosen.size === needed) break;
      chosen.add(cluster);
    }
    if (chosen.size < needed) {
      const { clusterBytes } = geometry;
      throw new LiveStickError(
        'DOES_NOT_FIT',
        `Growing ${node.path} to ${newSize} bytes needs ${needed * clusterBytes} more bytes; the volume has ${chosen.size * clusterBytes} free.`,
        shortfall(needed * clusterBytes, chosen.size * clusterBytes),
      );
    }
    for (const cluster of chosen) {
      if (clusters.length > 0) set(clusters[clusters.length - 1]!, cluster);
      clusters.push(cluster);
      addedClusters.push(cluster);
      set(cluster, FAT_END_OF_CHAIN);
    }
  }
  const firstCluster = clusters[0] ?? 0;
  const extents: Extent[] = [];

  // Only the first-cluster fields and the size change in the short entry.
  const high = new Uint8Array(2);
  setU16le(high, 0, firstCluster >>> 16);
  extents.push(
    bytesExtent(node.entryOffsetBytes + ENTRY_CLUSTER_HIGH, high, `${node.path} entry: cluster`),
  );
  const lowAndSize = new Uint8Array(6);
  setU16le(lowAndSize, 0, firstCluster & 0xffff);
  setU32le(lowAndSize, ENTRY_FILE_SIZE - ENTRY_CLUSTER_LOW, newSize);
  extents.push(
    bytesExtent(
      node.entryOffsetBytes + ENTRY_CLUSTER_LOW,
      lowAndSize,
      `${node.path} entry: cluster, size`,
    ),
  );

  // Whole FAT sectors, in every FAT copy: the bytes as read with the touched entries patched,
  // keeping each entry's reserved top 4 bits as fatgen103 asks.
  const sectorBytes = geometry.sectorBytes;
  const entriesPerSector = sectorBytes / FAT_ENTRY_BYTES;
  const sectors = [...new Set([...touched].map((c) => Math.floor(c / entriesPerSector)))].sort(
    (a, b) => a - b,
  );
  for (const sector of sectors) {
    const bytes = volume.fatBytes.slice(sector * sectorBytes, (sector + 1) * sectorBytes);
    for (const cluster of touched) {
      if (Math.floor(cluster / entriesPerSector) !== sector) continue;
      const at = (cluster % entriesPerSector) * FAT_ENTRY_BYTES;
      setU32le(bytes, at, ((u32le(bytes, at) & ~FAT_ENTRY_MASK) | fat[cluster]!) >>> 0);
    }
    for (let copy = 0; copy < bootSector.fatCount; copy++) {
      const offset = (geometry.reservedSectors + copy * geometry.fatSectors + sector) * sectorBytes;
      extents.push(bytesExtent(offset, bytes, `FAT #${copy + 1} sector ${sector}`));
    }
  }

  let nextFree = FSINFO_UNKNOWN;
  const searchFrom = (addedClusters[addedClusters.length - 1] ?? FIRST_DATA_CLUSTER - 1) + 1;
  for (let c = searchFrom; c < fat.length; c++) {
    if (fat[c] === 0) {
      nextFree = c;
      break;
    }
  }
  const counts = new Uint8Array(8);
  setU32le(counts, 0, volume.freeClusters + node.clusters.length - clusters.length);
  setU32le(counts, 4, nextFree);
  extents.push(
    bytesExtent(
      bootSector.fsInfoSector * sectorBytes + FSINFO_OFFSET_FREE_COUNT,
      counts,
      'FAT32 FSInfo counts',
    ),
  );
  return {
    extents: sortAndCheckExtents(extents),
    firstCluster,
    runs: clusterRuns(clusters, geometry, newSize),
    addedClusters,
  };
}
