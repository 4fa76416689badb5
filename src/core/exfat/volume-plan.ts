// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Plans a whole exFAT volume as extents: both boot regions, the FAT, the allocation bitmap, the
 * up-case table, every directory, and the files' contents at their cluster runs. The bitmap, the
 * up-case table and the root come first (the root right after the other two, as the exFAT
 * specification §3.1.10 asks), then the other directories breadth first, then every file as one
 * contiguous run in the order given. Files and sub-directories are flagged NoFatChain, so the FAT
 * describes only the three structures that have no such flag. Free clusters are not in the plan:
 * their old bytes stay, unreachable, and so do the parts of a file its content leaves out.
 */
import { LiveStickError, shortfall } from '../../shared/errors';
import { setU32le } from '../bytes';
import { bytesExtent, sortAndCheckExtents, zeroExtent, type Extent } from '../extent';
import {
  DRIVE_SELECT_FIXED_DISK,
  FILE_SYSTEM_REVISION,
  encodeBootRegion,
  type ExfatBootSector,
} from './boot-region';
import {
  ATTR_ARCHIVE,
  ATTR_DIRECTORY,
  ENTRY_SIZE,
  MAX_DIRECTORY_BYTES,
  encodeAllocationBitmapEntry,
  encodeFileEntrySet,
  encodeUpcaseTableEntry,
  encodeVolumeGuidEntry,
  encodeVolumeLabelEntry,
  entrySetLength,
} from './directory';
import {
  BOOT_REGION_SECTORS,
  FAT_ENTRY_BYTES,
  FIRST_CLUSTER,
  clusterOffsetBytes,
  clustersFor,
  computeExfatGeometry,
  type ExfatGeometry,
} from './geometry';
import { exfatLabelProblem, exfatNameProblem } from './names';
import {
  compressUpcaseTable,
  recommendedUpcaseMapping,
  upcaseName,
  upcaseTableChecksum,
} from './upcase-table';

/** FatEntry[0]: media type F8h, the rest FFh (§4.1.1); FatEntry[1] is FFFFFFFFh (§4.1.2). */
export const FAT_ENTRY_0 = 0xfffffff8;
export const FAT_ENTRY_1 = 0xffffffff;
export const FAT_END_OF_CHAIN = 0xffffffff;
export const FAT_BAD_CLUSTER = 0xfffffff7;

export interface ExfatFileSpec {
  /** Absolute, "/"-separated: "/LiveOS/overlay-LIVE-1234-ABCD". */
  readonly path: string;
  /** Any size the volume holds; nothing like FAT32's 4 GiB cap. */
  readonly size: number;
  /** Relative to the file's first byte; bytes not covered are left as they are on the target. */
  readonly content: readonly Extent[];
}

/** What the layout needs of a file; a sizing planner has no contents yet. */
export type ExfatFileSize = Pick<ExfatFileSpec, 'path' | 'size'>;

export interface ExfatOptions {
  readonly volumeBytes: number;
  /** Up to 11 UTF-16 code units; empty means no label entry. */
  readonly label: string;
  /** The 32-bit volume serial; blkid shows it as the UUID (formatExfatSerial). */
  readonly serial: number;
  readonly files: readonly ExfatFileSpec[];
  /** Extra (empty) directories, "/" separated. */
  readonly directories?: readonly string[];
  readonly clusterBytes?: number;
  /** The cluster heap starts on a multiple of this, counted from the start of the disk. */
  readonly dataAlignBytes?: number;
  /** Where the volume starts on its disk: the boot sector's PartitionOffset, and alignment. */
  readonly partitionStartBytes?: number;
  /** Every timestamp on the volume, for reproducible bytes. */
  readonly createdAt: Date;
  /** 16 bytes for a Volume GUID entry (§7.5); none when absent. */
  readonly volumeGuid?: Uint8Array;
}

