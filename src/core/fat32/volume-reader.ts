// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Reads a FAT32 volume through a ByteSource: geometry, label, serial, the directory tree with
 * long names, every file's cluster chain as byte runs, and the free-cluster count.
 */
import type { ByteSource } from '../byte-source';
import { u32le } from '../bytes';
import { FormatError } from '../format-error';
import {
  NO_NAME_LABEL,
  decodeFat32BootSector,
  decodeFsInfo,
  type Fat32BootSector,
  type FsInfo,
} from './boot-sector';
import { ATTR_DIRECTORY, DIR_ENTRY_SIZE, parseDirectory } from './directory';
import {
  FAT32_MIN_CLUSTERS,
  FAT_ENTRY_BYTES,
  FIRST_DATA_CLUSTER,
  clustersFor,
  formatFatSerial,
  type Fat32Geometry,
} from './geometry';

/** The 28 bits of a FAT32 entry that hold the cluster; the top 4 are reserved. */
export const FAT_ENTRY_MASK = 0x0fffffff;
const BAD_CLUSTER = 0x0ffffff7;
const FIRST_END_OF_CHAIN = 0x0ffffff8;
/** No directory is this big (65536 entries); a longer chain is a loop or corruption. */
const MAX_DIRECTORY_BYTES = 65536 * DIR_ENTRY_SIZE;

/** A contiguous piece of a file, relative to the volume start. */
export interface ByteRun {
  readonly offsetBytes: number;
  readonly lengthBytes: number;
}

export interface FatNode {
  readonly name: string;
  readonly shortName: string;
  /** "/LiveOS/squashfs.img"; "/" for the root. */
  readonly path: string;
  readonly isDirectory: boolean;
  readonly attributes: number;
  /** 0 for directories. */
  readonly size: number;
  readonly firstCluster: number;
  /** The chain's clusters, merged into contiguous runs, in file order. */
  readonly clusters: readonly number[];
  readonly runs: readonly ByteRun[];
  /** Volume-relative offset of the 32-byte short entry; -1 for the root. */
  readonly entryOffsetBytes: number;
  readonly children: readonly FatNode[];
}

export interface Fat32Volume {
  /** Where the volume starts in the source. */
  readonly volumeOffset: number;
  readonly bootSector: Fat32BootSector;
  readonly geometry: Fat32Geometry;
  /** blkid's LABEL: the root volume-label entry, else the boot sector's; "" for none. */
  readonly label: string;
  readonly serial: number;
  /** blkid's UUID, "XXXX-XXXX". */
  readonly uuid: string;
  readonly fsInfo: FsInfo;
  /** Counted from the FAT, whatever FSInfo claims. */
  readonly freeClusters: number;
  /** The active FAT, one entry per cluster, masked to its 28 bits. */
  readonly fat: Uint32Array;
  /** The same FAT as read, for rewriting sectors of it with their reserved bits intact. */
  readonly fatBytes: Uint8Array;
  readonly root: FatNode;
}

/** A file's clusters as byte runs of the volume, merged where they touch, cut at `size`. */
export function clusterRuns(
  clusters: readonly number[],
  geometry: Fat32Geometry,
  size: number,
): ByteRun[] {
  const runs: { offsetBytes: number; lengthBytes: number }[] = [];
  const { clusterBytes, dataStartBytes } = geometry;
  let remaining = size;
  for (const cluster of clusters) {
    const length = Math.min(clusterBytes, remaining);
    if (length <= 0) break;
    remaining -= length;
    const offset = dataStartBytes + (cluster - FIRST_DATA_CLUSTER) * clusterBytes;
    const last = runs[runs.length - 1];
    if (last && last.offsetBytes + last.lengthBytes === offset) last.lengthBytes += length;
    else runs.push({ offsetBytes: offset, lengthBytes: length });
  }
  return runs;
}

