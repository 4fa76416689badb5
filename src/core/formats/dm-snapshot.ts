// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The device-mapper persistent snapshot ("COW") store that dracut stacks over rootfs.img as
 * `live-rw` (docs/FORMATS.md, "The snapshot overlay"; Linux drivers/md/dm-snap-persistent.c).
 *
 * Layout, in chunks of `chunk_size` 512-byte sectors: chunk 0 is the header; metadata area `a`
 * is the chunk at 1 + (epa + 1)·a, a table of `epa` = chunk_bytes / 16 {old_chunk, new_chunk}
 * u64 pairs; each area is followed by the `epa` data chunks it maps. All integers little endian.
 *
 * LiveStick never writes a header: a file whose first four bytes are zero is a new snapshot to
 * the kernel, which initialises it on first activation. What we do write is zeros,
 * and what we read is the usage `dmsetup status live-rw` would print.
 */
import type { ByteSource } from '../byte-source';
import { setU32le, u32le, u64le } from '../bytes';
import { zeroExtent, type Extent } from '../extent';
import { FormatError } from '../format-error';
import { SECTOR_BYTES } from '../sector';

/** dracut's table asks for 8-sector (4 KiB) chunks: `snapshot <origin> <cow> PO 8`. */
export const DRACUT_CHUNK_SECTORS = 8;
export const SNAPSHOT_MAGIC = 0x70416e53; // "SnAp" read as a little-endian u32
export const SNAPSHOT_DISK_VERSION = 1;
export const OFFSET_MAGIC = 0;
export const OFFSET_VALID = 4;
export const OFFSET_VERSION = 8;
export const OFFSET_CHUNK_SIZE = 12;
export const SNAPSHOT_HEADER_SIZE = 16;
/** One `disk_exception`: u64 old_chunk (origin), u64 new_chunk (COW). */
export const EXCEPTION_SIZE = 16;
export const OFFSET_EXCEPTION_OLD = 0;
export const OFFSET_EXCEPTION_NEW = 8;
/** Chunk 0 is the header, so area 0 starts at chunk 1 and allocation at chunk 2. */
const HEADER_CHUNKS = 1;
const FIRST_DATA_CHUNK = 2;
/**
 * The kernel takes any power of two up to INT_MAX >> 9 sectors (dm_exception_store_set_chunk_size);
 * the largest such power is 2^21 sectors, 1 GiB.
 */
export const MAX_CHUNK_SECTORS = 2 ** 21;
/** dracut's `rd.live.overlay.reset` and litd's `--reset-overlay` zero this much. */
export const RESET_BYTES = 64 * 1024;
/** Zeroed at both ends of a fresh overlay so no stale signature makes blkid call it a filesystem. */
export const FRESH_OVERLAY_CLEAR_BYTES = 1024 * 1024;
/** Percentage of the COW device past which the UI should warn. */
export const NEARLY_FULL_PERCENT = 90;
/** Largest piece of an area read at once, so absurd (but legal) chunk sizes stay bounded. */
const READ_PIECE_BYTES = 64 * 1024;

export interface SnapshotHeader {
  /** `valid == 0` means the kernel invalidated the snapshot: it loads, then fails all I/O. */
  readonly valid: boolean;
  readonly version: number;
  readonly chunkSectors: number;
}

export function chunkBytesOf(chunkSectors: number): number {
  return chunkSectors * SECTOR_BYTES;
}

/** Exceptions per metadata area: 256 for 4 KiB chunks. */
export function exceptionsPerArea(chunkSectors: number): number {
  return chunkBytesOf(chunkSectors) / EXCEPTION_SIZE;
}

/** Chunk index of metadata area `area`: 1, 258, 515, … for 4 KiB chunks. */
export function areaChunk(area: number, chunkSectors: number): number {
  return HEADER_CHUNKS + (exceptionsPerArea(chunkSectors) + 1) * area;
}

function isValidChunkSectors(chunkSectors: number): boolean {
  return (
    Number.isInteger(chunkSectors) &&
    chunkSectors > 0 &&
    chunkSectors <= MAX_CHUNK_SECTORS &&
    (chunkSectors & (chunkSectors - 1)) === 0
  );
}