export interface PlannedExfatFile {
  readonly path: string;
  /** 0 for an empty file, which owns no cluster. */
  readonly firstCluster: number;
  /** Where the file's first byte lives, relative to the volume; 0 for an empty file. */
  readonly dataOffsetBytes: number;
  readonly allocatedBytes: number;
}

export interface ExfatPlan {
  /** Relative to the volume start, sorted, non-overlapping. */
  readonly extents: Extent[];
  readonly geometry: ExfatGeometry;
  readonly files: PlannedExfatFile[];
  readonly freeBytes: number;
  readonly usedClusters: number;
}

interface DirNode {
  readonly name: string;
  readonly path: string;
  readonly parent: DirNode | null;
  readonly children: Map<string, DirNode | FileNode>;
  firstCluster: number;
  clusters: number;
}

interface FileNode {
  readonly name: string;
  readonly spec: ExfatFileSize;
  firstCluster: number;
  clusters: number;
}

const isDir = (node: DirNode | FileNode): node is DirNode => 'children' in node;

function splitPath(path: string): string[] {
  if (!path.startsWith('/')) throw new RangeError(`exFAT path "${path}" is not absolute`);
  const parts = path.split('/').filter((part) => part.length > 0);
  for (const part of parts) {
    const problem = exfatNameProblem(part);
    if (problem) throw new RangeError(`exFAT path "${path}": ${problem}`);
  }
  return parts;
}

/** Names are unique per directory after up-casing (§7.7), through the table we write. */
const key = (name: string): string => upcaseName(name, recommendedUpcaseMapping());

function buildTree(files: readonly ExfatFileSize[], directories: readonly string[]): DirNode {
  const root: DirNode = {
    name: '',
    path: '/',
    parent: null,
    children: new Map(),
    firstCluster: 0,
    clusters: 0,
  };
  const directory = (parts: readonly string[], path: string): DirNode => {
    let node = root;
    for (const part of parts) {
      const existing = node.children.get(key(part));
      if (existing && !isDir(existing)) {
        throw new RangeError(`exFAT path "${path}": "${part}" is a file`);
      }
      if (existing) {
        node = existing;
        continue;
      }
      const child: DirNode = {
        name: part,
        path: `${node.path === '/' ? '' : node.path}/${part}`,
        parent: node,
        children: new Map(),
        firstCluster: 0,
        clusters: 0,
      };
      node.children.set(key(part), child);
      node = child;
    }
    return node;
  };
  for (const path of directories) directory(splitPath(path), path);
  for (const spec of files) {
    const parts = splitPath(spec.path);
    const name = parts.pop();
    if (name === undefined) throw new RangeError(`exFAT file path "${spec.path}" names no file`);
    const parent = directory(parts, spec.path);
    if (parent.children.has(key(name))) {
      throw new RangeError(`exFAT path "${spec.path}" is given twice`);
    }
    parent.children.set(key(name), { name, spec, firstCluster: 0, clusters: 0 });
  }
  return root;
}

function checkFile(spec: ExfatFileSpec): void {
  if (!Number.isSafeInteger(spec.size) || spec.size < 0) {
    throw new RangeError(`size ${spec.size} of "${spec.path}" is not a byte count`);
  }
  for (const extent of sortAndCheckExtents(spec.content)) {
    if (extent.offset < 0 || extent.offset + extent.length > spec.size) {
      throw new RangeError(
        `content "${extent.label}" of "${spec.path}" lies outside its ${spec.size} bytes`,
      );
    }
    if (extent.fill.kind === 'bytes' && extent.fill.data.length !== extent.length) {
      throw new RangeError(
        `content "${extent.label}" of "${spec.path}" has ${extent.fill.data.length} bytes for a ${extent.length}-byte extent`,
      );
    }
  }
}

function allDirectories(root: DirNode): DirNode[] {
  const order: DirNode[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    order.push(dir);
    for (const child of dir.children.values()) if (isDir(child)) queue.push(child);
  }
  return order;
}

