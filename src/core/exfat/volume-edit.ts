// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The small in-place edits maintenance makes on an exFAT volume read by readExfatVolume, planned
 * as extents without writing anything: resize a file (growing a persistence file into the free
 * clusters after it), reallocate a file whose content is rewritten whole (a boot config), create
 * a file, delete a file. Each plan keeps the volume consistent on its own — entry set with its
 * checksum, allocation bitmap, FAT where a chain is involved, PercentInUse — and is made against
 * the volume as read: apply one, read the volume again, then plan the next.
 */
import { LiveStickError, shortfall } from '../../shared/errors';
import { setU32le } from '../bytes';
import { bytesExtent, sortAndCheckExtents, zeroExtent, type Extent } from '../extent';
import { OFFSET_PERCENT_IN_USE } from './boot-region';
import {
  ATTR_ARCHIVE,
  ENTRY_SIZE,
  MAX_DIRECTORY_BYTES,
  TYPE_IN_USE,
  encodeFileEntrySet,
  entrySetLength,
  withAllocation,
} from './directory';
import { FAT_ENTRY_BYTES, FIRST_CLUSTER, clustersFor } from './geometry';
import { exfatNameProblem } from './names';
import { upcaseName } from './upcase-table';
import { FAT_END_OF_CHAIN } from './volume-plan';
import {
  appendCluster,
  byteRunsOf,
  findExfatFile,
  isClusterUsed,
  locateInRuns,
  walkExfatVolume,
  type ByteRun,
  type ClusterRun,
  type ExfatNode,
  type ExfatVolume,
} from './volume-reader';

export interface ExfatEditPlan {
  /** Relative to the volume start, sorted, non-overlapping. */
  readonly extents: Extent[];
  /** The file's bytes after the edit, relative to the volume; its content is the caller's. */
  readonly runs: ByteRun[];
  readonly firstCluster: number;
  /** The allocation is one run (flagged NoFatChain). */
  readonly contiguous: boolean;
  /** Clusters newly given to the file, in file order. */
  readonly addedClusters: ClusterRun[];
}

/** What to do when the clusters right after a growing file are not free. */
export type GrowthFallback =
  /** Refuse, saying which cluster is in the way and whose it is. */
  | 'refuse'
  /** Take free clusters elsewhere and describe the file with a FAT chain. */
  | 'fragment'
  /**
   * Give the file a new contiguous run elsewhere (pieces when no run is long enough): only for
   * content the caller rewrites whole, since nothing is copied.
   */
  | 'move';

function* clustersOf(runs: readonly ClusterRun[]): Generator<number> {
  for (const run of runs) {
    for (let c = run.firstCluster; c < run.firstCluster + run.clusters; c++) yield c;
  }
}

/**
 * The bitmap, FAT and entry changes of one plan. Clusters are taken from a private copy of the
 * bitmap, so two allocations in one plan never collide; extents() turns the changes into writes.
 */
class VolumeEditor {
  private readonly bitmap: Uint8Array;
  private readonly changedBitmapBytes = new Set<number>();
  private readonly fatChanges = new Map<number, number>();
  private readonly writes: Extent[] = [];
  private usedClusters: number;

  constructor(private readonly volume: ExfatVolume) {
    if (volume.bootSector.numberOfFats !== 1) {
      throw new LiveStickError(
        'TARGET_REFUSED',
        'This exFAT volume keeps two FATs (TexFAT); LiveStick only edits volumes with one.',
      );
    }
    this.bitmap = volume.bitmap.slice();
    this.usedClusters = volume.geometry.clusterCount - volume.freeClusters;
  }

  private get lastCluster(): number {
    return this.volume.geometry.clusterCount + 1;
  }

  isFree(cluster: number): boolean {
    return (
      cluster >= FIRST_CLUSTER &&
      cluster <= this.lastCluster &&
      !isClusterUsed(this.bitmap, cluster)
    );
  }

  mark(runs: readonly ClusterRun[], used: boolean): void {
    for (const cluster of clustersOf(runs)) {
      const bit = cluster - FIRST_CLUSTER;
      const mask = 1 << (bit & 7);
      const byte = bit >>> 3;
      if (((this.bitmap[byte]! & mask) !== 0) === used) {
        throw new Error(`cluster ${cluster} is already ${used ? 'used' : 'free'}`);
      }
      this.bitmap[byte] = used ? this.bitmap[byte]! | mask : this.bitmap[byte]! & ~mask;
      this.changedBitmapBytes.add(byte);
      this.usedClusters += used ? 1 : -1;
    }
  }

