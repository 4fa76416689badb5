// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Squashfs 4.0 (Linux fs/squashfs, squashfs-tools): superblock, metadata blocks, inodes and
 * directory listings — enough to tell a nested LiveOS (LiveOS/rootfs.img inside) from a flat root
 * tree and to size rootfs.img. File data is never read. All reads go through a ByteSource and
 * stay inside [0, bytes_used); every count is bounded.
 */
import type { ByteSource } from '../byte-source';
import { u16le, u32le, u64le } from '../bytes';
import { FormatError } from '../format-error';
import { compressionName, decompressBlock, type SquashfsCompression } from './squashfs-decompress';

export const SQUASHFS_MAGIC = 0x73717368; // "hsqs" read little-endian
export const SUPERBLOCK_SIZE = 96;

const OFFSET_MAGIC = 0;
const OFFSET_INODE_COUNT = 4;
const OFFSET_BLOCK_SIZE = 12;
const OFFSET_COMPRESSION = 20;
const OFFSET_BLOCK_LOG = 22;
const OFFSET_FLAGS = 24;
const OFFSET_VERSION_MAJOR = 28;
const OFFSET_VERSION_MINOR = 30;
const OFFSET_ROOT_INODE = 32;
const OFFSET_BYTES_USED = 40;
const OFFSET_INODE_TABLE = 64;
const OFFSET_DIRECTORY_TABLE = 72;

export const METADATA_SIZE = 8192;
const METADATA_UNCOMPRESSED = 0x8000;

const INODE_BASIC_DIR = 1;
const INODE_BASIC_FILE = 2;
const INODE_BASIC_SYMLINK = 3;
const INODE_EXT_DIR = 8;
const INODE_EXT_FILE = 9;
const INODE_EXT_SYMLINK = 10;
const INODE_HEADER = 16;

/** Directory headers count entries minus one and cap them at 256 (squashfs_fs.h). */
const MAX_DIR_ENTRIES_PER_HEADER = 256;
const DIR_HEADER = 12;
const DIR_ENTRY = 8;
/** Listing size recorded in a directory inode includes 3 bytes for "." and "..". */
const DIR_SIZE_BIAS = 3;
/** A directory listing bigger than this is not something a root filesystem has. */
const MAX_DIRECTORY_BYTES = 16 * 1024 * 1024;

export interface SquashfsSuperblock {
  readonly inodeCount: number;
  readonly blockSize: number;
  readonly compression: SquashfsCompression;
  readonly flags: number;
  readonly rootInode: InodeRef;
  readonly bytesUsed: number;
  readonly inodeTableStart: number;
  readonly directoryTableStart: number;
}

/** Where an inode lives: metadata block (relative to the inode table) and offset in it. */
export interface InodeRef {
  readonly block: number;
  readonly offset: number;
}

export type SquashfsEntryType = 'directory' | 'file' | 'symlink' | 'other';

export interface SquashfsEntry {
  readonly name: string;
  readonly type: SquashfsEntryType;
  readonly inode: InodeRef;
}

export interface SquashfsInode {
  readonly type: SquashfsEntryType;
  /** File size for files, listing size for directories. */
  readonly size: number;
  /** Directories only: where the listing starts in the directory table. */
  readonly listing?: InodeRef;
}

export function isSquashfs(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && u32le(bytes, OFFSET_MAGIC) === SQUASHFS_MAGIC;
}