/** Root entries besides the files: bitmap and up-case table, label and GUID when present. */
function rootSystemEntries(hasLabel: boolean, hasGuid: boolean): number {
  return 2 + (hasLabel ? 1 : 0) + (hasGuid ? 1 : 0);
}

function directoryBytes(dir: DirNode, systemEntries: number): number {
  let entries = dir.parent === null ? systemEntries : 0;
  for (const child of dir.children.values()) entries += entrySetLength(child.name);
  const bytes = entries * ENTRY_SIZE;
  if (bytes > MAX_DIRECTORY_BYTES) {
    throw new RangeError(
      `directory ${dir.path} needs ${bytes} bytes of entries, exFAT allows 256 MiB`,
    );
  }
  return bytes;
}

/** The allocation bitmap's DataLength: one bit per cluster (§7.1.5). */
export function bitmapBytes(clusterCount: number): number {
  return Math.ceil(clusterCount / 8);
}

interface Layout {
  readonly bitmapClusters: number;
  readonly upcaseTable: Uint8Array;
  readonly upcaseClusters: number;
  readonly directories: DirNode[];
  /** In the order the files were given. */
  readonly fileNodes: FileNode[];
  readonly usedClusters: number;
}

function layOut(
  files: readonly ExfatFileSize[],
  extraDirectories: readonly string[],
  systemEntries: number,
  clusterBytes: number,
  clusterCount: number,
): Layout {
  const root = buildTree(files, extraDirectories);
  const upcaseTable = compressUpcaseTable(recommendedUpcaseMapping());
  const bitmapClusters = clustersFor(bitmapBytes(clusterCount), clusterBytes);
  const upcaseClusters = clustersFor(upcaseTable.length, clusterBytes);
  let next = FIRST_CLUSTER + bitmapClusters + upcaseClusters;
  const directories = allDirectories(root);
  for (const dir of directories) {
    dir.clusters = Math.max(1, clustersFor(directoryBytes(dir, systemEntries), clusterBytes));
    dir.firstCluster = next;
    next += dir.clusters;
  }
  const fileNodes = files.map((spec) => {
    let node: DirNode | FileNode = root;
    for (const part of splitPath(spec.path)) node = (node as DirNode).children.get(key(part))!;
    return node as FileNode;
  });
  for (const file of fileNodes) {
    file.clusters = clustersFor(file.spec.size, clusterBytes);
    file.firstCluster = file.clusters > 0 ? next : 0;
    next += file.clusters;
  }
  return {
    bitmapClusters,
    upcaseTable,
    upcaseClusters,
    directories,
    fileNodes,
    usedClusters: next - FIRST_CLUSTER,
  };
}

/**
 * Clusters a tree needs (bitmap, up-case table and directories included, each at least one
 * cluster), exactly as planExfatVolume will allocate them: the sizing planner's side of the same
 * arithmetic. `clusterCount` sizes the bitmap (computeExfatGeometry gives it).
 */
export function exfatClustersNeeded(options: {
  readonly files: readonly ExfatFileSize[];
  readonly directories?: readonly string[];
  readonly label: string;
  readonly hasVolumeGuid?: boolean;
  readonly clusterBytes: number;
  readonly clusterCount: number;
}): number {
  return layOut(
    options.files,
    options.directories ?? [],
    rootSystemEntries(options.label.length > 0, options.hasVolumeGuid ?? false),
    options.clusterBytes,
    options.clusterCount,
  ).usedClusters;
}

/** Allocation bitmap bytes with clusters 2 … 2 + used − 1 marked, padded to whole clusters. */
function encodeBitmap(usedClusters: number, clusterCount: number, padTo: number): Uint8Array {
  const bytes = new Uint8Array(padTo);
  const fullBytes = Math.floor(usedClusters / 8);
  bytes.fill(0xff, 0, fullBytes);
  if (usedClusters % 8) bytes[fullBytes] = (1 << (usedClusters % 8)) - 1;
  if (usedClusters > clusterCount) throw new RangeError('more used clusters than the volume has');
  return bytes;
}