  setFat(cluster: number, value: number): void {
    this.fatChanges.set(cluster, value);
  }

  /** FAT entries linking `runs` in order, ending the chain at the last cluster. */
  chain(runs: readonly ClusterRun[]): void {
    let previous: number | undefined;
    for (const cluster of clustersOf(runs)) {
      if (previous !== undefined) this.setFat(previous, cluster);
      previous = cluster;
    }
    if (previous !== undefined) this.setFat(previous, FAT_END_OF_CHAIN);
  }

  /**
   * Adds a write; bytes that land on an earlier write (an entry set in a directory cluster just
   * zeroed) are merged into it, so the plan keeps one fill per byte.
   */
  write(extent: Extent): void {
    if (extent.fill.kind !== 'bytes') {
      this.writes.push(extent);
      return;
    }
    const data = extent.fill.data;
    let uncovered: { offset: number; length: number }[] = [
      { offset: extent.offset, length: extent.length },
    ];
    this.writes.forEach((old, i) => {
      const from = Math.max(old.offset, extent.offset);
      const to = Math.min(old.offset + old.length, extent.offset + extent.length);
      if (from >= to) return;
      if (old.fill.kind === 'source') throw new Error(`"${extent.label}" overlaps "${old.label}"`);
      const merged = old.fill.kind === 'bytes' ? old.fill.data.slice() : new Uint8Array(old.length);
      merged.set(data.subarray(from - extent.offset, to - extent.offset), from - old.offset);
      this.writes[i] = bytesExtent(old.offset, merged, old.label);
      uncovered = uncovered.flatMap((piece) => {
        const end = piece.offset + piece.length;
        if (to <= piece.offset || from >= end) return [piece];
        return [
          { offset: piece.offset, length: from - piece.offset },
          { offset: to, length: end - to },
        ].filter((part) => part.length > 0);
      });
    });
    for (const piece of uncovered) {
      const skip = piece.offset - extent.offset;
      this.writes.push(
        bytesExtent(piece.offset, data.slice(skip, skip + piece.length), extent.label),
      );
    }
  }

  /** Whether clusters first … first + count − 1 are all free (and exist). */
  rangeFree(first: number, count: number): boolean {
    for (let c = first; c < first + count; c++) if (!this.isFree(c)) return false;
    return true;
  }

  /** The first run of `count` free clusters, searching from `from` and then from the start. */
  findRun(count: number, from = FIRST_CLUSTER): number | null {
    const search = (start: number, end: number): number | null => {
      let runStart = start;
      for (let c = start; c <= end; c++) {
        if (!this.isFree(c)) {
          runStart = c + 1;
          continue;
        }
        if (c - runStart + 1 === count) return runStart;
      }
      return null;
    };
    return search(from, this.lastCluster) ?? search(FIRST_CLUSTER, this.lastCluster);
  }

  /** `count` free clusters as runs, from `from` upwards and then from the start. */
  collectFree(count: number, from: number): ClusterRun[] | null {
    const runs: ClusterRun[] = [];
    let found = 0;
    const take = (start: number, end: number): void => {
      for (let c = start; c <= end && found < count; c++) {
        if (this.isFree(c)) {
          appendCluster(runs, c);
          found++;
        }
      }
    };
    take(from, this.lastCluster);
    take(FIRST_CLUSTER, from - 1);
    return found === count ? runs : null;
  }

  largestFreeRun(): number {
    let best = 0;
    let current = 0;
    for (let c = FIRST_CLUSTER; c <= this.lastCluster; c++) {
      current = this.isFree(c) ? current + 1 : 0;
      best = Math.max(best, current);
    }
    return best;
  }

