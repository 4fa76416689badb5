// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Reads an ISO 9660 volume's tree through a ByteSource: only volume descriptors, directory
 * sectors, SUSP continuation areas and the boot catalog are touched, never file data. Every count,
 * size and depth is bounded, so a hostile image ends in a FormatError, not a hang or a huge
 * allocation.
 */
import type { ByteSource } from '../byte-source';
import { FormatError } from '../format-error';
import { LiveStickError } from '../../shared/errors';
import { decodeDirectoryRecords, type DirectoryRecord } from './directory-record';
import {
  decodeBootCatalog,
  ENTRY_SIZE,
  MAX_CATALOG_ENTRIES,
  PLATFORM_EFI,
  PLATFORM_X86,
} from './el-torito';
import {
  emptyRockRidgeInfo,
  finishRockRidge,
  isDirectoryMode,
  isSymlinkMode,
  parseSystemUse,
  type Continuation,
  type RockRidgeInfo,
} from './rock-ridge';
import type { IsoBootImage, IsoExtent, IsoFile, IsoSymlink, NameSource } from './types';
import {
  decodeBootRecord,
  decodeDescriptorHeader,
  decodeJolietVolume,
  decodePrimaryVolume,
  FIRST_DESCRIPTOR_SECTOR,
  MAX_DESCRIPTORS,
  SECTOR_SIZE,
  TYPE_BOOT_RECORD,
  TYPE_PRIMARY,
  TYPE_SUPPLEMENTARY,
  TYPE_TERMINATOR,
  type JolietVolume,
  type PrimaryVolume,
} from './volume-descriptor';

export const TRUNCATED_MESSAGE =
  'the file is shorter than its volume descriptor says (truncated download?)';

export interface IsoReadLimits {
  /** Directory nesting (Rock Ridge trees may exceed ISO 9660's 8 levels). */
  readonly maxDepth: number;
  /** Files, directories and symlinks in total. */
  readonly maxEntries: number;
  /** One directory's data. */
  readonly maxDirectoryBytes: number;
  /** Continuation areas chained from one record. */
  readonly maxContinuations: number;
}

export const DEFAULT_ISO_LIMITS: IsoReadLimits = {
  maxDepth: 64,
  maxEntries: 500_000,
  maxDirectoryBytes: 16 * 1024 * 1024,
  maxContinuations: 32,
};

/** SUSP continuation areas are a few hundred bytes; one block is the most any writer uses. */
const MAX_CONTINUATION_BYTES = 64 * 1024;

export interface IsoTree {
  /** Primary volume id: the CDLABEL of a live image. */
  readonly label: string;
  readonly systemId: string;
  readonly applicationId: string;
  readonly blockSize: number;
  readonly volumeBlocks: number;
  /** The 512-byte application-use area of the primary volume descriptor. */
  readonly applicationUse: Uint8Array;
  readonly names: NameSource;
  /** Every regular file, sorted by path. */
  readonly files: readonly IsoFile[];
  /** Every directory except the root, sorted. */
  readonly directories: readonly string[];
  readonly symlinks: readonly IsoSymlink[];
  readonly bootImages: readonly IsoBootImage[];
}

interface Descriptors {
  readonly primary: PrimaryVolume;
  readonly joliet: JolietVolume | null;
  readonly bootCatalogBlock: number | null;
}

export async function readIsoTree(
  source: ByteSource,
  limits: IsoReadLimits = DEFAULT_ISO_LIMITS,
): Promise<IsoTree> {
  const { primary, joliet, bootCatalogBlock } = await readDescriptors(source);
  const volumeBytes = primary.volumeBlocks * primary.blockSize;
  if (volumeBytes > source.size) {
    throw new LiveStickError('SOURCE_CORRUPT', TRUNCATED_MESSAGE, {
      volumeBytes,
      fileBytes: source.size,
    });
  }
  const walker = new TreeWalker(source, primary.blockSize, limits);
  const rootRecords = await walker.readDirectory(primary.root, '/');
  const spSkip = rootSpSkip(rootRecords[0]);
  let names: NameSource;
  if (spSkip !== null) {
    names = 'rock-ridge';
    walker.rockRidgeSkip = spSkip;
    await walker.walk(primary.root, rootRecords);
  } else if (joliet !== null) {
    names = 'joliet';
    walker.joliet = true;
    await walker.walk(joliet.root, await walker.readDirectory(joliet.root, '/'));
  } else {
    names = 'iso9660';
    await walker.walk(primary.root, rootRecords);
  }
  const files = walker.files.sort((a, b) => compare(a.path, b.path));
  const bootImages =
    bootCatalogBlock === null ? [] : await readBootImages(source, bootCatalogBlock, files);
  return {
    label: primary.volumeId,
    systemId: primary.systemId,
    applicationId: primary.applicationId,
    blockSize: primary.blockSize,
    volumeBlocks: primary.volumeBlocks,
    applicationUse: primary.applicationUse,
    names,
    files,
    directories: walker.directories.sort(compare),
    symlinks: walker.symlinks.sort((a, b) => compare(a.path, b.path)),
    bootImages,
  };
}