export function planExfatVolume(options: ExfatOptions): ExfatPlan {
  const labelProblem = exfatLabelProblem(options.label);
  if (labelProblem) throw new RangeError(`exFAT label "${options.label}": ${labelProblem}`);
  if (!Number.isInteger(options.serial) || options.serial < 0 || options.serial > 0xffffffff) {
    throw new RangeError(`volume serial ${options.serial} is not a 32-bit number`);
  }
  if (Number.isNaN(options.createdAt.getTime())) {
    throw new RangeError('createdAt is not a valid date');
  }
  const partitionStartBytes = options.partitionStartBytes ?? 0;
  options.files.forEach(checkFile);

  const geometry = computeExfatGeometry(options);
  const { clusterBytes, clusterCount, sectorBytes } = geometry;
  const hasLabel = options.label.length > 0;
  const guidEntry = options.volumeGuid ? encodeVolumeGuidEntry(options.volumeGuid) : null;
  const layout = layOut(
    options.files,
    options.directories ?? [],
    rootSystemEntries(hasLabel, guidEntry !== null),
    clusterBytes,
    clusterCount,
  );
  const { directories, fileNodes, usedClusters } = layout;
  if (usedClusters > clusterCount) {
    const neededBytes = usedClusters * clusterBytes;
    const availableBytes = clusterCount * clusterBytes;
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `The files need ${neededBytes} bytes of exFAT clusters but the volume has ${availableBytes}; ${neededBytes - availableBytes} bytes short.`,
      shortfall(neededBytes, availableBytes),
    );
  }
  const extents: Extent[] = [];
  const at = (cluster: number): number => clusterOffsetBytes(geometry, cluster);

  // Both boot regions, then zeros up to the FAT so no stale signature (an ISO9660 descriptor at
  // 32 KiB, a FAT32 boot sector copy, a btrfs superblock at 64 KiB) survives for blkid to report.
  const boot: ExfatBootSector = {
    partitionOffsetSectors: partitionStartBytes / sectorBytes,
    volumeSectors: geometry.volumeSectors,
    fatOffsetSectors: geometry.fatOffsetSectors,
    fatLengthSectors: geometry.fatLengthSectors,
    clusterHeapOffsetSectors: geometry.clusterHeapOffsetSectors,
    clusterCount,
    rootCluster: directories[0]!.firstCluster,
    serial: options.serial,
    revision: FILE_SYSTEM_REVISION,
    volumeFlags: 0,
    bytesPerSectorShift: Math.log2(sectorBytes),
    sectorsPerClusterShift: Math.log2(clusterBytes / sectorBytes),
    numberOfFats: 1,
    driveSelect: DRIVE_SELECT_FIXED_DISK,
    percentInUse: Math.floor((usedClusters * 100) / clusterCount),
  };
  const region = encodeBootRegion(boot);
  const bootRegions = new Uint8Array(2 * region.length);
  bootRegions.set(region, 0);
  bootRegions.set(region, region.length);
  extents.push(bytesExtent(0, bootRegions, 'exFAT boot regions'));
  const fatStart = geometry.fatOffsetSectors * sectorBytes;
  extents.push(
    zeroExtent(
      bootRegions.length,
      fatStart - BOOT_REGION_SECTORS * 2 * sectorBytes,
      'exFAT FAT alignment',
    ),
  );

  // The FAT: chains for the bitmap, the up-case table and the root, zeros for every other entry
  // (the clusters of NoFatChain allocations included: their entries are never read, §6.3.4.2).
  const rootDir = directories[0]!;
  const chained = FIRST_CLUSTER + layout.bitmapClusters + layout.upcaseClusters + rootDir.clusters;
  const fat = new Uint8Array(chained * FAT_ENTRY_BYTES);
  setU32le(fat, 0, FAT_ENTRY_0);
  setU32le(fat, FAT_ENTRY_BYTES, FAT_ENTRY_1);
  const chain = (first: number, count: number): void => {
    for (let i = 0; i < count; i++) {
      setU32le(
        fat,
        (first + i) * FAT_ENTRY_BYTES,
        i === count - 1 ? FAT_END_OF_CHAIN : first + i + 1,
      );
    }
  };
  const upcaseFirst = FIRST_CLUSTER + layout.bitmapClusters;
  chain(FIRST_CLUSTER, layout.bitmapClusters);
  chain(upcaseFirst, layout.upcaseClusters);
  chain(rootDir.firstCluster, rootDir.clusters);
  const fatBytes = geometry.fatLengthSectors * sectorBytes;
  extents.push(bytesExtent(fatStart, fat, 'exFAT FAT'));
  extents.push(zeroExtent(fatStart + fat.length, fatBytes - fat.length, 'exFAT FAT free entries'));
  const heapStart = geometry.clusterHeapOffsetSectors * sectorBytes;
  extents.push(
    zeroExtent(fatStart + fatBytes, heapStart - fatStart - fatBytes, 'exFAT heap alignment'),
  );

  const bitmapLength = bitmapBytes(clusterCount);
  extents.push(
    bytesExtent(
      at(FIRST_CLUSTER),
      encodeBitmap(usedClusters, clusterCount, layout.bitmapClusters * clusterBytes),
      'exFAT allocation bitmap',
    ),
  );
  const upcaseBytes = new Uint8Array(layout.upcaseClusters * clusterBytes);
  upcaseBytes.set(layout.upcaseTable);
  extents.push(bytesExtent(at(upcaseFirst), upcaseBytes, 'exFAT up-case table'));

  const upcase = recommendedUpcaseMapping();
  for (const dir of directories) {
    const bytes = new Uint8Array(dir.clusters * clusterBytes);
    let offset = 0;
    const put = (entries: Uint8Array): void => {
      bytes.set(entries, offset);
      offset += entries.length;
    };
    if (dir.parent === null) {
      if (hasLabel) put(encodeVolumeLabelEntry(options.label));
      if (guidEntry) put(guidEntry);
      put(encodeAllocationBitmapEntry({ firstCluster: FIRST_CLUSTER, dataLength: bitmapLength }));
      put(
        encodeUpcaseTableEntry({
          checksum: upcaseTableChecksum(layout.upcaseTable),
          firstCluster: upcaseFirst,
          dataLength: layout.upcaseTable.length,
        }),
      );
    }
    for (const child of dir.children.values()) {
      const directory = isDir(child);
      const dataLength = directory ? child.clusters * clusterBytes : child.spec.size;
      put(
        encodeFileEntrySet({
          name: child.name,
          attributes: directory ? ATTR_DIRECTORY : ATTR_ARCHIVE,
          firstCluster: child.firstCluster,
          dataLength,
          // The whole length is valid: what the content leaves out is whatever the disk holds,
          // as on FAT32. A shorter ValidDataLength would make the first write past it (by the
          // loop device under an overlay, say) zero every byte in between.
          validDataLength: dataLength,
          noFatChain: child.clusters > 0,
          createdAt: options.createdAt,
          upcase,
        }),
      );
    }
    extents.push(bytesExtent(at(dir.firstCluster), bytes, `directory ${dir.path}`));
  }

  const files = fileNodes.map((file, i): PlannedExfatFile => {
    const dataOffsetBytes = file.clusters > 0 ? at(file.firstCluster) : 0;
    for (const extent of options.files[i]!.content) {
      extents.push({ ...extent, offset: dataOffsetBytes + extent.offset });
    }
    return {
      path: file.spec.path,
      firstCluster: file.firstCluster,
      dataOffsetBytes,
      allocatedBytes: file.clusters * clusterBytes,
    };
  });

  return {
    extents: sortAndCheckExtents(extents.filter((extent) => extent.length > 0)),
    geometry,
    files,
    freeBytes: (clusterCount - usedClusters) * clusterBytes,
    usedClusters,
  };
}
