// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Reads an exFAT volume through a ByteSource: boot region (checksummed), FAT, allocation bitmap,
 * up-case table, label, serial, and the directory tree with every file's clusters as runs.
 * Everything the exFAT specification asks implementations to verify before use is verified, and
 * every allocation is checked against the bitmap and against the others, so a plan made from what
 * this returns cannot overwrite a byte another file owns.
 */
import type { ByteSource } from '../byte-source';
import { concatBytes, u32le } from '../bytes';
import { FormatError, checkChecksum } from '../format-error';
import type { ByteRun } from '../fat32/volume-reader';
import {
  BACKUP_BOOT_REGION_SECTOR,
  OFFSET_FIRST_CLUSTER_OF_ROOT,
  VOLUME_FLAG_ACTIVE_FAT,
  decodeBootRegion,
  decodeExfatBootSector,
  type ExfatBootSector,
} from './boot-region';
import {
  ATTR_DIRECTORY,
  ENTRY_SIZE,
  MAX_DIRECTORY_BYTES,
  OFFSET_NAME_HASH,
  OFFSET_TABLE_CHECKSUM,
  nameHash,
  parseExfatDirectory,
  type FreeSlots,
} from './directory';
import {
  BOOT_REGION_SECTORS,
  FAT_ENTRY_BYTES,
  FIRST_CLUSTER,
  clusterOffsetBytes,
  clustersFor,
  fatEntryBytes,
  formatExfatSerial,
  type ExfatGeometry,
} from './geometry';
import { bitmapBytes, FAT_BAD_CLUSTER, FAT_END_OF_CHAIN } from './volume-plan';
import {
  decodeUpcaseTable,
  upcaseName,
  upcaseTableChecksum,
  type UpcaseMapping,
} from './upcase-table';

export type { ByteRun } from '../fat32/volume-reader';

/** Clusters firstCluster … firstCluster + clusters − 1. */
export interface ClusterRun {
  readonly firstCluster: number;
  readonly clusters: number;
}

export interface ExfatNode {
  readonly name: string;
  /** "/LiveOS/squashfs.img"; "/" for the root. */
  readonly path: string;
  readonly isDirectory: boolean;
  readonly attributes: number;
  /** DataLength: a file's size in bytes; a directory's allocation. */
  readonly size: number;
  /** Bytes past this read as zeros whatever the clusters hold (§7.6.5). */
  readonly validDataLength: number;
  /** 0 when nothing is allocated. */
  readonly firstCluster: number;
  /** The allocation is one run the FAT does not describe. */
  readonly noFatChain: boolean;
  /** The allocation in file order, adjacent clusters merged. */
  readonly clusterRuns: readonly ClusterRun[];
  readonly allocatedClusters: number;
  /** The `size` bytes as contiguous pieces relative to the volume, in file order. */
  readonly runs: readonly ByteRun[];
  /** Volume-relative offset of each 32-byte entry of the node's entry set; none for the root. */
  readonly entryOffsets: readonly number[];
  /** The entry set as stored; empty for the root. */
  readonly entrySet: Uint8Array;
  /** Directories: entry slots a new entry set may take, offsets relative to the directory. */
  readonly freeSlots: readonly FreeSlots[];
  readonly children: readonly ExfatNode[];
}

export interface ExfatVolume {
  /** Where the volume starts in the source. */
  readonly volumeOffset: number;
  readonly bootSector: ExfatBootSector;
  readonly geometry: ExfatGeometry;
  /** The backup boot region is valid and describes the same volume (§3.1). */
  readonly backupBootRegionMatches: boolean;
  /** blkid's LABEL: the Volume Label entry; "" for none. */
  readonly label: string;
  readonly serial: number;
  /** blkid's UUID, "XXXX-XXXX". */
  readonly uuid: string;
  readonly volumeGuid: Uint8Array | null;
  /** The volume's own up-case table: names compare and hash through it. */
  readonly upcase: UpcaseMapping;
  /** The active FAT, FatEntry[0] … FatEntry[ClusterCount + 1]. */
  readonly fat: Uint32Array;
  /** Volume-relative byte offset of the active FAT. */
  readonly fatOffsetBytes: number;
  /** The active allocation bitmap as read (DataLength bytes), and where those bytes live. */
  readonly bitmap: Uint8Array;
  readonly bitmapRuns: readonly ByteRun[];
  /** Counted from the bitmap. */
  readonly freeClusters: number;
  readonly root: ExfatNode;
}

const structure = 'exFAT volume';

