// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Plans a whole FAT32 volume as extents: reserved area, both FATs, every directory, and the
 * files' contents at their cluster runs. Every file gets one contiguous run, in the order given,
 * after the directories. Free clusters are not in the plan: their old bytes stay, unreachable.
 */
import { LiveStickError, shortfall } from '../../shared/errors';
import { volumeLabelProblem } from '../../shared/volume-label';
import { setU32le } from '../bytes';
import { bytesExtent, sortAndCheckExtents, zeroExtent, type Extent } from '../extent';
import {
  FS_TYPE_FAT32,
  FSINFO_UNKNOWN,
  MEDIA_FIXED_DISK,
  OEM_NAME,
  encodeFat32BootSector,
  encodeFsInfo,
  encodeLabelField,
} from './boot-sector';
import {
  ATTR_ARCHIVE,
  ATTR_DIRECTORY,
  ATTR_VOLUME_ID,
  DIR_ENTRY_SIZE,
  LFN_UNITS_PER_ENTRY,
  encodeLongNameEntries,
  encodeShortEntry,
  fatTimestamp,
  type FatTimestamp,
} from './directory';
import {
  BACKUP_BOOT_SECTOR,
  FAT_COUNT,
  FAT_ENTRY_BYTES,
  FIRST_DATA_CLUSTER,
  FSINFO_SECTOR,
  ROOT_CLUSTER,
  clustersFor,
  computeFat32Geometry,
  type Fat32Geometry,
} from './geometry';
import { aliasShortName, exactShortName, longNameProblem, type ShortName } from './names';

/** The format's limit is 4 GiB − 1; litd and LiveStick stop a sector earlier. */
export const FAT32_MAX_FILE_BYTES = 4 * 2 ** 30 - 512;
/** FAT entry values (28 bits used; the top 4 are reserved and kept set as drivers write them). */
export const FAT_END_OF_CHAIN = 0x0fffffff;
/** FAT[1]: end-of-chain value with the "clean shutdown" (bit 27) and "no I/O error" (bit 26) set. */
export const FAT1_CLEAN = 0x0fffffff;
const FAT0_MEDIA = 0x0fffff00 | MEDIA_FIXED_DISK;
/** A directory holds at most 65536 entries (its offsets are 16-bit in some drivers). */
const MAX_DIRECTORY_ENTRIES = 65536;

export interface FatFileSpec {
  /** Absolute, "/"-separated: "/LiveOS/squashfs.img". */
  readonly path: string;
  readonly size: number;
  /** Relative to the file's first byte; bytes not covered are left as they are on the target. */
  readonly content: readonly Extent[];
}

export interface Fat32Options {
  readonly volumeBytes: number;
  /** Up to 11 ASCII characters, stored as given; empty means none ("NO NAME"). */
  readonly label: string;
  /** The 32-bit volume serial; blkid shows it as the UUID (formatFatSerial). */
  readonly serial: number;
  readonly files: readonly FatFileSpec[];
  /** Extra (empty) directories, "/" separated. */
  readonly directories?: readonly string[];
  readonly clusterBytes?: number;
  /** The data region (cluster 2) starts on a multiple of this, counted from the volume start. */
  readonly dataAlignBytes?: number;
  /** Where the volume starts on its disk; goes into the boot sector's hidden-sectors field. */
  readonly partitionStartBytes?: number;
  /** Every timestamp on the volume, for reproducible bytes. */
  readonly createdAt: Date;
}

export interface PlannedFile {
  readonly path: string;
  /** 0 for an empty file, which owns no cluster. */
  readonly firstCluster: number;
  /** Where the file's first byte lives, relative to the volume; 0 for an empty file. */
  readonly dataOffsetBytes: number;
  readonly allocatedBytes: number;
}

export interface Fat32Plan {
  /** Relative to the volume start, sorted, non-overlapping. */
  readonly extents: Extent[];
  readonly geometry: Fat32Geometry;
  readonly files: PlannedFile[];
  readonly freeBytes: number;
  readonly usedClusters: number;
}

interface DirNode {
  readonly name: string;
  readonly path: string;
  readonly parent: DirNode | null;
  readonly children: Map<string, DirNode | FileNode>;
  shortName?: ShortName;
  firstCluster: number;
  clusters: number;
}