export function decodeSquashfsSuperblock(bytes: Uint8Array, imageSize: number): SquashfsSuperblock {
  const S = 'squashfs superblock';
  if (bytes.length < SUPERBLOCK_SIZE) throw new FormatError(S, 0, `only ${bytes.length} bytes`);
  const magic = u32le(bytes, OFFSET_MAGIC);
  if (magic !== SQUASHFS_MAGIC) {
    throw new FormatError(
      S,
      OFFSET_MAGIC,
      `magic 0x${magic.toString(16)}, expected 0x73717368 ("hsqs")`,
    );
  }
  const major = u16le(bytes, OFFSET_VERSION_MAJOR);
  const minor = u16le(bytes, OFFSET_VERSION_MINOR);
  if (major !== 4 || minor !== 0) {
    throw new FormatError(S, OFFSET_VERSION_MAJOR, `version ${major}.${minor}, expected 4.0`);
  }
  const blockSize = u32le(bytes, OFFSET_BLOCK_SIZE);
  const blockLog = u16le(bytes, OFFSET_BLOCK_LOG);
  if (blockLog < 12 || blockLog > 20 || blockSize !== 2 ** blockLog) {
    throw new FormatError(S, OFFSET_BLOCK_SIZE, `block size ${blockSize} with log ${blockLog}`);
  }
  const bytesUsed = safe64(bytes, OFFSET_BYTES_USED);
  if (bytesUsed > imageSize || bytesUsed < SUPERBLOCK_SIZE) {
    throw new FormatError(
      S,
      OFFSET_BYTES_USED,
      `bytes_used ${bytesUsed} in a ${imageSize}-byte image`,
    );
  }
  const inodeTableStart = safe64(bytes, OFFSET_INODE_TABLE);
  const directoryTableStart = safe64(bytes, OFFSET_DIRECTORY_TABLE);
  if (
    inodeTableStart < SUPERBLOCK_SIZE ||
    directoryTableStart <= inodeTableStart ||
    directoryTableStart >= bytesUsed
  ) {
    throw new FormatError(
      S,
      OFFSET_INODE_TABLE,
      `tables out of order: inodes at ${inodeTableStart}, directories at ${directoryTableStart}, end ${bytesUsed}`,
    );
  }
  const rootRef = safe64(bytes, OFFSET_ROOT_INODE);
  return {
    inodeCount: u32le(bytes, OFFSET_INODE_COUNT),
    blockSize,
    compression: compressionName(u16le(bytes, OFFSET_COMPRESSION), OFFSET_COMPRESSION),
    flags: u16le(bytes, OFFSET_FLAGS),
    rootInode: decodeInodeRef(rootRef),
    bytesUsed,
    inodeTableStart,
    directoryTableStart,
  };
}

function safe64(bytes: Uint8Array, offset: number): number {
  const value = u64le(bytes, offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new FormatError('squashfs superblock', offset, `64-bit field ${value} is out of range`);
  }
  return Number(value);
}

/** An inode reference packs the metadata block offset above the 16-bit offset within it. */
export function decodeInodeRef(ref: number): InodeRef {
  return { block: Math.floor(ref / 0x10000), offset: ref % 0x10000 };
}

/**
 * A squashfs image opened for metadata reading. Decompressed metadata blocks are cached by
 * position, since neighbouring inodes and entries share blocks.
 */
export class SquashfsReader {
  private readonly blocks = new Map<number, { data: Uint8Array; next: number }>();
  /** Total decompressed metadata, bounding the work a hostile image can cause. */
  private metadataBytes = 0;
  private static readonly MAX_METADATA_BYTES = 64 * 1024 * 1024;

  private constructor(
    private readonly source: ByteSource,
    readonly superblock: SquashfsSuperblock,
  ) {}

  static async open(source: ByteSource): Promise<SquashfsReader> {
    if (source.size < SUPERBLOCK_SIZE) {
      throw new FormatError('squashfs superblock', 0, `the image has only ${source.size} bytes`);
    }
    const superblock = decodeSquashfsSuperblock(await source.read(0, SUPERBLOCK_SIZE), source.size);
    return new SquashfsReader(source, superblock);
  }

  async inode(ref: InodeRef): Promise<SquashfsInode> {
    const { inodeTableStart, directoryTableStart } = this.superblock;
    // The largest inode we decode (extended directory) is 40 bytes past the common header.
    const bytes = await this.readMetadata(
      inodeTableStart,
      directoryTableStart,
      ref,
      INODE_HEADER + 40,
      true,
    );
    const type = u16le(bytes, 0);
    const at = inodeTableStart + ref.block;
    switch (type) {
      case INODE_BASIC_DIR:
        return {
          type: 'directory',
          size: u16le(bytes, INODE_HEADER + 8),
          listing: { block: u32le(bytes, INODE_HEADER), offset: u16le(bytes, INODE_HEADER + 10) },
        };
      case INODE_EXT_DIR:
        return {
          type: 'directory',
          size: u32le(bytes, INODE_HEADER + 4),
          listing: {
            block: u32le(bytes, INODE_HEADER + 8),
            offset: u16le(bytes, INODE_HEADER + 18),
          },
        };
      case INODE_BASIC_FILE:
        return { type: 'file', size: u32le(bytes, INODE_HEADER + 12) };
      case INODE_EXT_FILE: {
        const size = u64le(bytes, INODE_HEADER + 8);
        if (size > BigInt(Number.MAX_SAFE_INTEGER))
          throw new FormatError('squashfs inode', at, `file size ${size}`);
        return { type: 'file', size: Number(size) };
      }
      case INODE_BASIC_SYMLINK:
      case INODE_EXT_SYMLINK:
        return { type: 'symlink', size: u32le(bytes, INODE_HEADER + 4) };
      default:
        if (type >= 4 && type <= 14) return { type: 'other', size: 0 };
        throw new FormatError('squashfs inode', at, `unknown inode type ${type}`);
    }
  }