function checkChunkSectors(chunkSectors: number, offset: number): void {
  if (!isValidChunkSectors(chunkSectors)) {
    throw new FormatError(
      'DM snapshot header',
      offset,
      `chunk_size must be a power of two from 1 to ${MAX_CHUNK_SECTORS} sectors, got ${chunkSectors}`,
    );
  }
}

/** The 16 header bytes; the rest of chunk 0 is zero. Only tests and tools that emulate the kernel need it. */
export function encodeSnapshotHeader(header: SnapshotHeader): Uint8Array {
  checkChunkSectors(header.chunkSectors, OFFSET_CHUNK_SIZE);
  const bytes = new Uint8Array(SNAPSHOT_HEADER_SIZE);
  setU32le(bytes, OFFSET_MAGIC, SNAPSHOT_MAGIC);
  setU32le(bytes, OFFSET_VALID, header.valid ? 1 : 0);
  setU32le(bytes, OFFSET_VERSION, header.version);
  setU32le(bytes, OFFSET_CHUNK_SIZE, header.chunkSectors);
  return bytes;
}

/**
 * Decodes the header; `null` for a new snapshot (magic 0), which the kernel initialises itself.
 * Anything the kernel refuses to load — another magic, another version, an unusable chunk size —
 * is a FormatError: with such a file `live-rw` is never created and the live system does not boot.
 */
export function decodeSnapshotHeader(bytes: Uint8Array): SnapshotHeader | null {
  if (bytes.length < SNAPSHOT_HEADER_SIZE) {
    throw new FormatError(
      'DM snapshot header',
      0,
      `need ${SNAPSHOT_HEADER_SIZE} bytes, got ${bytes.length}`,
    );
  }
  const magic = u32le(bytes, OFFSET_MAGIC);
  if (magic === 0) return null;
  if (magic !== SNAPSHOT_MAGIC) {
    throw new FormatError(
      'DM snapshot header',
      OFFSET_MAGIC,
      `expected magic 0x${SNAPSHOT_MAGIC.toString(16)} ("SnAp") or 0, got 0x${magic.toString(16).padStart(8, '0')}`,
    );
  }
  const version = u32le(bytes, OFFSET_VERSION);
  if (version !== SNAPSHOT_DISK_VERSION) {
    throw new FormatError(
      'DM snapshot header',
      OFFSET_VERSION,
      `expected version ${SNAPSHOT_DISK_VERSION}, got ${version}`,
    );
  }
  const chunkSectors = u32le(bytes, OFFSET_CHUNK_SIZE);
  checkChunkSectors(chunkSectors, OFFSET_CHUNK_SIZE);
  return { valid: u32le(bytes, OFFSET_VALID) !== 0, version, chunkSectors };
}

/**
 * Data chunks a COW file of `sizeBytes` can take before the kernel reports overflow.
 *
 * The kernel allocates chunk `next_free` while (next_free + 1)·cs ≤ device sectors, skipping
 * metadata slots; when that fills an area it must zero the next area first, and if that area lies
 * past the end the write fails and the snapshot is invalidated. The chunk that would fill such
 * an area is therefore not counted.
 */
export function capacityChunks(sizeBytes: number, chunkSectors = DRACUT_CHUNK_SECTORS): number {
  const chunks = Math.floor(Math.floor(sizeBytes / SECTOR_BYTES) / chunkSectors);
  if (chunks <= FIRST_DATA_CHUNK) return 0;
  const stride = exceptionsPerArea(chunkSectors) + 1;
  // Data chunks are [2, chunks) minus the metadata slots 1 + stride·k (k ≥ 1) below `chunks`.
  const dataChunks = chunks - FIRST_DATA_CHUNK - Math.floor((chunks - FIRST_DATA_CHUNK) / stride);
  const lastFillsArea = chunks % stride === HEADER_CHUNKS;
  return lastFillsArea ? dataChunks - 1 : dataChunks;
}

/**
 * Size past which a DM overlay over a rootfs.img of `rootfsImageBytes` is never used, since every
 * origin chunk is copied at most once: (1 + N + ⌈N/256⌉) × 4096 with
 * N = ⌈rootfs / 4096⌉ — plus one chunk when N fills its last area exactly, because the kernel
 * must then be able to zero the following area (see capacityChunks).
 */