/** What the layout needs of a file; the sizing planner has no contents yet. */
export type FatFileSize = Pick<FatFileSpec, 'path' | 'size'>;

interface FileNode {
  readonly name: string;
  readonly spec: FatFileSize;
  shortName?: ShortName;
  firstCluster: number;
  clusters: number;
}

const isDir = (node: DirNode | FileNode): node is DirNode => 'children' in node;

function splitPath(path: string): string[] {
  if (!path.startsWith('/')) throw new RangeError(`FAT path "${path}" is not absolute`);
  const parts = path.split('/').filter((part) => part.length > 0);
  for (const part of parts) {
    const problem = longNameProblem(part);
    if (problem) throw new RangeError(`FAT path "${path}": ${problem}`);
  }
  return parts;
}

/** FAT looks names up case-insensitively; two names equal in upper case are one name. */
const key = (name: string): string => name.toUpperCase();

function buildTree(files: readonly FatFileSize[], directories: readonly string[]): DirNode {
  const root: DirNode = {
    name: '',
    path: '/',
    parent: null,
    children: new Map(),
    firstCluster: ROOT_CLUSTER,
    clusters: 0,
  };
  const directory = (parts: readonly string[], path: string): DirNode => {
    let node = root;
    for (const part of parts) {
      const existing = node.children.get(key(part));
      if (existing && !isDir(existing))
        throw new RangeError(`FAT path "${path}": "${part}" is a file`);
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
    if (name === undefined) throw new RangeError(`FAT file path "${spec.path}" names no file`);
    const parent = directory(parts, spec.path);
    if (parent.children.has(key(name)))
      throw new RangeError(`FAT path "${spec.path}" is given twice`);
    parent.children.set(key(name), { name, spec, firstCluster: 0, clusters: 0 });
  }
  return root;
}

function checkFile(spec: FatFileSpec): void {
  if (!Number.isSafeInteger(spec.size) || spec.size < 0) {
    throw new RangeError(`size ${spec.size} of "${spec.path}" is not a byte count`);
  }
  if (spec.size > FAT32_MAX_FILE_BYTES) {
    throw new LiveStickError(
      'FAT32_FILE_LIMIT',
      `${spec.path} is ${spec.size} bytes; files on FAT32 must be smaller than 4 GiB (at most ${FAT32_MAX_FILE_BYTES} bytes).`,
      { path: spec.path, sizeBytes: spec.size, limitBytes: FAT32_MAX_FILE_BYTES },
    );
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

/**
 * Short names per directory in two passes: names that are already 8.3 first, so a generated
 * alias ("OVERLA~1") can never take the short name a real 8.3 file needs.
 */
function assignShortNames(dir: DirNode): void {
  const children = [...dir.children.values()];
  const taken = new Set<string>();
  for (const child of children) {
    const exact = exactShortName(child.name);
    if (exact && !taken.has(exact.packed)) {
      child.shortName = exact;
      taken.add(exact.packed);
    }
  }
  for (const child of children) {
    if (child.shortName) continue;
    child.shortName = aliasShortName(child.name, taken);
    taken.add(child.shortName.packed);
  }
  for (const child of children) if (isDir(child)) assignShortNames(child);
}

function entriesOf(child: DirNode | FileNode): number {
  return (
    1 + (child.shortName!.needsLongName ? Math.ceil(child.name.length / LFN_UNITS_PER_ENTRY) : 0)
  );
}

function directoryEntryCount(dir: DirNode, hasLabel: boolean): number {
  const own = dir.parent === null ? (hasLabel ? 1 : 0) : 2;
  let count = own;
  for (const child of dir.children.values()) count += entriesOf(child);
  if (count > MAX_DIRECTORY_ENTRIES) {
    throw new RangeError(
      `directory ${dir.path} needs ${count} entries, FAT allows ${MAX_DIRECTORY_ENTRIES}`,
    );
  }
  return count;
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

function encodeDirectory(
  dir: DirNode,
  clusterBytes: number,
  label: string,
  stamp: FatTimestamp,
): Uint8Array {
  const bytes = new Uint8Array(dir.clusters * clusterBytes);
  let at = 0;
  const put = (entry: Uint8Array): void => {
    bytes.set(entry, at);
    at += entry.length;
  };
  const entry = (
    packed: string,
    attributes: number,
    firstCluster: number,
    size = 0,
    caseFlags = 0,
  ): Uint8Array =>
    encodeShortEntry({ packed, attributes, caseFlags, firstCluster, size, timestamp: stamp });
  if (dir.parent === null) {
    if (label) put(entry(String.fromCharCode(...encodeLabelField(label)), ATTR_VOLUME_ID, 0));
  } else {
    put(entry('.          ', ATTR_DIRECTORY, dir.firstCluster));
    // ".." of a first-level directory points at cluster 0, not at the root's real cluster.
    const parentCluster = dir.parent.parent === null ? 0 : dir.parent.firstCluster;
    put(entry('..         ', ATTR_DIRECTORY, parentCluster));
  }
  for (const child of dir.children.values()) {
    const short = child.shortName!;
    if (short.needsLongName) put(encodeLongNameEntries(child.name, short.packed));
    put(
      isDir(child)
        ? entry(short.packed, ATTR_DIRECTORY, child.firstCluster, 0, short.caseFlags)
        : entry(short.packed, ATTR_ARCHIVE, child.firstCluster, child.spec.size, short.caseFlags),
    );
  }
  return bytes;
}

interface Layout {
  readonly directories: DirNode[];
  /** In the order the files were given. */
  readonly fileNodes: FileNode[];
  readonly usedClusters: number;
}

/** Names and cluster runs: the root at cluster 2, other directories breadth first, then files. */
function layOut(
  files: readonly FatFileSize[],
  extraDirectories: readonly string[],
  hasLabel: boolean,
  clusterBytes: number,
): Layout {
  const root = buildTree(files, extraDirectories);
  assignShortNames(root);
  let next = FIRST_DATA_CLUSTER;
  const directories = allDirectories(root);
  for (const dir of directories) {
    const entryBytes = directoryEntryCount(dir, hasLabel) * DIR_ENTRY_SIZE;
    dir.clusters = Math.max(1, clustersFor(entryBytes, clusterBytes));
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
  return { directories, fileNodes, usedClusters: next - FIRST_DATA_CLUSTER };
}

/**
 * Clusters a tree needs (directories included, each at least one cluster), exactly as
 * planFat32Volume will allocate them: the sizing planner's side of the same arithmetic.
 */
export function fat32ClustersNeeded(options: {
  readonly files: readonly FatFileSize[];
  readonly directories?: readonly string[];
  readonly label: string;
  readonly clusterBytes: number;
}): number {
  return layOut(
    options.files,
    options.directories ?? [],
    options.label.length > 0,
    options.clusterBytes,
  ).usedClusters;
}

export function planFat32Volume(options: Fat32Options): Fat32Plan {
  const labelProblem = volumeLabelProblem(options.label);
  if (labelProblem) throw new RangeError(`FAT label "${options.label}": ${labelProblem}`);
  if (!Number.isInteger(options.serial) || options.serial < 0 || options.serial > 0xffffffff) {
    throw new RangeError(`volume serial ${options.serial} is not a 32-bit number`);
  }
  if (Number.isNaN(options.createdAt.getTime()))
    throw new RangeError('createdAt is not a valid date');
  const partitionStartBytes = options.partitionStartBytes ?? 0;
  if (partitionStartBytes % 512 !== 0 || partitionStartBytes / 512 > 0xffffffff) {
    throw new RangeError(`partition start ${partitionStartBytes} is not a 32-bit sector offset`);
  }
  options.files.forEach(checkFile);

  const geometry = computeFat32Geometry(options);
  const { clusterBytes, clusterCount, dataStartBytes, sectorBytes } = geometry;
  const { directories, fileNodes, usedClusters } = layOut(
    options.files,
    options.directories ?? [],
    options.label.length > 0,
    clusterBytes,
  );
  const next = FIRST_DATA_CLUSTER + usedClusters;
  if (usedClusters > clusterCount) {
    const neededBytes = usedClusters * clusterBytes;
    const availableBytes = clusterCount * clusterBytes;
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `The files need ${neededBytes} bytes of FAT32 clusters but the volume has ${availableBytes}; ${neededBytes - availableBytes} bytes short.`,
      shortfall(neededBytes, availableBytes),
    );
  }

  const clusterOffset = (cluster: number): number =>
    dataStartBytes + (cluster - FIRST_DATA_CLUSTER) * clusterBytes;
  const stamp = fatTimestamp(options.createdAt);
  const extents: Extent[] = [];

  // Reserved area: boot sector, FSInfo, their backups at 6 and 7, zeros elsewhere so no stale
  // signature (an old ISO9660 descriptor at 32 KiB, a btrfs superblock at 64 KiB) survives for
  // blkid to report next to ours.
  const freeClusters = clusterCount - usedClusters;
  const boot = encodeFat32BootSector({
    oemName: OEM_NAME,
    bytesPerSector: sectorBytes,
    sectorsPerCluster: clusterBytes / sectorBytes,
    reservedSectors: geometry.reservedSectors,
    fatCount: FAT_COUNT,
    media: MEDIA_FIXED_DISK,
    sectorsPerTrack: 63,
    heads: 255,
    hiddenSectors: partitionStartBytes / sectorBytes,
    totalSectors: geometry.totalSectors,
    fatSectors: geometry.fatSectors,
    extFlags: 0,
    rootCluster: ROOT_CLUSTER,
    fsInfoSector: FSINFO_SECTOR,
    backupBootSector: BACKUP_BOOT_SECTOR,
    driveNumber: 0x80,
    dirty: false,
    serial: options.serial,
    label: options.label,
    fsType: FS_TYPE_FAT32,
  });
  const fsInfo = encodeFsInfo({
    freeClusters,
    nextFreeCluster: freeClusters > 0 ? next : FSINFO_UNKNOWN,
  });
  const bootArea = new Uint8Array((BACKUP_BOOT_SECTOR + 2) * sectorBytes);
  bootArea.set(boot, 0);
  bootArea.set(fsInfo, FSINFO_SECTOR * sectorBytes);
  bootArea.set(boot, BACKUP_BOOT_SECTOR * sectorBytes);
  bootArea.set(fsInfo, (BACKUP_BOOT_SECTOR + FSINFO_SECTOR) * sectorBytes);
  extents.push(bytesExtent(0, bootArea, 'FAT32 boot sectors'));
  extents.push(
    zeroExtent(
      bootArea.length,
      geometry.reservedSectors * sectorBytes - bootArea.length,
      'FAT32 reserved sectors',
    ),
  );

  // The FATs: entries up to the last used cluster as bytes, the rest zeros; both copies share data.
  const fat = new Uint8Array(next * FAT_ENTRY_BYTES);
  setU32le(fat, 0, FAT0_MEDIA);
  setU32le(fat, FAT_ENTRY_BYTES, FAT1_CLEAN);
  const chain = (first: number, count: number): void => {
    for (let i = 0; i < count; i++) {
      setU32le(
        fat,
        (first + i) * FAT_ENTRY_BYTES,
        i === count - 1 ? FAT_END_OF_CHAIN : first + i + 1,
      );
    }
  };
  for (const dir of directories) chain(dir.firstCluster, dir.clusters);
  for (const file of fileNodes) chain(file.firstCluster, file.clusters);
  const fatBytes = geometry.fatSectors * sectorBytes;
  for (let copy = 0; copy < FAT_COUNT; copy++) {
    const start = (geometry.reservedSectors + copy * geometry.fatSectors) * sectorBytes;
    extents.push(bytesExtent(start, fat, `FAT #${copy + 1}`));
    extents.push(
      zeroExtent(start + fat.length, fatBytes - fat.length, `FAT #${copy + 1} free entries`),
    );
  }

  for (const dir of directories) {
    const bytes = encodeDirectory(dir, clusterBytes, options.label, stamp);
    extents.push(bytesExtent(clusterOffset(dir.firstCluster), bytes, `directory ${dir.path}`));
  }

  const files = fileNodes.map((file, i): PlannedFile => {
    const dataOffsetBytes = file.clusters > 0 ? clusterOffset(file.firstCluster) : 0;
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
    freeBytes: freeClusters * clusterBytes,
    usedClusters,
  };
}