  extents(): Extent[] {
    const { volume } = this;
    const { sectorBytes, clusterCount } = volume.geometry;
    const out = [...this.writes];

    // Allocation bitmap: each stretch of changed bytes, through the bitmap's own runs.
    const bytes = [...this.changedBitmapBytes].sort((a, b) => a - b);
    for (let i = 0; i < bytes.length;) {
      let j = i;
      while (j + 1 < bytes.length && bytes[j + 1] === bytes[j]! + 1) j++;
      for (let at = bytes[i]!; at <= bytes[j]!;) {
        const offset = locateInRuns(volume.bitmapRuns, at);
        let length = 1;
        while (
          at + length <= bytes[j]! &&
          locateInRuns(volume.bitmapRuns, at + length) === offset + length
        ) {
          length++;
        }
        out.push(
          bytesExtent(offset, this.bitmap.slice(at, at + length), 'exFAT allocation bitmap'),
        );
        at += length;
      }
      i = j + 1;
    }

    // FAT: whole sectors around the changed entries, the rest of each sector as read.
    if (this.fatChanges.size > 0) {
      const fat = volume.fat.slice();
      for (const [cluster, value] of this.fatChanges) fat[cluster] = value;
      const entriesPerSector = sectorBytes / FAT_ENTRY_BYTES;
      const sectors = [
        ...new Set([...this.fatChanges.keys()].map((c) => Math.floor(c / entriesPerSector))),
      ].sort((a, b) => a - b);
      for (let i = 0; i < sectors.length;) {
        let j = i;
        while (j + 1 < sectors.length && sectors[j + 1] === sectors[j]! + 1) j++;
        const firstEntry = sectors[i]! * entriesPerSector;
        const endEntry = Math.min(
          (sectors[j]! + 1) * entriesPerSector,
          clusterCount + FIRST_CLUSTER,
        );
        const data = new Uint8Array((endEntry - firstEntry) * FAT_ENTRY_BYTES);
        for (let e = firstEntry; e < endEntry; e++)
          setU32le(data, (e - firstEntry) * FAT_ENTRY_BYTES, fat[e]!);
        out.push(
          bytesExtent(volume.fatOffsetBytes + firstEntry * FAT_ENTRY_BYTES, data, 'exFAT FAT'),
        );
        i = j + 1;
      }
    }

    // PercentInUse may change without a new boot checksum (§3.1.18); only the main copy counts.
    const percent = Math.floor((this.usedClusters * 100) / clusterCount);
    if (this.changedBitmapBytes.size > 0 && percent !== volume.bootSector.percentInUse) {
      out.push(bytesExtent(OFFSET_PERCENT_IN_USE, Uint8Array.of(percent), 'exFAT PercentInUse'));
    }
    return sortAndCheckExtents(out);
  }
}

/** Writes an entry set over the slots at `offsets`, adjacent slots as one extent. */
function writeEntrySet(
  editor: VolumeEditor,
  offsets: readonly number[],
  set: Uint8Array,
  label: string,
): void {
  for (let i = 0; i < offsets.length;) {
    let j = i;
    while (j + 1 < offsets.length && offsets[j + 1] === offsets[j]! + ENTRY_SIZE) j++;
    editor.write(bytesExtent(offsets[i]!, set.slice(i * ENTRY_SIZE, (j + 1) * ENTRY_SIZE), label));
    i = j + 1;
  }
}

/** What owns `cluster`, for telling the user why a file cannot grow into it. */
function ownerOf(volume: ExfatVolume, cluster: number): string {
  for (const node of [volume.root, ...walkExfatVolume(volume)]) {
    for (const run of node.clusterRuns) {
      if (cluster >= run.firstCluster && cluster < run.firstCluster + run.clusters) {
        return node.path === '/' ? 'the root directory' : node.path;
      }
    }
  }
  return 'the allocation bitmap or the up-case table (or a cluster no file owns)';
}

interface Reallocation {
  readonly clusterRuns: ClusterRun[];
  readonly noFatChain: boolean;
  readonly added: ClusterRun[];
}

/**
 * Gives `node` exactly `wanted` clusters: shrinking frees the tail; growing takes the clusters
 * right after the last one when they are free (a contiguous file stays contiguous and NoFatChain),
 * else follows `fallback`. The FAT is written only for allocations that use it.
 */