export function usefulMaxBytes(rootfsImageBytes: number): number {
  const chunkBytes = chunkBytesOf(DRACUT_CHUNK_SECTORS);
  const epa = exceptionsPerArea(DRACUT_CHUNK_SECTORS);
  const n = Math.ceil(rootfsImageBytes / chunkBytes);
  const areaFollower = n > 0 && n % epa === 0 ? 1 : 0;
  return (HEADER_CHUNKS + n + Math.ceil(n / epa) + areaFollower) * chunkBytes;
}

/**
 * Writes that prepare an allocated overlay file for its first activation, relative to the file.
 * The kernel needs only the magic to be zero; the first and last MiB are cleared because dracut
 * ≥ 045 runs blkid on the file and would treat any stale filesystem or RAID signature as an
 * embedded OverlayFS image. `zeroFill` clears everything, like litd.
 */
export function planFreshOverlay(options: { sizeBytes: number; zeroFill: boolean }): Extent[] {
  const { sizeBytes } = options;
  const minimum = 2 * chunkBytesOf(DRACUT_CHUNK_SECTORS);
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < minimum) {
    throw new RangeError(
      `a DM overlay needs at least ${minimum} bytes (header and first metadata chunk), got ${sizeBytes}`,
    );
  }
  if (options.zeroFill || sizeBytes <= 2 * FRESH_OVERLAY_CLEAR_BYTES) {
    return [zeroExtent(0, sizeBytes, 'overlay zero fill')];
  }
  return [
    zeroExtent(0, FRESH_OVERLAY_CLEAR_BYTES, 'overlay head'),
    zeroExtent(sizeBytes - FRESH_OVERLAY_CLEAR_BYTES, FRESH_OVERLAY_CLEAR_BYTES, 'overlay tail'),
  ];
}

/** What `rd.live.overlay.reset` does: the next activation sees a new, empty snapshot. */
export function resetOverlayExtents(sizeBytes: number): Extent[] {
  return [zeroExtent(0, Math.min(RESET_BYTES, sizeBytes), 'overlay reset')];
}

export interface SnapshotUsage {
  /** `fresh`: magic 0, initialised at next activation. `invalid`: the kernel marked it, all I/O fails. */
  readonly state: 'fresh' | 'valid' | 'invalid';
  readonly chunkSectors: number;
  /** COW device size as the loop device reports it: ⌊file bytes / 512⌋. */
  readonly totalSectors: number;
  /** next_free · chunk_size, metadata included, as the kernel counts it. */
  readonly allocatedSectors: number;
  /** Header plus the metadata areas up to the current one. */
  readonly metadataSectors: number;
  /** Remapped origin chunks recorded on disk. */
  readonly exceptions: number;
  readonly percentUsed: number;
  /** The next new chunk does not fit: the first write to an unmapped chunk overflows. */
  readonly full: boolean;
  readonly willBeFullSoon: boolean;
  /**
   * The area chain or an exception points past the end of the file — the file was truncated.
   * The kernel fails to load such a snapshot (or invalidates it when it gets there).
   */
  readonly beyondEnd: boolean;
  /** The snapshot part of the status: `16/1048576 16`, or `Invalid`. */
  readonly status: string;
  /** The whole `dmsetup status live-rw` line; null unless `originBytes` was given. */
  readonly statusLine: string | null;
}

export interface SnapshotUsageOptions {
  /** Where the COW file starts inside `source` (a disk image, a partition). Default 0. */
  readonly offset?: number;
  /** Size of the COW file. Default: the rest of `source`. */
  readonly length?: number;
  /** Size of the origin (rootfs.img), which sets the table length printed first. */
  readonly originBytes?: number;
  /** Chunk size of the table; used for a fresh file. Default 8, as dracut. */
  readonly tableChunkSectors?: number;
}

/**
 * Computes offline what `dmsetup status live-rw` prints once the kernel has loaded this COW file,
 * by replaying its load path (read_exceptions): walk the area chain to the first non-full area,
 * take next_free = max(new_chunk) + 1, skip a metadata slot.
 */