export function isClusterUsed(bitmap: Uint8Array, cluster: number): boolean {
  const bit = cluster - FIRST_CLUSTER;
  return (bitmap[bit >>> 3]! & (1 << (bit & 7))) !== 0;
}

/** The byte runs (relative to the volume) of the first `bytes` bytes of an allocation. */
export function byteRunsOf(
  geometry: ExfatGeometry,
  clusterRuns: readonly ClusterRun[],
  bytes: number,
): ByteRun[] {
  const runs: { offsetBytes: number; lengthBytes: number }[] = [];
  let remaining = bytes;
  for (const run of clusterRuns) {
    if (remaining <= 0) break;
    const length = Math.min(run.clusters * geometry.clusterBytes, remaining);
    const offsetBytes = clusterOffsetBytes(geometry, run.firstCluster);
    const last = runs[runs.length - 1];
    if (last && last.offsetBytes + last.lengthBytes === offsetBytes) last.lengthBytes += length;
    else runs.push({ offsetBytes, lengthBytes: length });
    remaining -= length;
  }
  return runs;
}

/** Where byte `offset` of something stored in `runs` lives, relative to the volume. */
export function locateInRuns(runs: readonly ByteRun[], offset: number): number {
  let start = 0;
  for (const run of runs) {
    if (offset < start + run.lengthBytes) return run.offsetBytes + (offset - start);
    start += run.lengthBytes;
  }
  throw new RangeError(`offset ${offset} is past the ${start} bytes of these runs`);
}

/** Adds one cluster to runs kept in file order, merging it into the last run when adjacent. */
export function appendCluster(runs: ClusterRun[], cluster: number): void {
  const last = runs[runs.length - 1];
  if (last && last.firstCluster + last.clusters === cluster) {
    runs[runs.length - 1] = { firstCluster: last.firstCluster, clusters: last.clusters + 1 };
  } else {
    runs.push({ firstCluster: cluster, clusters: 1 });
  }
}

/**
 * A FAT chain as runs, stopping at the end-of-chain mark. Chains longer than the volume has
 * clusters loop; a link to a bad, free-looking or out-of-range cluster is corruption.
 */
export function followFatChain(
  fat: Uint32Array,
  fatOffsetBytes: number,
  clusterCount: number,
  first: number,
  what: string,
): ClusterRun[] {
  const runs: ClusterRun[] = [];
  let cluster = first;
  for (let length = 0; ; length++) {
    if (cluster < FIRST_CLUSTER || cluster > clusterCount + 1) {
      throw new FormatError(
        'exFAT cluster chain',
        fatOffsetBytes + Math.min(cluster, clusterCount + 1) * FAT_ENTRY_BYTES,
        `${what}: cluster ${cluster} is outside 2..${clusterCount + 1}`,
      );
    }
    if (length >= clusterCount) {
      throw new FormatError(
        'exFAT cluster chain',
        fatOffsetBytes + cluster * FAT_ENTRY_BYTES,
        `${what}: the chain is longer than the volume (a loop)`,
      );
    }
    appendCluster(runs, cluster);
    const next = fat[cluster]!;
    if (next === FAT_END_OF_CHAIN) return runs;
    if (next === FAT_BAD_CLUSTER) {
      throw new FormatError(
        'exFAT cluster chain',
        fatOffsetBytes + cluster * FAT_ENTRY_BYTES,
        `${what}: the chain runs into a bad cluster`,
      );
    }
    cluster = next;
  }
}

async function readRuns(
  source: ByteSource,
  base: number,
  runs: readonly ByteRun[],
): Promise<Uint8Array> {
  const parts = await Promise.all(
    runs.map((run) => source.read(base + run.offsetBytes, run.lengthBytes)),
  );
  return parts.length === 1 ? parts[0]!.slice() : concatBytes(parts);
}

function sameParameters(a: ExfatBootSector, b: ExfatBootSector): boolean {
  // VolumeFlags and PercentInUse of the backup are stale by definition (§3.1).
  return (Object.keys(a) as (keyof ExfatBootSector)[]).every(
    (field) => field === 'volumeFlags' || field === 'percentInUse' || a[field] === b[field],
  );
}