function reallocate(
  editor: VolumeEditor,
  volume: ExfatVolume,
  node: ExfatNode,
  wanted: number,
  fallback: GrowthFallback,
): Reallocation {
  const current = node.clusterRuns;
  const have = node.allocatedClusters;
  const { clusterBytes } = volume.geometry;
  if (wanted <= have) {
    const keep: ClusterRun[] = [];
    const freed: ClusterRun[] = [];
    let left = wanted;
    for (const run of current) {
      const kept = Math.min(left, run.clusters);
      if (kept > 0) keep.push({ firstCluster: run.firstCluster, clusters: kept });
      if (kept < run.clusters)
        freed.push({ firstCluster: run.firstCluster + kept, clusters: run.clusters - kept });
      left -= kept;
    }
    editor.mark(freed, false);
    if (freed.length > 0 && !node.noFatChain && keep.length > 0) {
      const last = keep[keep.length - 1]!;
      editor.setFat(last.firstCluster + last.clusters - 1, FAT_END_OF_CHAIN);
    }
    return { clusterRuns: keep, noFatChain: keep.length > 0 && node.noFatChain, added: [] };
  }
  const need = wanted - have;
  const last = current[current.length - 1];
  const next = last ? last.firstCluster + last.clusters : FIRST_CLUSTER;
  const lastCluster = next - 1;
  /** Links the added clusters behind the old ones when the allocation keeps using the FAT. */
  const extendChain = (added: readonly ClusterRun[]): void => {
    if (last) editor.setFat(lastCluster, added[0]!.firstCluster);
    editor.chain(added);
  };

  if (last && editor.rangeFree(next, need)) {
    const added = [{ firstCluster: next, clusters: need }];
    editor.mark(added, true);
    if (!node.noFatChain) extendChain(added);
    const clusterRuns = [
      ...current.slice(0, -1),
      { firstCluster: last.firstCluster, clusters: last.clusters + need },
    ];
    return { clusterRuns, noFatChain: node.noFatChain, added };
  }
  if (!last || fallback === 'move') {
    const start = editor.findRun(wanted, next);
    if (start !== null) {
      const run = { firstCluster: start, clusters: wanted };
      editor.mark([run], true);
      editor.mark(current, false);
      return { clusterRuns: [run], noFatChain: true, added: [run] };
    }
  }
  if (fallback === 'refuse') {
    const { clusterCount } = volume.geometry;
    let blocker = next;
    while (blocker < next + need && editor.isFree(blocker)) blocker++;
    const reason = !last
      ? `no ${wanted} free clusters lie in one run; the longest free run has ${editor.largestFreeRun()}`
      : blocker > clusterCount + 1
        ? `the volume ends ${blocker - next} clusters after it`
        : `cluster ${blocker} after it belongs to ${ownerOf(volume, blocker)}`;
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `${node.path} cannot grow in place by ${need * clusterBytes} bytes: ${reason}.`,
      shortfall(need * clusterBytes, (blocker - next) * clusterBytes),
    );
  }
  const added = editor.collectFree(need, next);
  if (!added) {
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `${node.path} needs ${need} more clusters of ${clusterBytes} bytes; the volume has ${volume.freeClusters} free.`,
      shortfall(need * clusterBytes, volume.freeClusters * clusterBytes),
    );
  }
  editor.mark(added, true);
  const clusterRuns = [...current];
  for (const cluster of clustersOf(added)) appendCluster(clusterRuns, cluster);
  // A file in one run needs no chain; in pieces, the FAT describes all of it (§6.3.4.2).
  if (clusterRuns.length === 1 && (node.noFatChain || !last)) {
    return { clusterRuns, noFatChain: true, added };
  }
  if (node.noFatChain) editor.chain(clusterRuns);
  else extendChain(added);
  return { clusterRuns, noFatChain: false, added };
}

function checkResizable(node: ExfatNode, newSize: number, volume: ExfatVolume): void {
  if (node.path === '/' || node.isDirectory) throw new RangeError(`${node.path} is a directory`);
  const limit = volume.geometry.clusterCount * volume.geometry.clusterBytes;
  if (!Number.isSafeInteger(newSize) || newSize < 0 || newSize > limit) {
    throw new RangeError(
      `new size ${newSize} of ${node.path} is not a byte count this volume holds`,
    );
  }
}

function finishFile(
  editor: VolumeEditor,
  volume: ExfatVolume,
  node: ExfatNode,
  newSize: number,
  allocation: Reallocation,
  modifiedAt: Date,
): ExfatEditPlan {
  const firstCluster = allocation.clusterRuns[0]?.firstCluster ?? 0;
  const set = withAllocation(node.entrySet, {
    firstCluster,
    dataLength: newSize,
    // As the writer does: the whole file is valid, new clusters hold what the disk held.
    validDataLength: newSize,
    noFatChain: allocation.noFatChain,
    modifiedAt,
  });
  writeEntrySet(editor, node.entryOffsets, set, `${node.path} entry set`);
  return {
    extents: editor.extents(),
    runs: byteRunsOf(volume.geometry, allocation.clusterRuns, newSize),
    firstCluster,
    contiguous: allocation.clusterRuns.length <= 1,
    addedClusters: allocation.added,
  };
}

