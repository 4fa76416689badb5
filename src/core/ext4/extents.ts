// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Extent trees. The root lives in the inode's 60-byte i_block (a 12-byte header plus four
 * 12-byte entries); bigger maps add one level of leaf blocks, each ending in a crc32c tail seeded
 * with the owning inode's seed. Entries are leaves (logical block → physical run of at most 32768
 * blocks) at depth 0 and indexes (first logical block → child block) above.
 */
import { setU16le, setU32le, u16le, u32le } from '../bytes';
import { crc32cRaw } from '../crc32';
import { FormatError, checkChecksum } from '../format-error';
import { MAX_EXTENT_LENGTH } from './constants';

export const EXTENT_MAGIC = 0xf30a;
export const HEADER_SIZE = 12;
export const ENTRY_SIZE = 12;
export const TAIL_SIZE = 4;
export const OFFSET_MAGIC = 0;
export const OFFSET_ENTRIES = 2;
export const OFFSET_MAX = 4;
export const OFFSET_DEPTH = 6;
/** Leaf entry fields. */
export const OFFSET_EE_BLOCK = 0;
export const OFFSET_EE_LEN = 4;
export const OFFSET_EE_START_HI = 6;
export const OFFSET_EE_START_LO = 8;
/** Index entry fields. */
export const OFFSET_EI_BLOCK = 0;
export const OFFSET_EI_LEAF_LO = 4;
export const OFFSET_EI_LEAF_HI = 8;

export const ROOT_BYTES = 60;
export const ROOT_CAPACITY = (ROOT_BYTES - HEADER_SIZE) / ENTRY_SIZE;

export interface ExtentRun {
  /** First file block. */
  readonly logical: number;
  /** First filesystem block. */
  readonly physical: number;
  readonly length: number;
}

export interface ExtentNode {
  readonly depth: number;
  readonly max: number;
  /** Leaves at depth 0; for index nodes `physical` is the child block and `length` is 0. */
  readonly entries: readonly ExtentRun[];
}

/** Entries one leaf block holds; the checksum tail sits right after them. */
export function extentBlockCapacity(blockBytes: number): number {
  return Math.floor((blockBytes - HEADER_SIZE - TAIL_SIZE) / ENTRY_SIZE);
}

/** Splits contiguous runs into extents no longer than one extent can map. */
export function toExtents(runs: readonly ExtentRun[]): ExtentRun[] {
  const out: ExtentRun[] = [];
  for (const run of runs) {
    for (let done = 0; done < run.length; done += MAX_EXTENT_LENGTH) {
      out.push({
        logical: run.logical + done,
        physical: run.physical + done,
        length: Math.min(MAX_EXTENT_LENGTH, run.length - done),
      });
    }
  }
  return out;
}

/** How many leaf blocks a map of `extentCount` extents needs (0 when it fits in the inode). */
export function extentLeafBlocksNeeded(extentCount: number, blockBytes: number): number {
  if (extentCount <= ROOT_CAPACITY) return 0;
  const leaves = Math.ceil(extentCount / extentBlockCapacity(blockBytes));
  if (leaves > ROOT_CAPACITY) {
    throw new RangeError(
      `an extent map of ${extentCount} extents needs a tree deeper than one level`,
    );
  }
  return leaves;
}

function encodeNode(
  out: Uint8Array,
  depth: number,
  max: number,
  entries: readonly ExtentRun[],
): void {
  setU16le(out, OFFSET_MAGIC, EXTENT_MAGIC);
  setU16le(out, OFFSET_ENTRIES, entries.length);
  setU16le(out, OFFSET_MAX, max);
  setU16le(out, OFFSET_DEPTH, depth);
  entries.forEach((entry, i) => {
    const at = HEADER_SIZE + i * ENTRY_SIZE;
    if (entry.physical > 0xffffffff || entry.logical > 0xffffffff) {
      throw new RangeError(`extent ${entry.logical}→${entry.physical} exceeds 32-bit blocks`);
    }
    if (depth === 0) {
      if (entry.length < 1 || entry.length > MAX_EXTENT_LENGTH) {
        throw new RangeError(`extent length ${entry.length} is outside [1, ${MAX_EXTENT_LENGTH}]`);
      }
      setU32le(out, at + OFFSET_EE_BLOCK, entry.logical);
      setU16le(out, at + OFFSET_EE_LEN, entry.length);
      setU16le(out, at + OFFSET_EE_START_HI, 0);
      setU32le(out, at + OFFSET_EE_START_LO, entry.physical);
    } else {
      setU32le(out, at + OFFSET_EI_BLOCK, entry.logical);
      setU32le(out, at + OFFSET_EI_LEAF_LO, entry.physical);
      setU16le(out, at + OFFSET_EI_LEAF_HI, 0);
    }
  });
}