  /** Lists a directory inode's entries (without "." and ".."). */
  async list(directory: SquashfsInode): Promise<SquashfsEntry[]> {
    if (directory.type !== 'directory' || directory.listing === undefined) {
      throw new FormatError('squashfs directory', 0, 'not a directory inode');
    }
    if (directory.size <= DIR_SIZE_BIAS) return [];
    const size = directory.size - DIR_SIZE_BIAS;
    if (size > MAX_DIRECTORY_BYTES) {
      throw new FormatError('squashfs directory', 0, `listing of ${size} bytes`);
    }
    const { directoryTableStart, bytesUsed } = this.superblock;
    const data = await this.readMetadata(
      directoryTableStart,
      bytesUsed,
      directory.listing,
      size,
      false,
    );
    const entries: SquashfsEntry[] = [];
    let at = 0;
    while (at < size) {
      if (at + DIR_HEADER > size)
        throw new FormatError('squashfs directory header', at, 'truncated');
      const count = u32le(data, at) + 1;
      const inodeBlock = u32le(data, at + 4);
      if (count > MAX_DIR_ENTRIES_PER_HEADER) {
        throw new FormatError(
          'squashfs directory header',
          at,
          `${count} entries, at most 256 allowed`,
        );
      }
      at += DIR_HEADER;
      for (let i = 0; i < count; i++) {
        if (at + DIR_ENTRY > size)
          throw new FormatError('squashfs directory entry', at, 'truncated');
        const offset = u16le(data, at);
        const type = u16le(data, at + 4);
        const nameLength = u16le(data, at + 6) + 1;
        if (at + DIR_ENTRY + nameLength > size) {
          throw new FormatError(
            'squashfs directory entry',
            at,
            `name of ${nameLength} bytes runs past the listing`,
          );
        }
        const name = utf8.decode(data.subarray(at + DIR_ENTRY, at + DIR_ENTRY + nameLength));
        entries.push({ name, type: entryType(type), inode: { block: inodeBlock, offset } });
        at += DIR_ENTRY + nameLength;
      }
    }
    return entries;
  }

  /**
   * Reads `length` bytes of a metadata table starting `ref.offset` bytes into the block at
   * `tableStart + ref.block`, following consecutive blocks, without passing `tableEnd`. With
   * `partial`, fewer bytes may come back at the table end (an inode near the end of the table).
   */
  private async readMetadata(
    tableStart: number,
    tableEnd: number,
    ref: InodeRef,
    length: number,
    partial: boolean,
  ): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let filled = 0;
    let position = tableStart + ref.block;
    let skip = ref.offset;
    while (filled < length) {
      if (position >= tableEnd) {
        if (partial && filled > 0) return out;
        throw new FormatError('squashfs metadata', position, 'reference runs past its table');
      }
      const block = await this.metadataBlock(position, tableEnd);
      if (skip > block.data.length) {
        throw new FormatError(
          'squashfs metadata',
          position,
          `offset ${skip} in a ${block.data.length}-byte block`,
        );
      }
      const take = Math.min(length - filled, block.data.length - skip);
      out.set(block.data.subarray(skip, skip + take), filled);
      filled += take;
      skip = 0;
      position = block.next;
    }
    return out;
  }

  private async metadataBlock(
    position: number,
    tableEnd: number,
  ): Promise<{ data: Uint8Array; next: number }> {
    const cached = this.blocks.get(position);
    if (cached) return cached;
    if (position + 2 > tableEnd)
      throw new FormatError('squashfs metadata', position, 'header past the table');
    const header = u16le(await this.source.read(position, 2), 0);
    const stored = header & ~METADATA_UNCOMPRESSED;
    if (stored === 0 || stored > METADATA_SIZE || position + 2 + stored > tableEnd) {
      throw new FormatError('squashfs metadata block', position, `stored size ${stored}`);
    }
    const raw = await this.source.read(position + 2, stored);
    const data =
      header & METADATA_UNCOMPRESSED
        ? raw
        : decompressBlock(this.superblock.compression, raw, METADATA_SIZE, position);
    this.metadataBytes += data.length;
    if (this.metadataBytes > SquashfsReader.MAX_METADATA_BYTES) {
      throw new FormatError(
        'squashfs metadata',
        position,
        'more metadata read than any root filesystem has',
      );
    }
    const block = { data, next: position + 2 + stored };
    this.blocks.set(position, block);
    return block;
  }
}