export interface ResizeOptions {
  /** The file's last-modified time (§7.4.6 asks for it whenever DataLength changes). */
  readonly modifiedAt: Date;
  /** When the clusters after the file are taken; 'refuse' by default. */
  readonly fallback?: Exclude<GrowthFallback, 'move'>;
}

/**
 * Grows or shrinks a file in place, keeping its content. Growth takes the clusters right after
 * the file; when they are not free the plan is refused with the reason (which file is in the way,
 * or the end of the volume), unless `fallback: 'fragment'` lets the file continue elsewhere
 * through a FAT chain. The new bytes hold whatever the clusters held.
 */
export function planExfatResize(
  volume: ExfatVolume,
  node: ExfatNode,
  newSize: number,
  options: ResizeOptions,
): ExfatEditPlan {
  checkResizable(node, newSize, volume);
  const editor = new VolumeEditor(volume);
  const wanted = clustersFor(newSize, volume.geometry.clusterBytes);
  const allocation = reallocate(editor, volume, node, wanted, options.fallback ?? 'refuse');
  return finishFile(editor, volume, node, newSize, allocation, options.modifiedAt);
}

/**
 * Clusters for a file whose whole content the caller writes next (a rewritten boot config): in
 * place when it fits or can grow in place, else one new contiguous run elsewhere, else pieces.
 */
export function planExfatRewrite(
  volume: ExfatVolume,
  node: ExfatNode,
  newSize: number,
  options: { readonly modifiedAt: Date },
): ExfatEditPlan {
  checkResizable(node, newSize, volume);
  const editor = new VolumeEditor(volume);
  const wanted = clustersFor(newSize, volume.geometry.clusterBytes);
  const allocation = reallocate(editor, volume, node, wanted, 'move');
  return finishFile(editor, volume, node, newSize, allocation, options.modifiedAt);
}

/**
 * Grows a directory by one cluster for new entries (zeroed: end-of-directory markers), returning
 * the directory's runs afterwards. The root has no entry set; its chain is all there is.
 */
function growDirectory(
  editor: VolumeEditor,
  volume: ExfatVolume,
  dir: ExfatNode,
  at: Date,
): ByteRun[] {
  const { clusterBytes } = volume.geometry;
  const newBytes = dir.size + clusterBytes;
  if (newBytes > MAX_DIRECTORY_BYTES) {
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `${dir.path} holds 256 MiB of entries, the most exFAT allows.`,
    );
  }
  const rootLike: ExfatNode = dir.path === '/' ? { ...dir, noFatChain: false } : dir;
  const allocation = reallocate(editor, volume, rootLike, dir.allocatedClusters + 1, 'fragment');
  for (const run of allocation.added) {
    const runs = byteRunsOf(volume.geometry, [run], run.clusters * clusterBytes);
    for (const piece of runs)
      editor.write(zeroExtent(piece.offsetBytes, piece.lengthBytes, `${dir.path} new entries`));
  }
  if (dir.path !== '/') {
    const set = withAllocation(dir.entrySet, {
      firstCluster: allocation.clusterRuns[0]!.firstCluster,
      dataLength: newBytes,
      validDataLength: newBytes,
      noFatChain: allocation.noFatChain,
      modifiedAt: at,
    });
    writeEntrySet(editor, dir.entryOffsets, set, `${dir.path} entry set`);
  }
  return byteRunsOf(volume.geometry, allocation.clusterRuns, newBytes);
}

export interface CreateOptions {
  readonly createdAt: Date;
  readonly attributes?: number;
}

/**
 * A new file of `size` bytes in an existing directory, with one contiguous run when the volume
 * has one that size (else pieces and a FAT chain). The plan writes the entry set, the bitmap and
 * the FAT; the content is the caller's, at the returned runs.
 */