export interface EncodedExtentTree {
  /** The inode's i_block. */
  readonly root: Uint8Array;
  /** Leaf blocks, in the order of `leafBlocks`. */
  readonly leaves: readonly Uint8Array[];
}

/**
 * Encodes the tree for `extents` (sorted, non-overlapping). `leafBlocks` are the blocks reserved
 * for leaves, exactly extentLeafBlocksNeeded(...) of them; `inodeSeed` is the owner's
 * inodeChecksumSeed.
 */
export function encodeExtentTree(
  extents: readonly ExtentRun[],
  leafBlocks: readonly number[],
  blockBytes: number,
  inodeSeed: number,
): EncodedExtentTree {
  const needed = extentLeafBlocksNeeded(extents.length, blockBytes);
  if (leafBlocks.length !== needed) {
    throw new RangeError(
      `${extents.length} extents need ${needed} leaf blocks, got ${leafBlocks.length}`,
    );
  }
  const root = new Uint8Array(ROOT_BYTES);
  if (needed === 0) {
    encodeNode(root, 0, ROOT_CAPACITY, extents);
    return { root, leaves: [] };
  }
  const capacity = extentBlockCapacity(blockBytes);
  const leaves: Uint8Array[] = [];
  const index: ExtentRun[] = [];
  for (let i = 0; i < needed; i++) {
    const slice = extents.slice(i * capacity, (i + 1) * capacity);
    const block = new Uint8Array(blockBytes);
    encodeNode(block, 0, capacity, slice);
    const tailAt = HEADER_SIZE + capacity * ENTRY_SIZE;
    setU32le(block, tailAt, crc32cRaw(block.subarray(0, tailAt), inodeSeed));
    leaves.push(block);
    // The first index entry covers from logical 0 whatever the first extent's start.
    index.push({ logical: i === 0 ? 0 : slice[0]!.logical, physical: leafBlocks[i]!, length: 0 });
  }
  encodeNode(root, 1, ROOT_CAPACITY, index);
  return { root, leaves };
}

/**
 * Decodes one node: the inode root (`inodeSeed` undefined, no tail) or a tree block (its tail is
 * verified against `inodeSeed`).
 */
export function decodeExtentNode(bytes: Uint8Array, inodeSeed?: number): ExtentNode {
  const structure = inodeSeed === undefined ? 'ext4 extent root' : 'ext4 extent block';
  if (bytes.length < HEADER_SIZE) {
    throw new FormatError(structure, 0, `need ${HEADER_SIZE} bytes, got ${bytes.length}`);
  }
  const magic = u16le(bytes, OFFSET_MAGIC);
  if (magic !== EXTENT_MAGIC) {
    throw new FormatError(
      structure,
      OFFSET_MAGIC,
      `magic 0x${magic.toString(16)}, expected 0xf30a`,
    );
  }
  const count = u16le(bytes, OFFSET_ENTRIES);
  const max = u16le(bytes, OFFSET_MAX);
  const depth = u16le(bytes, OFFSET_DEPTH);
  if (count > max || HEADER_SIZE + max * ENTRY_SIZE > bytes.length) {
    throw new FormatError(structure, OFFSET_ENTRIES, `${count} of max ${max} entries do not fit`);
  }
  if (inodeSeed !== undefined) {
    const tailAt = HEADER_SIZE + max * ENTRY_SIZE;
    if (tailAt + TAIL_SIZE > bytes.length) {
      throw new FormatError(structure, tailAt, 'no room for the checksum tail');
    }
    const stored = u32le(bytes, tailAt);
    const computed = crc32cRaw(bytes.subarray(0, tailAt), inodeSeed);
    checkChecksum(structure, tailAt, stored, computed);
  }
  const entries: ExtentRun[] = [];
  for (let i = 0; i < count; i++) {
    const at = HEADER_SIZE + i * ENTRY_SIZE;
    entries.push(
      depth === 0
        ? {
            logical: u32le(bytes, at + OFFSET_EE_BLOCK),
            physical:
              u32le(bytes, at + OFFSET_EE_START_LO) +
              u16le(bytes, at + OFFSET_EE_START_HI) * 2 ** 32,
            length: u16le(bytes, at + OFFSET_EE_LEN),
          }
        : {
            logical: u32le(bytes, at + OFFSET_EI_BLOCK),
            physical:
              u32le(bytes, at + OFFSET_EI_LEAF_LO) + u16le(bytes, at + OFFSET_EI_LEAF_HI) * 2 ** 32,
            length: 0,
          },
    );
  }
  return { depth, max, entries };
}