const utf8 = new TextDecoder('utf-8');

function entryType(type: number): SquashfsEntryType {
  if (type === INODE_BASIC_DIR || type === INODE_EXT_DIR) return 'directory';
  if (type === INODE_BASIC_FILE || type === INODE_EXT_FILE) return 'file';
  if (type === INODE_BASIC_SYMLINK || type === INODE_EXT_SYMLINK) return 'symlink';
  return 'other';
}

export type SquashfsRoot =
  | {
      readonly kind: 'nested';
      readonly rootfsImageBytes: number;
      readonly compression: SquashfsCompression;
    }
  | { readonly kind: 'flat'; readonly compression: SquashfsCompression }
  | {
      readonly kind: 'unknown';
      readonly compression: SquashfsCompression;
      readonly rootNames: readonly string[];
    };

/**
 * Looks at the root of a LiveOS squashfs.img: LiveOS/rootfs.img (a file) means nested, /usr (a
 * directory) means a flat root tree (docs/FORMATS.md, "Live ISO layouts by era").
 */
export async function inspectSquashfsRoot(source: ByteSource): Promise<SquashfsRoot> {
  const reader = await SquashfsReader.open(source);
  const { compression } = reader.superblock;
  const root = await reader.inode(reader.superblock.rootInode);
  const entries = await reader.list(root);
  const liveos = entries.find((e) => e.name === 'LiveOS' && e.type === 'directory');
  if (liveos) {
    const inner = await reader.list(await reader.inode(liveos.inode));
    const rootfs = inner.find((e) => e.name === 'rootfs.img');
    if (rootfs) {
      const inode = await reader.inode(rootfs.inode);
      if (inode.type === 'file')
        return { kind: 'nested', rootfsImageBytes: inode.size, compression };
    }
  }
  if (entries.some((e) => e.name === 'usr' && e.type === 'directory'))
    return { kind: 'flat', compression };
  return { kind: 'unknown', compression, rootNames: entries.map((e) => e.name) };
}

/** Every path in the image ("/usr/bin/bash"), depth first; for tests against `unsquashfs -l`. */
export async function listSquashfsTree(
  source: ByteSource,
  maxEntries = 1_000_000,
): Promise<string[]> {
  const reader = await SquashfsReader.open(source);
  const paths: string[] = [];
  const visited = new Set<string>();
  const walk = async (ref: InodeRef, prefix: string, depth: number): Promise<void> => {
    // Empty directories share listing positions, so loops are detected by inode reference.
    const key = `${ref.block}:${ref.offset}`;
    if (visited.has(key) || depth > 256) {
      throw new FormatError(
        'squashfs directory',
        0,
        `directory loop or nesting deeper than 256 at ${prefix}`,
      );
    }
    visited.add(key);
    for (const entry of await reader.list(await reader.inode(ref))) {
      const path = `${prefix}/${entry.name}`;
      paths.push(path);
      if (paths.length > maxEntries)
        throw new FormatError('squashfs tree', 0, `more than ${maxEntries} entries`);
      if (entry.type === 'directory') await walk(entry.inode, path, depth + 1);
    }
  };
  await walk(reader.superblock.rootInode, '', 0);
  return paths;
}