/** Reads the primary volume descriptor only (label, size, application use): one sector or a few. */
export async function readPrimaryVolume(source: ByteSource): Promise<PrimaryVolume> {
  return (await readDescriptors(source)).primary;
}

async function readDescriptors(source: ByteSource): Promise<Descriptors> {
  let primary: PrimaryVolume | null = null;
  let joliet: JolietVolume | null = null;
  let bootCatalogBlock: number | null = null;
  for (let index = 0; index < MAX_DESCRIPTORS; index++) {
    const sector = FIRST_DESCRIPTOR_SECTOR + index;
    const offset = sector * SECTOR_SIZE;
    if (offset + SECTOR_SIZE > source.size) {
      if (index === 0) {
        throw new FormatError(
          'ISO 9660 volume',
          offset,
          `the source has only ${source.size} bytes`,
        );
      }
      throw new FormatError(
        'volume descriptor set',
        offset,
        'no terminator before the end of the source',
      );
    }
    const descriptor = decodeDescriptorHeader(await source.read(offset, SECTOR_SIZE), sector);
    if (descriptor.type === TYPE_TERMINATOR) {
      if (primary === null) {
        throw new FormatError('volume descriptor set', offset, 'no primary volume descriptor');
      }
      return { primary, joliet, bootCatalogBlock };
    }
    if (descriptor.type === TYPE_PRIMARY && primary === null)
      primary = decodePrimaryVolume(descriptor);
    else if (descriptor.type === TYPE_SUPPLEMENTARY && joliet === null)
      joliet = decodeJolietVolume(descriptor);
    else if (descriptor.type === TYPE_BOOT_RECORD && bootCatalogBlock === null) {
      bootCatalogBlock = decodeBootRecord(descriptor);
    }
  }
  throw new FormatError(
    'volume descriptor set',
    FIRST_DESCRIPTOR_SECTOR * SECTOR_SIZE,
    `more than ${MAX_DESCRIPTORS} descriptors without a terminator`,
  );
}

function rootSpSkip(dot: DirectoryRecord | undefined): number | null {
  if (dot === undefined) return null;
  const info = emptyRockRidgeInfo();
  // SP must be the very first entry of the root's "." record (SUSP 5.3); nothing else counts.
  parseSystemUse(dot.systemUse.subarray(0, 7), info, dot.at);
  return info.spSkip;
}

/** The parts seen so far of a multi-extent file (all records but the last carry the flag). */
interface PendingFile {
  readonly name: string;
  readonly raw: Uint8Array;
  readonly extents: IsoExtent[];
  size: number;
}

class TreeWalker {
  readonly files: IsoFile[] = [];
  readonly directories: string[] = [];
  readonly symlinks: IsoSymlink[] = [];
  rockRidgeSkip: number | null = null;
  joliet = false;
  private entries = 0;
  private readonly visited = new Set<number>();

  constructor(
    private readonly source: ByteSource,
    private readonly blockSize: number,
    private readonly limits: IsoReadLimits,
  ) {}

  async readDirectory(record: DirectoryRecord, path: string): Promise<DirectoryRecord[]> {
    if (record.dataLength > this.limits.maxDirectoryBytes) {
      throw new FormatError(
        `directory ${path}`,
        record.at,
        `${record.dataLength} bytes, more than ${this.limits.maxDirectoryBytes}`,
      );
    }
    const offset = (record.extent + record.extendedAttributeBlocks) * this.blockSize;
    const data = await boundedRead(this.source, offset, record.dataLength, `directory ${path}`);
    const records = decodeDirectoryRecords(data, offset, this.blockSize);
    const dot = records[0];
    if (dot === undefined || dot.name.length !== 1 || dot.name[0] !== 0) {
      throw new FormatError(`directory ${path}`, offset, 'does not start with a "." record');
    }
    return records;
  }