export async function readSnapshotUsage(
  source: ByteSource,
  options: SnapshotUsageOptions = {},
): Promise<SnapshotUsage> {
  const base = options.offset ?? 0;
  const length = options.length ?? source.size - base;
  if (base < 0 || length < 0 || base + length > source.size) {
    throw new RangeError(
      `COW file [${base}, +${length}) lies outside a ${source.size}-byte source`,
    );
  }
  const tableChunkSectors = options.tableChunkSectors ?? DRACUT_CHUNK_SECTORS;
  if (!isValidChunkSectors(tableChunkSectors)) {
    throw new RangeError(
      `table chunk size ${tableChunkSectors} is not a power of two up to ${MAX_CHUNK_SECTORS}`,
    );
  }
  if (length < SNAPSHOT_HEADER_SIZE) {
    throw new FormatError('DM snapshot header', 0, `file of ${length} bytes holds no header`);
  }
  const header = decodeSnapshotHeader(await source.read(base, SNAPSHOT_HEADER_SIZE));
  const chunkSectors = header ? header.chunkSectors : tableChunkSectors;
  const chunkBytes = chunkBytesOf(chunkSectors);
  const totalSectors = Math.floor(length / SECTOR_BYTES);
  const fileChunks = Math.floor(totalSectors / chunkSectors);
  const epa = exceptionsPerArea(chunkSectors);
  const stride = epa + 1;

  let nextFree = FIRST_DATA_CHUNK;
  let currentArea = 0;
  let exceptions = 0;
  let beyondEnd = areaChunk(0, chunkSectors) >= fileChunks;
  // An invalidated snapshot is not walked by the kernel, but its areas still tell how full it got.
  if (header && !beyondEnd) {
    walk: for (let area = 0; ; area++) {
      const chunk = areaChunk(area, chunkSectors);
      if (chunk >= fileChunks) {
        beyondEnd = true;
        currentArea = area;
        break;
      }
      for (let piece = 0; piece < chunkBytes; piece += READ_PIECE_BYTES) {
        const pieceBytes = Math.min(READ_PIECE_BYTES, chunkBytes - piece);
        const areaOffset = chunk * chunkBytes + piece;
        const bytes = await source.read(base + areaOffset, pieceBytes);
        for (let at = 0; at < pieceBytes; at += EXCEPTION_SIZE) {
          const newChunk = u64le(bytes, at + OFFSET_EXCEPTION_NEW);
          if (newChunk === 0n) {
            currentArea = area;
            break walk;
          }
          if (newChunk >= BigInt(fileChunks)) {
            if (newChunk > BigInt(Number.MAX_SAFE_INTEGER)) {
              throw new FormatError(
                'DM snapshot exception',
                areaOffset + at + OFFSET_EXCEPTION_NEW,
                `new_chunk ${newChunk} is absurd for a ${fileChunks}-chunk file`,
              );
            }
            beyondEnd = true;
          }
          nextFree = Math.max(nextFree, Number(newChunk) + 1);
          exceptions++;
        }
      }
    }
  }
  if (nextFree % stride === HEADER_CHUNKS) nextFree++;

  const allocatedSectors = nextFree * chunkSectors;
  const metadataSectors = (currentArea + 1 + HEADER_CHUNKS) * chunkSectors;
  const state = !header ? 'fresh' : header.valid ? 'valid' : 'invalid';
  const percentUsed = totalSectors === 0 ? 100 : (allocatedSectors / totalSectors) * 100;
  const full = (nextFree + 1) * chunkSectors > totalSectors;
  const status =
    state === 'invalid' ? 'Invalid' : `${allocatedSectors}/${totalSectors} ${metadataSectors}`;
  const statusLine =
    options.originBytes === undefined
      ? null
      : `0 ${Math.floor(options.originBytes / SECTOR_BYTES)} snapshot ${status}`;
  return {
    state,
    chunkSectors,
    totalSectors,
    allocatedSectors,
    metadataSectors,
    exceptions,
    percentUsed,
    full,
    willBeFullSoon: full || percentUsed >= NEARLY_FULL_PERCENT,
    beyondEnd,
    status,
    statusLine,
  };
}