export async function readExfatVolume(source: ByteSource, volumeOffset = 0): Promise<ExfatVolume> {
  const first = decodeExfatBootSector(await source.read(volumeOffset, 512));
  const sectorBytes = 2 ** first.bytesPerSectorShift;
  const regionBytes = BOOT_REGION_SECTORS * sectorBytes;
  const { boot } = decodeBootRegion(await source.read(volumeOffset, regionBytes));
  let backupBootRegionMatches = false;
  try {
    const backup = decodeBootRegion(
      await source.read(volumeOffset + BACKUP_BOOT_REGION_SECTOR * sectorBytes, regionBytes),
    );
    backupBootRegionMatches = sameParameters(boot, backup.boot);
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
  }
  const clusterBytes = sectorBytes * 2 ** boot.sectorsPerClusterShift;
  const { clusterCount } = boot;
  if (volumeOffset + boot.volumeSectors * sectorBytes > source.size) {
    throw new FormatError(
      'exFAT boot sector',
      72,
      `${boot.volumeSectors} sectors run past the end of the ${source.size}-byte source`,
    );
  }
  const geometry: ExfatGeometry = {
    sectorBytes,
    clusterBytes,
    volumeSectors: boot.volumeSectors,
    fatOffsetSectors: boot.fatOffsetSectors,
    fatLengthSectors: boot.fatLengthSectors,
    clusterHeapOffsetSectors: boot.clusterHeapOffsetSectors,
    clusterCount,
  };

  // Only the active FAT and bitmap are current (§3.1.13.1).
  const activeFat = boot.volumeFlags & VOLUME_FLAG_ACTIVE_FAT ? 1 : 0;
  const fatOffsetBytes = (boot.fatOffsetSectors + activeFat * boot.fatLengthSectors) * sectorBytes;
  const fatBytes = await source.read(volumeOffset + fatOffsetBytes, fatEntryBytes(clusterCount));
  const fat = new Uint32Array(clusterCount + FIRST_CLUSTER);
  for (let i = 0; i < fat.length; i++) fat[i] = u32le(fatBytes, i * FAT_ENTRY_BYTES);
  const chain = (firstCluster: number, what: string): ClusterRun[] =>
    followFatChain(fat, fatOffsetBytes, clusterCount, firstCluster, what);

  const rootRuns = chain(boot.rootCluster, 'root directory');
  const rootClusters = rootRuns.reduce((sum, run) => sum + run.clusters, 0);
  if (rootClusters * clusterBytes > MAX_DIRECTORY_BYTES) {
    throw new FormatError(
      'exFAT boot sector',
      OFFSET_FIRST_CLUSTER_OF_ROOT,
      `the root directory's chain has ${rootClusters} clusters, more than 256 MiB`,
    );
  }
  const rootByteRuns = byteRunsOf(geometry, rootRuns, rootClusters * clusterBytes);
  const rootBytes = await readRuns(source, volumeOffset, rootByteRuns);
  const rootParsed = parseExfatDirectory(rootBytes, { isRoot: true, path: '/' });

  const bitmaps = rootParsed.allocationBitmaps;
  if (
    bitmaps.length !== boot.numberOfFats ||
    new Set(bitmaps.map((b) => b.index)).size !== bitmaps.length
  ) {
    throw new FormatError(
      structure,
      locateInRuns(rootByteRuns, 0),
      `${bitmaps.length} allocation bitmap entries for ${boot.numberOfFats} FAT(s) (§7.1)`,
    );
  }
  if (rootParsed.upcaseTables.length !== 1) {
    throw new FormatError(
      structure,
      locateInRuns(rootByteRuns, 0),
      `${rootParsed.upcaseTables.length} up-case table entries, exactly one is valid (§7.2)`,
    );
  }
  const bitmapEntry = bitmaps.find((b) => b.index === activeFat)!;
  if (bitmapEntry.dataLength < bitmapBytes(clusterCount)) {
    throw new FormatError(
      'exFAT allocation bitmap entry',
      locateInRuns(rootByteRuns, bitmapEntry.entryOffset),
      `${bitmapEntry.dataLength} bytes cannot map ${clusterCount} clusters`,
    );
  }
  const bitmapClusters = chain(bitmapEntry.firstCluster, 'allocation bitmap');
  const bitmapRuns = byteRunsOf(geometry, bitmapClusters, bitmapEntry.dataLength);
  checkAllocationLength(
    bitmapClusters,
    bitmapEntry.dataLength,
    clusterBytes,
    'allocation bitmap',
    locateInRuns(rootByteRuns, bitmapEntry.entryOffset),
  );
  const bitmap = await readRuns(source, volumeOffset, bitmapRuns);

  const upcaseEntry = rootParsed.upcaseTables[0]!;
  const upcaseClusters = chain(upcaseEntry.firstCluster, 'up-case table');
  const upcaseRuns = byteRunsOf(geometry, upcaseClusters, upcaseEntry.dataLength);
  checkAllocationLength(
    upcaseClusters,
    upcaseEntry.dataLength,
    clusterBytes,
    'up-case table',
    locateInRuns(rootByteRuns, upcaseEntry.entryOffset),
  );
  const upcaseBytes = await readRuns(source, volumeOffset, upcaseRuns);
  checkChecksum(
    'exFAT up-case table entry',
    locateInRuns(rootByteRuns, upcaseEntry.entryOffset) + OFFSET_TABLE_CHECKSUM,
    upcaseEntry.checksum,
    upcaseTableChecksum(upcaseBytes),
    'TableChecksum',
  );
  const upcase = decodeUpcaseTable(upcaseBytes);

  const claimed = new Uint8Array(Math.ceil((clusterCount + FIRST_CLUSTER) / 8));
  const claim = (runs: readonly ClusterRun[], what: string, entryOffset: number): void => {
    for (const run of runs) {
      for (let cluster = run.firstCluster; cluster < run.firstCluster + run.clusters; cluster++) {
        if (claimed[cluster >>> 3]! & (1 << (cluster & 7))) {
          throw new FormatError(
            structure,
            entryOffset,
            `${what}: cluster ${cluster} is used twice (a cross-link)`,
          );
        }
        claimed[cluster >>> 3]! |= 1 << (cluster & 7);
        if (!isClusterUsed(bitmap, cluster)) {
          throw new FormatError(
            'exFAT allocation bitmap',
            locateInRuns(bitmapRuns, (cluster - FIRST_CLUSTER) >>> 3),
            `${what}: cluster ${cluster} is in use but marked free`,
          );
        }
      }
    }
  };
  claim(bitmapClusters, 'allocation bitmap', 0);
  claim(upcaseClusters, 'up-case table', 0);
  claim(rootRuns, 'root directory', 0);

  const readDirectory = async (
    dirPath: string,
    parsed: ReturnType<typeof parseExfatDirectory>,
    dirByteRuns: readonly ByteRun[],
  ): Promise<ExfatNode[]> => {
    const nodes: ExfatNode[] = [];
    const seen = new Set<string>();
    for (const record of parsed.files) {
      const path = `${dirPath === '/' ? '' : dirPath}/${record.name}`;
      const entryOffsets = Array.from({ length: record.entrySet.length / ENTRY_SIZE }, (_, i) =>
        locateInRuns(dirByteRuns, record.entryOffset + i * ENTRY_SIZE),
      );
      const streamOffset = entryOffsets[1]!;
      const upcased = upcaseName(record.name, upcase);
      const computedHash = nameHash(upcased);
      if (computedHash !== record.nameHash) {
        throw new FormatError(
          'exFAT stream extension entry',
          streamOffset + OFFSET_NAME_HASH,
          `${path}: NameHash 0x${record.nameHash.toString(16)}, computed 0x${computedHash.toString(16)}`,
        );
      }
      if (seen.has(upcased)) {
        throw new FormatError(
          structure,
          entryOffsets[0]!,
          `${path}: a second entry with this name (§7.7)`,
        );
      }
      seen.add(upcased);
      let clusterRuns: ClusterRun[] = [];
      if (record.firstCluster !== 0) {
        if (record.noFatChain) {
          const clusters = clustersFor(record.dataLength, clusterBytes);
          if (record.firstCluster + clusters - 1 > clusterCount + 1) {
            throw new FormatError(
              'exFAT stream extension entry',
              streamOffset,
              `${path}: ${clusters} clusters from ${record.firstCluster} run past cluster ${clusterCount + 1}`,
            );
          }
          clusterRuns = [{ firstCluster: record.firstCluster, clusters }];
        } else {
          clusterRuns = chain(record.firstCluster, path);
        }
      }
      const allocatedClusters = clusterRuns.reduce((sum, run) => sum + run.clusters, 0);
      const runs = byteRunsOf(geometry, clusterRuns, record.dataLength);
      checkAllocationLength(clusterRuns, record.dataLength, clusterBytes, path, streamOffset);
      if (record.isDirectory && record.dataLength % clusterBytes !== 0) {
        throw new FormatError(
          'exFAT stream extension entry',
          streamOffset,
          `${path}: a directory of ${record.dataLength} bytes, not whole clusters`,
        );
      }
      claim(clusterRuns, path, streamOffset);
      let children: ExfatNode[] = [];
      let freeSlots: FreeSlots[] = [];
      if (record.isDirectory) {
        const bytes = await readRuns(source, volumeOffset, runs);
        const subParsed = parseExfatDirectory(bytes, { isRoot: false, path });
        children = await readDirectory(path, subParsed, runs);
        freeSlots = subParsed.freeSlots;
      }
      nodes.push({
        name: record.name,
        path,
        isDirectory: record.isDirectory,
        attributes: record.attributes,
        size: record.dataLength,
        validDataLength: record.validDataLength,
        firstCluster: record.firstCluster,
        noFatChain: record.noFatChain,
        clusterRuns,
        allocatedClusters,
        runs,
        entryOffsets,
        entrySet: record.entrySet,
        freeSlots,
        children,
      });
    }
    return nodes;
  };
  const rootChildren = await readDirectory('/', rootParsed, rootByteRuns);
  const rootSize = rootClusters * clusterBytes;
  const root: ExfatNode = {
    name: '',
    path: '/',
    isDirectory: true,
    attributes: ATTR_DIRECTORY,
    size: rootSize,
    validDataLength: rootSize,
    firstCluster: boot.rootCluster,
    noFatChain: false,
    clusterRuns: rootRuns,
    allocatedClusters: rootClusters,
    runs: rootByteRuns,
    entryOffsets: [],
    entrySet: new Uint8Array(0),
    freeSlots: rootParsed.freeSlots,
    children: rootChildren,
  };

  let usedClusters = 0;
  for (let bit = 0; bit < clusterCount; bit++) {
    if (bitmap[bit >>> 3]! & (1 << (bit & 7))) usedClusters++;
  }
  return {
    volumeOffset,
    bootSector: boot,
    geometry,
    backupBootRegionMatches,
    label: rootParsed.volumeLabel ?? '',
    serial: boot.serial,
    uuid: formatExfatSerial(boot.serial),
    volumeGuid: rootParsed.volumeGuid,
    upcase,
    fat,
    fatOffsetBytes,
    bitmap,
    bitmapRuns,
    freeClusters: clusterCount - usedClusters,
    root,
  };
}