export function planExfatCreate(
  volume: ExfatVolume,
  path: string,
  size: number,
  options: CreateOptions,
): ExfatEditPlan {
  const parts = path.split('/').filter((p) => p.length > 0);
  const name = parts.pop();
  if (!path.startsWith('/') || name === undefined)
    throw new RangeError(`"${path}" is not an absolute file path`);
  const problem = exfatNameProblem(name);
  if (problem) throw new RangeError(`exFAT path "${path}": ${problem}`);
  const parentPath = `/${parts.join('/')}`;
  const parent = findExfatFile(volume, parentPath);
  if (!parent?.isDirectory) throw new RangeError(`${parentPath} is not a directory on this volume`);
  const wantedName = upcaseName(name, volume.upcase);
  if (parent.children.some((child) => upcaseName(child.name, volume.upcase) === wantedName)) {
    throw new RangeError(`${path} exists already`);
  }
  const limit = volume.geometry.clusterCount * volume.geometry.clusterBytes;
  if (!Number.isSafeInteger(size) || size < 0 || size > limit) {
    throw new RangeError(`size ${size} of ${path} is not a byte count this volume holds`);
  }

  const editor = new VolumeEditor(volume);
  const slotsNeeded = entrySetLength(name);
  let dirRuns: readonly ByteRun[] = parent.runs;
  let slot = parent.freeSlots.find((free) => free.count >= slotsNeeded)?.entryOffset;
  if (slot === undefined) {
    // Free slots that end the directory continue into the new cluster.
    const tail = parent.freeSlots[parent.freeSlots.length - 1];
    const tailStart =
      tail && tail.entryOffset + tail.count * ENTRY_SIZE === parent.size
        ? tail.entryOffset
        : parent.size;
    if (
      (parent.size - tailStart) / ENTRY_SIZE + volume.geometry.clusterBytes / ENTRY_SIZE <
      slotsNeeded
    ) {
      throw new RangeError(`a ${slotsNeeded}-entry set does not fit one cluster`);
    }
    dirRuns = growDirectory(editor, volume, parent, options.createdAt);
    slot = tailStart;
  }

  const wanted = clustersFor(size, volume.geometry.clusterBytes);
  const empty: ExfatNode = {
    name,
    path,
    isDirectory: false,
    attributes: ATTR_ARCHIVE,
    size: 0,
    validDataLength: 0,
    firstCluster: 0,
    noFatChain: false,
    clusterRuns: [],
    allocatedClusters: 0,
    runs: [],
    entryOffsets: [],
    entrySet: new Uint8Array(0),
    freeSlots: [],
    children: [],
  };
  const allocation = reallocate(editor, volume, empty, wanted, 'fragment');
  const firstCluster = allocation.clusterRuns[0]?.firstCluster ?? 0;
  const set = encodeFileEntrySet({
    name,
    attributes: options.attributes ?? ATTR_ARCHIVE,
    firstCluster,
    dataLength: size,
    validDataLength: size,
    noFatChain: allocation.noFatChain,
    createdAt: options.createdAt,
    upcase: volume.upcase,
  });
  const offsets = Array.from({ length: slotsNeeded }, (_, i) =>
    locateInRuns(dirRuns, slot + i * ENTRY_SIZE),
  );
  writeEntrySet(editor, offsets, set, `${path} entry set`);
  return {
    extents: editor.extents(),
    runs: byteRunsOf(volume.geometry, allocation.clusterRuns, size),
    firstCluster,
    contiguous: allocation.clusterRuns.length <= 1,
    addedClusters: allocation.added,
  };
}

/**
 * Deletes a file or an empty directory: its entries become unused (InUse cleared, §6.2.1.4) and
 * its clusters free in the bitmap, in that order of importance (§8.1); FAT entries stay as they
 * are, since nothing reads the FAT of a free cluster.
 */
export function planExfatDelete(volume: ExfatVolume, node: ExfatNode): Extent[] {
  if (node.path === '/') throw new RangeError('the root directory cannot be deleted');
  if (node.isDirectory && node.children.length > 0) {
    throw new LiveStickError('TARGET_REFUSED', `${node.path} is not empty.`);
  }
  const editor = new VolumeEditor(volume);
  const set = node.entrySet.slice();
  for (let at = 0; at < set.length; at += ENTRY_SIZE) set[at]! &= ~TYPE_IN_USE;
  writeEntrySet(editor, node.entryOffsets, set, `${node.path} entry set (deleted)`);
  editor.mark(node.clusterRuns, false);
  return editor.extents();
}