function followChain(
  fat: Uint32Array,
  first: number,
  clusterCount: number,
  what: string,
  claimed: Uint8Array,
): number[] {
  const chain: number[] = [];
  let cluster = first;
  while (cluster < FIRST_END_OF_CHAIN) {
    if (cluster < FIRST_DATA_CLUSTER || cluster >= clusterCount + FIRST_DATA_CLUSTER) {
      throw new FormatError(
        'FAT32 cluster chain',
        cluster * FAT_ENTRY_BYTES,
        `${what}: cluster ${cluster} is outside 2..${clusterCount + 1}`,
      );
    }
    if (claimed[cluster]) {
      throw new FormatError(
        'FAT32 cluster chain',
        cluster * FAT_ENTRY_BYTES,
        `${what}: cluster ${cluster} is used twice (a loop or a cross-link)`,
      );
    }
    claimed[cluster] = 1;
    chain.push(cluster);
    const value = fat[cluster]!;
    if (value === 0 || value === BAD_CLUSTER) {
      throw new FormatError(
        'FAT32 cluster chain',
        cluster * FAT_ENTRY_BYTES,
        `${what}: chain runs into a ${value === 0 ? 'free' : 'bad'} cluster`,
      );
    }
    cluster = value;
  }
  return chain;
}

export async function readFat32Volume(source: ByteSource, volumeOffset = 0): Promise<Fat32Volume> {
  const bootSector = decodeFat32BootSector(await source.read(volumeOffset, 512));
  const { bytesPerSector, sectorsPerCluster, reservedSectors, fatCount, fatSectors, totalSectors } =
    bootSector;
  const clusterBytes = bytesPerSector * sectorsPerCluster;
  const dataStartBytes = (reservedSectors + fatCount * fatSectors) * bytesPerSector;
  const clusterCount = Math.floor((totalSectors * bytesPerSector - dataStartBytes) / clusterBytes);
  if (clusterCount < FAT32_MIN_CLUSTERS) {
    throw new FormatError(
      'FAT32 boot sector',
      13,
      `${clusterCount} clusters: this is FAT12/16, not FAT32`,
    );
  }
  if (fatSectors * bytesPerSector < (clusterCount + FIRST_DATA_CLUSTER) * FAT_ENTRY_BYTES) {
    throw new FormatError(
      'FAT32 boot sector',
      36,
      `a ${fatSectors}-sector FAT cannot map ${clusterCount} clusters`,
    );
  }
  if (
    bootSector.rootCluster < FIRST_DATA_CLUSTER ||
    bootSector.rootCluster >= clusterCount + FIRST_DATA_CLUSTER
  ) {
    throw new FormatError('FAT32 boot sector', 44, `root cluster ${bootSector.rootCluster}`);
  }
  if (volumeOffset + totalSectors * bytesPerSector > source.size) {
    throw new FormatError(
      'FAT32 boot sector',
      32,
      `${totalSectors} sectors run past the end of the ${source.size}-byte source`,
    );
  }
  const geometry: Fat32Geometry = {
    sectorBytes: bytesPerSector,
    clusterBytes,
    reservedSectors,
    fatSectors,
    dataStartBytes,
    clusterCount,
    totalSectors,
  };
  const fsInfo = decodeFsInfo(
    await source.read(volumeOffset + bootSector.fsInfoSector * bytesPerSector, 512),
  );

  // With mirroring off (extFlags bit 7), only the FAT named in bits 0–3 is current.
  const activeFat = bootSector.extFlags & 0x80 ? bootSector.extFlags & 0x0f : 0;
  const fatStart = volumeOffset + (reservedSectors + activeFat * fatSectors) * bytesPerSector;
  const fatBytes = (await source.read(fatStart, fatSectors * bytesPerSector)).slice();
  const fat = new Uint32Array(clusterCount + FIRST_DATA_CLUSTER);
  let freeClusters = 0;
  for (let cluster = 0; cluster < fat.length; cluster++) {
    fat[cluster] = u32le(fatBytes, cluster * FAT_ENTRY_BYTES) & FAT_ENTRY_MASK;
    if (cluster >= FIRST_DATA_CLUSTER && fat[cluster] === 0) freeClusters++;
  }

  const claimed = new Uint8Array(fat.length);
  let label: string | null = null;
  const readDirectory = async (
    path: string,
    firstCluster: number,
    entryOffsetBytes: number,
    name: string,
    shortName: string,
    attributes: number,
  ): Promise<FatNode> => {
    const clusters = followChain(fat, firstCluster, clusterCount, path, claimed);
    if (clusters.length * clusterBytes > MAX_DIRECTORY_BYTES) {
      throw new FormatError(
        'FAT32 directory',
        entryOffsetBytes,
        `${path} spans ${clusters.length} clusters`,
      );
    }
    const runs = clusterRuns(clusters, geometry, clusters.length * clusterBytes);
    const parts = await Promise.all(
      runs.map((run) => source.read(volumeOffset + run.offsetBytes, run.lengthBytes)),
    );
    const bytes = new Uint8Array(clusters.length * clusterBytes);
    let at = 0;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.length;
    }
    const parsed = parseDirectory(bytes);
    if (path === '/') label = parsed.volumeLabel;
    // Volume offset of entry byte `offset` within this directory's (possibly fragmented) bytes.
    const entryAt = (offset: number): number =>
      dataStartBytes +
      (clusters[Math.floor(offset / clusterBytes)]! - FIRST_DATA_CLUSTER) * clusterBytes +
      (offset % clusterBytes);
    const children: FatNode[] = [];
    for (const record of parsed.records) {
      const childPath = `${path === '/' ? '' : path}/${record.name}`;
      const childEntry = entryAt(record.entryOffset);
      if (record.attributes & ATTR_DIRECTORY) {
        children.push(
          await readDirectory(
            childPath,
            record.firstCluster,
            childEntry,
            record.name,
            record.shortName,
            record.attributes,
          ),
        );
        continue;
      }
      const fileClusters =
        record.firstCluster === 0
          ? []
          : followChain(fat, record.firstCluster, clusterCount, childPath, claimed);
      if (fileClusters.length !== clustersFor(record.size, clusterBytes)) {
        throw new FormatError(
          'FAT32 directory entry',
          childEntry,
          `${childPath} is ${record.size} bytes but its chain has ${fileClusters.length} clusters`,
        );
      }
      children.push({
        name: record.name,
        shortName: record.shortName,
        path: childPath,
        isDirectory: false,
        attributes: record.attributes,
        size: record.size,
        firstCluster: record.firstCluster,
        clusters: fileClusters,
        runs: clusterRuns(fileClusters, geometry, record.size),
        entryOffsetBytes: childEntry,
        children: [],
      });
    }
    return {
      name,
      shortName,
      path,
      isDirectory: true,
      attributes,
      size: 0,
      firstCluster,
      clusters,
      runs,
      entryOffsetBytes,
      children,
    };
  };
  const root = await readDirectory('/', bootSector.rootCluster, -1, '', '', ATTR_DIRECTORY);
  const bootLabel = bootSector.label === NO_NAME_LABEL ? '' : bootSector.label;
  const rootLabel = label as string | null;
  return {
    volumeOffset,
    bootSector,
    geometry,
    label: rootLabel === null || rootLabel === NO_NAME_LABEL ? bootLabel : rootLabel,
    serial: bootSector.serial,
    uuid: formatFatSerial(bootSector.serial),
    fsInfo,
    freeClusters,
    fat,
    fatBytes,
    root,
  };
}