/** §6.3.4.2, §7.6.7: an allocation holds exactly the clusters its DataLength needs. */
function checkAllocationLength(
  runs: readonly ClusterRun[],
  dataLength: number,
  clusterBytes: number,
  what: string,
  entryOffset: number,
): void {
  const clusters = runs.reduce((sum, run) => sum + run.clusters, 0);
  if (clusters !== clustersFor(dataLength, clusterBytes)) {
    throw new FormatError(
      structure,
      entryOffset,
      `${what} is ${dataLength} bytes but has ${clusters} clusters of ${clusterBytes}`,
    );
  }
}

/** Looks a path up the way exFAT does: case-insensitively, through the volume's up-case table. */
export function findExfatFile(volume: ExfatVolume, path: string): ExfatNode | undefined {
  let node: ExfatNode | undefined = volume.root;
  for (const part of path.split('/').filter((p) => p.length > 0)) {
    const wanted = upcaseName(part, volume.upcase);
    node = node.children.find((child) => upcaseName(child.name, volume.upcase) === wanted);
    if (!node) return undefined;
  }
  return node;
}

/** Every node below the root, depth first, parents before children. */
export function walkExfatVolume(volume: ExfatVolume): ExfatNode[] {
  const out: ExfatNode[] = [];
  const visit = (node: ExfatNode): void => {
    for (const child of node.children) {
      out.push(child);
      visit(child);
    }
  };
  visit(volume.root);
  return out;
}

/** Reads `length` bytes of a file from `offset`; bytes past ValidDataLength read as zeros. */
export async function readExfatFile(
  source: ByteSource,
  volume: ExfatVolume,
  node: ExfatNode,
  offset = 0,
  length = node.size - offset,
): Promise<Uint8Array> {
  if (offset < 0 || length < 0 || offset + length > node.size) {
    throw new RangeError(
      `read of ${length} bytes at ${offset} is outside ${node.path} (${node.size} bytes)`,
    );
  }
  const out = new Uint8Array(length);
  const validEnd = Math.min(offset + length, node.validDataLength);
  let fileOffset = 0;
  for (const run of node.runs) {
    const from = Math.max(offset, fileOffset);
    const to = Math.min(validEnd, fileOffset + run.lengthBytes);
    if (from < to) {
      const bytes = await source.read(
        volume.volumeOffset + run.offsetBytes + (from - fileOffset),
        to - from,
      );
      out.set(bytes, from - offset);
    }
    fileOffset += run.lengthBytes;
    if (fileOffset >= validEnd) break;
  }
  return out;
}