  async walk(root: DirectoryRecord, rootRecords: DirectoryRecord[]): Promise<void> {
    this.visited.add(root.extent);
    await this.walkRecords(rootRecords, '/', 1);
  }

  private async walkRecords(
    records: DirectoryRecord[],
    dirPath: string,
    depth: number,
  ): Promise<void> {
    const seen = new Set<string>();
    let pending = null as PendingFile | null;
    for (const record of records) {
      // "." and ".." are identified by a single 0x00 / 0x01 byte.
      if (record.name.length === 1 && (record.name[0] === 0 || record.name[0] === 1)) continue;
      if (++this.entries > this.limits.maxEntries) {
        throw new FormatError(
          'ISO 9660 tree',
          record.at,
          `more than ${this.limits.maxEntries} entries`,
        );
      }
      const rr = this.rockRidgeSkip === null ? null : await this.rockRidge(record);
      if (rr?.relocated) continue;
      if (pending !== null && !sameBytes(pending.raw, record.name)) {
        throw new FormatError(
          'multi-extent file',
          record.at,
          `"${pending.name}" ends without its final record`,
        );
      }
      const name = pending?.name ?? this.nameOf(record, rr);
      const path = dirPath === '/' ? `/${name}` : `${dirPath}/${name}`;
      if (pending === null && seen.has(name)) {
        throw new FormatError(`directory ${dirPath}`, record.at, `two entries named "${name}"`);
      }
      seen.add(name);

      if (rr !== null && rr.childLink !== null) {
        await this.descendRelocated(rr.childLink, path, depth, record.at);
        continue;
      }
      if (record.isDirectory || isDirectoryMode(rr?.mode ?? null)) {
        if (!record.isDirectory) {
          throw new FormatError(
            path,
            record.at,
            'Rock Ridge mode says directory, the record says file',
          );
        }
        await this.descend(record, path, depth);
        continue;
      }
      if (rr !== null && isSymlinkMode(rr.mode)) {
        this.symlinks.push({ path, target: rr.symlink ?? '' });
        continue;
      }
      const extent = this.extentOf(record, path);
      if (record.multiExtent) {
        pending ??= { name, extents: [], size: 0, raw: record.name };
        if (extent) pending.extents.push(extent);
        pending.size += record.dataLength;
        continue;
      }
      const extents = pending?.extents ?? [];
      if (extent) extents.push(extent);
      this.files.push({ path, size: (pending?.size ?? 0) + record.dataLength, extents });
      pending = null;
    }
    if (pending !== null) {
      throw new FormatError(
        'multi-extent file',
        0,
        `"${pending.name}" in ${dirPath} has no final record`,
      );
    }
  }

  private async descend(record: DirectoryRecord, path: string, depth: number): Promise<void> {
    if (depth >= this.limits.maxDepth) {
      throw new FormatError(
        path,
        record.at,
        `directories nested deeper than ${this.limits.maxDepth}`,
      );
    }
    if (this.visited.has(record.extent)) {
      throw new FormatError(
        path,
        record.at,
        `directory loop: block ${record.extent} is already in the tree`,
      );
    }
    this.visited.add(record.extent);
    this.directories.push(path);
    await this.walkRecords(await this.readDirectory(record, path), path, depth + 1);
  }

  /** A CL entry stands in for a directory relocated elsewhere; its own "." record gives the size. */
  private async descendRelocated(
    block: number,
    path: string,
    depth: number,
    at: number,
  ): Promise<void> {
    const head = await boundedRead(
      this.source,
      block * this.blockSize,
      this.blockSize,
      `relocated ${path}`,
    );
    const dot = decodeDirectoryRecords(head, block * this.blockSize, this.blockSize)[0];
    if (dot === undefined || !dot.isDirectory || dot.extent !== block) {
      throw new FormatError(
        path,
        at,
        `Rock Ridge CL points at block ${block}, which is no directory`,
      );
    }
    await this.descend(dot, path, depth);
  }