/** Looks a path up the way FAT does: case-insensitively, by long or short name. */
export function findFile(volume: Fat32Volume, path: string): FatNode | undefined {
  let node: FatNode | undefined = volume.root;
  for (const part of path.split('/').filter((p) => p.length > 0)) {
    const wanted = part.toUpperCase();
    node = node.children.find(
      (child) => child.name.toUpperCase() === wanted || child.shortName === wanted,
    );
    if (!node) return undefined;
  }
  return node;
}

/** Every node below the root, depth first, parents before children. */
export function walkVolume(volume: Fat32Volume): FatNode[] {
  const out: FatNode[] = [];
  const visit = (node: FatNode): void => {
    for (const child of node.children) {
      out.push(child);
      visit(child);
    }
  };
  visit(volume.root);
  return out;
}

/** Reads `length` bytes of a file from `offset` (whole file by default). */
export async function readFatFile(
  source: ByteSource,
  volume: Fat32Volume,
  node: FatNode,
  offset = 0,
  length = node.size - offset,
): Promise<Uint8Array> {
  if (offset < 0 || length < 0 || offset + length > node.size) {
    throw new RangeError(
      `read of ${length} bytes at ${offset} is outside ${node.path} (${node.size} bytes)`,
    );
  }
  const out = new Uint8Array(length);
  let fileOffset = 0;
  for (const run of node.runs) {
    const from = Math.max(offset, fileOffset);
    const to = Math.min(offset + length, fileOffset + run.lengthBytes);
    if (from < to) {
      const bytes = await source.read(
        volume.volumeOffset + run.offsetBytes + (from - fileOffset),
        to - from,
      );
      out.set(bytes, from - offset);
    }
    fileOffset += run.lengthBytes;
  }
  return out;
}