  private extentOf(record: DirectoryRecord, path: string): IsoExtent | null {
    if (record.dataLength === 0) return null;
    const offset = (record.extent + record.extendedAttributeBlocks) * this.blockSize;
    if (offset + record.dataLength > this.source.size) {
      throw new FormatError(
        path,
        record.at,
        `extent [${offset}, +${record.dataLength}) lies outside the ${this.source.size}-byte image`,
      );
    }
    return { offset, length: record.dataLength };
  }

  private async rockRidge(record: DirectoryRecord): Promise<RockRidgeInfo> {
    const info = emptyRockRidgeInfo();
    const skip = this.rockRidgeSkip ?? 0;
    let next = parseSystemUse(
      record.systemUse.subarray(Math.min(skip, record.systemUse.length)),
      info,
      record.at,
    );
    const followed = new Set<string>();
    while (next !== null) {
      const key = `${next.block}:${next.offset}`;
      if (followed.has(key) || followed.size >= this.limits.maxContinuations) {
        throw new FormatError(
          'SUSP CE chain',
          record.at,
          'continuation areas loop or chain too long',
        );
      }
      followed.add(key);
      next = parseSystemUse(
        await this.continuation(next, record.at),
        info,
        next.block * this.blockSize + next.offset,
      );
    }
    finishRockRidge(info);
    return info;
  }

  private async continuation(ce: Continuation, at: number): Promise<Uint8Array> {
    if (ce.length > MAX_CONTINUATION_BYTES || ce.offset >= this.blockSize) {
      throw new FormatError(
        'SUSP CE entry',
        at,
        `continuation of ${ce.length} bytes at offset ${ce.offset}`,
      );
    }
    return boundedRead(
      this.source,
      ce.block * this.blockSize + ce.offset,
      ce.length,
      'SUSP continuation area',
    );
  }

  private nameOf(record: DirectoryRecord, rr: RockRidgeInfo | null): string {
    const name = rr?.name ?? (this.joliet ? jolietName(record.name) : plainName(record.name));
    if (name === '' || name === '.' || name === '..' || /[/\0]/.test(name)) {
      throw new FormatError(
        'directory record',
        record.at,
        `unusable file name ${JSON.stringify(name)}`,
      );
    }
    return name;
  }
}

const utf16be = new TextDecoder('utf-16be');
const latin1 = new TextDecoder('latin1');

function jolietName(raw: Uint8Array): string {
  return stripVersion(utf16be.decode(raw.length % 2 === 0 ? raw : raw.subarray(0, raw.length - 1)));
}

function plainName(raw: Uint8Array): string {
  const name = stripVersion(latin1.decode(raw));
  // "README." is how ISO 9660 spells a name without extension.
  return name.endsWith('.') && !name.endsWith('..') ? name.slice(0, -1) : name;
}

function stripVersion(name: string): string {
  return name.replace(/;\d*$/, '');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function boundedRead(
  source: ByteSource,
  offset: number,
  length: number,
  what: string,
): Promise<Uint8Array> {
  if (offset < 0 || length < 0 || offset + length > source.size) {
    throw new FormatError(
      what,
      offset,
      `${length} bytes would run past the ${source.size}-byte image`,
    );
  }
  return source.read(offset, length);
}

async function readBootImages(
  source: ByteSource,
  catalogBlock: number,
  files: readonly IsoFile[],
): Promise<IsoBootImage[]> {
  const offset = catalogBlock * SECTOR_SIZE;
  const length = Math.min(MAX_CATALOG_ENTRIES * ENTRY_SIZE, source.size - offset);
  const bytes = await boundedRead(source, offset, Math.max(length, 0), 'El Torito boot catalog');
  const byOffset = new Map<number, string>();
  for (const file of files) {
    const first = file.extents[0];
    if (first !== undefined && !byOffset.has(first.offset)) byOffset.set(first.offset, file.path);
  }
  return decodeBootCatalog(bytes, offset).map((entry) => {
    // El Torito counts in 2048-byte CD sectors whatever the volume's logical block size.
    const imageOffset = entry.loadBlock * SECTOR_SIZE;
    return {
      platform:
        entry.platformId === PLATFORM_X86
          ? 'bios'
          : entry.platformId === PLATFORM_EFI
            ? 'efi'
            : 'other',
      platformId: entry.platformId,
      bootable: entry.bootable,
      noEmulation: entry.emulation === 'none',
      offset: imageOffset,
      sectorCount: entry.sectorCount,
      path: byOffset.get(imageOffset) ?? null,
    };
  });
}
