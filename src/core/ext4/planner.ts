// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Plans a fresh ext4 filesystem image the way `mkfs.ext4` + `tune2fs -c0 -i0 -o user_xattr,acl`
 * would make it, as an extent plan of metadata only. Nothing else is written: block groups other
 * than the metadata-bearing ones are flagged BLOCK_UNINIT/INODE_UNINIT (their bitmaps are implied
 * by the layout), unused inode-table space is covered by bg_itable_unused (ITABLE_ZEROED stays
 * clear, so the kernel zeroes it lazily), and the journal is empty (s_start = 0), so none of the
 * bytes we leave alone is ever interpreted. That is also what makes the image valid inside LUKS,
 * where unwritten space decrypts to noise.
 *
 * Features: has_journal ext_attr dir_index filetype extent flex_bg sparse_super large_file
 * huge_file dir_nlink extra_isize metadata_csum — mke2fs 1.47's ext4 set minus 64bit (not needed
 * below 16 TiB) and resize_inode (a live stick's home or overlay is never grown online).
 */
import { bytesExtent, sortAndCheckExtents, type Extent } from '../extent';
import { concatBytes, u32le } from '../bytes';
import { BlockAllocator } from './allocator';
import { bitmapChecksum, buildBitmap } from './bitmap';
import { fsChecksumSeed, inodeChecksumSeed } from './checksum';
import {
  BG_BLOCK_UNINIT,
  BG_INODE_UNINIT,
  CHECKSUM_TYPE_CRC32C,
  DEFM_ACL,
  DEFM_XATTR_USER,
  DYNAMIC_REV,
  ERRORS_CONTINUE,
  EXTRA_ISIZE,
  FIRST_INO,
  FLAGS_SIGNED_HASH,
  FT_DIR,
  GOOD_OLD_INODE_SIZE,
  GROUP_DESC_SIZE,
  HASH_HALF_MD4,
  INODE_FLAG_EXTENTS,
  INODE_SIZE,
  JNL_BACKUP_BLOCKS,
  JOURNAL_INO,
  LIVESTICK_FEATURE_COMPAT,
  LIVESTICK_FEATURE_INCOMPAT,
  LIVESTICK_FEATURE_RO_COMPAT,
  LOST_FOUND_INO,
  OS_LINUX,
  ROOT_INO,
  STATE_CLEAN,
  SUPERBLOCK_OFFSET,
  S_IFDIR,
  S_IFMT,
  S_IFREG,
} from './constants';
import { encodeDirectoryBlocks, type DirEntry } from './directory';
import { encodeExtentTree, extentLeafBlocksNeeded, toExtents, type ExtentRun } from './extents';
import {
  computeGeometry,
  GROUPS_PER_FLEX,
  groupBlocks,
  groupStart,
  hasSuperblockCopy,
  LOG_GROUPS_PER_FLEX,
  superblockCopyBlocks,
  type Ext4Geometry,
} from './geometry';
import { encodeGroupDescriptor, type Ext4GroupDescriptor } from './group-descriptor';
import { encodeInode, type Ext4Inode } from './inode';
import { encodeJournalSuperblockBlock, JBD2_FEATURE_INCOMPAT_CSUM_V3 } from './journal';
import { encodeSuperblock, JNL_BLOCKS_WORDS, type Ext4Superblock } from './superblock';
import { encodeInodeXattrs } from './xattr';

export const DEFAULT_BLOCK_BYTES = 4096;
/** mke2fs.conf's default bytes-per-inode. */
export const DEFAULT_INODE_RATIO = 16384;
/** mke2fs pre-allocates lost+found to at least 16 KiB (and two blocks) so e2fsck can reconnect files without allocating. */
const LOST_FOUND_BYTES = 16384;
const MAX_LABEL_BYTES = 16;
const DIR_MODE_DEFAULT = 0o755;
const LOST_FOUND_MODE = 0o700;
const JOURNAL_MODE = 0o600;

export interface Ext4DirectorySpec {
  /** Absolute path; parents must be the root or listed earlier. */
  readonly path: string;
  /** Permission bits (0o7777 mask); S_IFDIR may be included. */
  readonly mode: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Full names ("security.selinux"); values as stored, e.g. NUL-terminated SELinux contexts. */
  readonly xattrs?: Readonly<Record<string, Uint8Array>>;
}

export interface Ext4ImageOptions {
  readonly sizeBytes: number;
  /** At most 16 bytes of UTF-8. */
  readonly label: string;
  /** s_uuid, 16 bytes in text order. */
  readonly uuid: Uint8Array;
  /** s_hash_seed for htree directories, 16 random bytes. */
  readonly hashSeed: Uint8Array;
  /** Unix seconds for every timestamp. */
  readonly createdAt: number;
  readonly blockBytes?: number;
  readonly inodeRatio?: number;
  readonly directories?: readonly Ext4DirectorySpec[];
}

export interface Ext4ImagePlan {
  /** Metadata only, relative to the image start, sorted; everything else is left as it is. */
  readonly extents: Extent[];
  readonly sizeBytes: number;
  readonly blockBytes: number;
  /** May be less than sizeBytes / blockBytes when a tiny trailing group was dropped. */
  readonly blockCount: number;
  readonly inodeCount: number;
  readonly journalBlocks: number;
  readonly uuid: Uint8Array;
  readonly label: string;
  readonly freeBlocks: number;
  readonly freeInodes: number;
}

interface PlannedDirectory {
  readonly ino: number;
  readonly parentIno: number;
  readonly name: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly xattrs: Readonly<Record<string, Uint8Array>>;
}

interface GroupMetadata {
  readonly blockBitmap: number;
  readonly inodeBitmap: number;
  readonly inodeTable: number;
}

function planDirectories(specs: readonly Ext4DirectorySpec[]): PlannedDirectory[] {
  const byPath = new Map<string, number>([
    ['/', ROOT_INO],
    ['/lost+found', LOST_FOUND_INO],
  ]);
  return specs.map((spec, i) => {
    const parts = spec.path.split('/');
    if (
      parts[0] !== '' ||
      parts.length < 2 ||
      parts.slice(1).some((p) => p === '' || p === '.' || p === '..')
    ) {
      throw new RangeError(`directory path "${spec.path}" is not a normalised absolute path`);
    }
    if (byPath.has(spec.path)) throw new RangeError(`directory "${spec.path}" is listed twice`);
    const parentPath = parts.slice(0, -1).join('/') || '/';
    const parentIno = byPath.get(parentPath);
    if (parentIno === undefined || parentIno === LOST_FOUND_INO) {
      throw new RangeError(`parent of "${spec.path}" must be "/" or listed before it`);
    }
    if ((spec.mode & S_IFMT) !== 0 && (spec.mode & S_IFMT) !== S_IFDIR) {
      throw new RangeError(
        `mode 0o${spec.mode.toString(8)} of "${spec.path}" is not a directory mode`,
      );
    }
    const ino = FIRST_INO + 1 + i;
    byPath.set(spec.path, ino);
    return {
      ino,
      parentIno,
      name: parts[parts.length - 1]!,
      mode: spec.mode & 0o7777,
      uid: spec.uid ?? 0,
      gid: spec.gid ?? 0,
      xattrs: spec.xattrs ?? {},
    };
  });
}

function checkIdentity(options: Ext4ImageOptions): void {
  if (options.uuid.length !== 16) throw new RangeError('ext4 UUID must be 16 bytes');
  if (options.hashSeed.length !== 16) throw new RangeError('ext4 hash seed must be 16 bytes');
  if (new TextEncoder().encode(options.label).length > MAX_LABEL_BYTES) {
    throw new RangeError(`ext4 label "${options.label}" is longer than ${MAX_LABEL_BYTES} bytes`);
  }
  if (!Number.isSafeInteger(options.createdAt) || options.createdAt < 0) {
    throw new RangeError(`creation time ${options.createdAt} is not Unix seconds`);
  }
}

/** Places each flex group's bitmaps and inode tables together at the start of its first group. */
function placeGroupMetadata(geo: Ext4Geometry, alloc: BlockAllocator): GroupMetadata[] {
  const out: GroupMetadata[] = [];
  for (let leader = 0; leader < geo.groupCount; leader += GROUPS_PER_FLEX) {
    const n = Math.min(GROUPS_PER_FLEX, geo.groupCount - leader);
    const from = groupStart(geo, leader) + superblockCopyBlocks(geo, leader);
    const blockBitmaps = alloc.allocateContiguous(n, from);
    const inodeBitmaps = alloc.allocateContiguous(n, blockBitmaps + n);
    const inodeTables = alloc.allocateContiguous(n * geo.inodeTableBlocks, inodeBitmaps + n);
    for (let i = 0; i < n; i++) {
      out.push({
        blockBitmap: blockBitmaps + i,
        inodeBitmap: inodeBitmaps + i,
        inodeTable: inodeTables + i * geo.inodeTableBlocks,
      });
    }
  }
  return out;
}

/** Blocks of a group a kernel or e2fsck assumes in use when its bitmap is BLOCK_UNINIT. */
function impliedUsedBlocks(geo: Ext4Geometry, group: number, meta: GroupMetadata): number {
  const start = groupStart(geo, group);
  const end = start + groupBlocks(geo, group);
  const inside = (first: number, count: number): number =>
    Math.max(0, Math.min(end, first + count) - Math.max(start, first));
  return (
    superblockCopyBlocks(geo, group) +
    inside(meta.blockBitmap, 1) +
    inside(meta.inodeBitmap, 1) +
    inside(meta.inodeTable, geo.inodeTableBlocks)
  );
}

interface InodeBase {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly linksCount: number;
  readonly blocks512: number;
  readonly block: Uint8Array;
  readonly xattrArea?: Uint8Array;
}

function liveInode(base: InodeBase, createdAt: number): Ext4Inode {
  return {
    ...base,
    atime: createdAt,
    ctime: createdAt,
    mtime: createdAt,
    crtime: createdAt,
    dtime: 0,
    flags: INODE_FLAG_EXTENTS,
    generation: 0,
    fileAcl: 0,
    extraIsize: EXTRA_ISIZE,
    xattrArea: base.xattrArea ?? new Uint8Array(0),
  };
}

/** Reserved inodes other than root and the journal: zero, with only a checksum (and times on inode 1), as mke2fs writes them. */
function reservedInode(ino: number, createdAt: number): Ext4Inode {
  // mke2fs stamps the bad-blocks inode; without extra fields it cannot hold times past 2038.
  const time = ino === 1 && createdAt < 2 ** 31 ? createdAt : 0;
  return {
    mode: 0,
    uid: 0,
    gid: 0,
    size: 0,
    atime: time,
    ctime: time,
    mtime: time,
    crtime: 0,
    dtime: 0,
    linksCount: 0,
    blocks512: 0,
    flags: 0,
    block: new Uint8Array(60),
    generation: 0,
    fileAcl: 0,
    extraIsize: 0,
    xattrArea: new Uint8Array(0),
  };
}

/** What the phases of planning one image share: its geometry, the allocator and the plan so far. */
interface ImageDraft {
  readonly geo: Ext4Geometry;
  readonly fsSeed: number;
  readonly createdAt: number;
  readonly alloc: BlockAllocator;
  readonly extents: Extent[];
  readonly inodes: Map<number, Ext4Inode>;
}

export function planExt4Image(options: Ext4ImageOptions): Ext4ImagePlan {
  checkIdentity(options);
  const directories = planDirectories(options.directories ?? []);
  const lastIno = FIRST_INO + directories.length;
  const geo = computeGeometry({
    sizeBytes: options.sizeBytes,
    blockBytes: options.blockBytes ?? DEFAULT_BLOCK_BYTES,
    inodeRatio: options.inodeRatio ?? DEFAULT_INODE_RATIO,
    minInodesPerGroup: lastIno,
  });
  const alloc = new BlockAllocator(geo.firstDataBlock, geo.blockCount);
  for (let g = 0; g < geo.groupCount; g++) {
    if (hasSuperblockCopy(g)) alloc.markUsed(groupStart(geo, g), 1 + geo.descBlocks);
  }
  const draft: ImageDraft = {
    geo,
    fsSeed: fsChecksumSeed(options.uuid),
    createdAt: options.createdAt,
    alloc,
    extents: [],
    inodes: new Map(),
  };
  const groupMeta = placeGroupMetadata(geo, alloc);
  const directoryBlocks = planDirectoryTree(draft, directories);
  const journal = planJournal(draft, options.uuid);
  planInodeTable(draft, groupMeta[0]!, lastIno);
  const groups = planGroupDescriptors(draft, groupMeta, lastIno, directories.length);
  const inodeCount = geo.inodesPerGroup * geo.groupCount;
  const superblock = superblockFor(options, geo, {
    inodeCount,
    freeBlocks: groups.freeBlocks,
    lastIno,
    journalRoot: journal.root,
    // What statfs subtracts from the size, counted as the kernel's ext4_calculate_overhead does:
    // blocks before the first group, group metadata and the journal, but not directory or
    // extent-tree blocks (those are file data).
    overheadClusters:
      geo.firstDataBlock + alloc.usedTotal - directoryBlocks - journal.extentTreeBlocks,
  });
  planSuperblockCopies(draft, superblock, groups.descriptorTable);

  return {
    extents: sortAndCheckExtents(draft.extents),
    sizeBytes: options.sizeBytes,
    blockBytes: geo.blockBytes,
    blockCount: geo.blockCount,
    inodeCount,
    journalBlocks: geo.journalBlocks,
    uuid: options.uuid,
    label: options.label,
    freeBlocks: groups.freeBlocks,
    freeInodes: inodeCount - lastIno,
  };
}

/**
 * The root, lost+found and the asked-for directories. A directory's blocks do not depend on
 * where they land, so each is encoded first and then placed. Returns the blocks they take.
 */
function planDirectoryTree(draft: ImageDraft, directories: readonly PlannedDirectory[]): number {
  const { geo, alloc, fsSeed } = draft;
  const bs = geo.blockBytes;
  let directoryBlocks = 0;
  const children = new Map<number, PlannedDirectory[]>();
  for (const dir of directories) {
    children.set(dir.parentIno, [...(children.get(dir.parentIno) ?? []), dir]);
  }
  const addDirectory = (
    ino: number,
    parentIno: number,
    label: string,
    base: Omit<InodeBase, 'size' | 'linksCount' | 'blocks512' | 'block'>,
    extraChildren: readonly DirEntry[],
    minBlocks: number,
  ): void => {
    const kids = children.get(ino) ?? [];
    const entries: DirEntry[] = [
      { inode: ino, name: '.', fileType: FT_DIR },
      { inode: parentIno, name: '..', fileType: FT_DIR },
      ...extraChildren,
      ...kids.map((kid) => ({ inode: kid.ino, name: kid.name, fileType: FT_DIR })),
    ];
    const seed = inodeChecksumSeed(fsSeed, ino, 0);
    const blocks = encodeDirectoryBlocks(entries, bs, seed, minBlocks);
    const first = alloc.allocateContiguous(blocks.length, geo.firstDataBlock);
    draft.extents.push(bytesExtent(first * bs, concatBytes(blocks), `ext4 ${label} directory`));
    directoryBlocks += blocks.length;
    draft.inodes.set(
      ino,
      liveInode(
        {
          ...base,
          size: blocks.length * bs,
          // dir_nlink: "." + the parent's entry + one ".." per subdirectory.
          linksCount: 2 + extraChildren.length + kids.length,
          blocks512: (blocks.length * bs) / 512,
          block: encodeExtentTree(
            [{ logical: 0, physical: first, length: blocks.length }],
            [],
            bs,
            seed,
          ).root,
        },
        draft.createdAt,
      ),
    );
  };

  addDirectory(
    ROOT_INO,
    ROOT_INO,
    '/',
    { mode: S_IFDIR | DIR_MODE_DEFAULT, uid: 0, gid: 0 },
    [{ inode: LOST_FOUND_INO, name: 'lost+found', fileType: FT_DIR }],
    1,
  );
  addDirectory(
    LOST_FOUND_INO,
    ROOT_INO,
    '/lost+found',
    { mode: S_IFDIR | LOST_FOUND_MODE, uid: 0, gid: 0 },
    [],
    Math.max(2, LOST_FOUND_BYTES / bs),
  );
  const areaBytes = INODE_SIZE - GOOD_OLD_INODE_SIZE - EXTRA_ISIZE;
  for (const dir of directories) {
    addDirectory(
      dir.ino,
      dir.parentIno,
      dir.name,
      {
        mode: S_IFDIR | dir.mode,
        uid: dir.uid,
        gid: dir.gid,
        xattrArea: encodeInodeXattrs(dir.xattrs, areaBytes),
      },
      [],
      1,
    );
  }
  return directoryBlocks;
}

/**
 * The journal: only its superblock is written; s_start = 0 marks the log empty. Returns the
 * journal inode's i_block (the superblock keeps a backup of it) and its extent-tree blocks.
 */
function planJournal(
  draft: ImageDraft,
  uuid: Uint8Array,
): { root: Uint8Array; extentTreeBlocks: number } {
  const { geo, alloc } = draft;
  const bs = geo.blockBytes;
  const journalRuns = alloc.allocate(geo.journalBlocks, geo.firstDataBlock);
  let logical = 0;
  const journalExtents = toExtents(
    journalRuns.map(([physical, length]) => {
      const run: ExtentRun = { logical, physical, length };
      logical += length;
      return run;
    }),
  );
  const leafCount = extentLeafBlocksNeeded(journalExtents.length, bs);
  const leafStart = leafCount > 0 ? alloc.allocateContiguous(leafCount, geo.firstDataBlock) : 0;
  const leafBlocks = Array.from({ length: leafCount }, (_, i) => leafStart + i);
  const journalTree = encodeExtentTree(
    journalExtents,
    leafBlocks,
    bs,
    inodeChecksumSeed(draft.fsSeed, JOURNAL_INO, 0),
  );
  journalTree.leaves.forEach((data, i) =>
    draft.extents.push(bytesExtent(leafBlocks[i]! * bs, data, 'ext4 journal extent tree')),
  );
  draft.inodes.set(
    JOURNAL_INO,
    liveInode(
      {
        mode: S_IFREG | JOURNAL_MODE,
        uid: 0,
        gid: 0,
        size: geo.journalBlocks * bs,
        linksCount: 1,
        blocks512: ((geo.journalBlocks + leafCount) * bs) / 512,
        block: journalTree.root,
      },
      draft.createdAt,
    ),
  );
  draft.extents.push(
    bytesExtent(
      journalRuns[0]![0] * bs,
      encodeJournalSuperblockBlock({
        blockBytes: bs,
        maxLen: geo.journalBlocks,
        first: 1,
        sequence: 1,
        start: 0,
        featureIncompat: JBD2_FEATURE_INCOMPAT_CSUM_V3,
        uuid,
        nrUsers: 1,
      }),
      'ext4 journal superblock',
    ),
  );
  return { root: journalTree.root, extentTreeBlocks: leafCount };
}

/**
 * Inode table of group 0: only the blocks holding inodes 1..lastIno; the rest is unused
 * (bg_itable_unused) and never read.
 */
function planInodeTable(draft: ImageDraft, group0: GroupMetadata, lastIno: number): void {
  const bs = draft.geo.blockBytes;
  for (let ino = 1; ino < FIRST_INO; ino++) {
    if (!draft.inodes.has(ino)) draft.inodes.set(ino, reservedInode(ino, draft.createdAt));
  }
  const inodesPerBlock = bs / INODE_SIZE;
  const tableBytes = new Uint8Array(Math.ceil(lastIno / inodesPerBlock) * bs);
  for (const [ino, inode] of draft.inodes) {
    tableBytes.set(
      encodeInode(inode, { fsSeed: draft.fsSeed, ino, inodeSize: INODE_SIZE }),
      (ino - 1) * INODE_SIZE,
    );
  }
  draft.extents.push(bytesExtent(group0.inodeTable * bs, tableBytes, 'ext4 inode table (group 0)'));
}

/**
 * Every group's bitmaps and descriptor, once all blocks are allocated. Only group 0's inode
 * bitmap and the block bitmaps of groups that are not BLOCK_UNINIT are written.
 */
function planGroupDescriptors(
  draft: ImageDraft,
  groupMeta: readonly GroupMetadata[],
  lastIno: number,
  extraDirectories: number,
): { descriptorTable: Uint8Array; freeBlocks: number } {
  const { geo, alloc, fsSeed } = draft;
  const bs = geo.blockBytes;
  const descriptors: Uint8Array[] = [];
  let freeBlocks = 0;
  for (let g = 0; g < geo.groupCount; g++) {
    const meta = groupMeta[g]!;
    const start = groupStart(geo, g);
    const count = groupBlocks(geo, g);
    const used = alloc.usedWithin(start, start + count);
    const usedCount = used.reduce((sum, [a, b]) => sum + (b - a), 0);
    const blockUninit =
      g !== 0 && g !== geo.groupCount - 1 && usedCount === impliedUsedBlocks(geo, g, meta);
    const blockBitmap = buildBitmap(
      bs,
      count,
      used.map(([a, b]) => [a - start, b - a] as const),
    );
    if (!blockUninit) {
      draft.extents.push(
        bytesExtent(meta.blockBitmap * bs, blockBitmap, `ext4 block bitmap (group ${g})`),
      );
    }
    const inodeBitmap = buildBitmap(bs, geo.inodesPerGroup, g === 0 ? [[0, lastIno]] : []);
    if (g === 0) {
      draft.extents.push(
        bytesExtent(meta.inodeBitmap * bs, inodeBitmap, 'ext4 inode bitmap (group 0)'),
      );
    }
    const desc: Ext4GroupDescriptor = {
      ...meta,
      freeBlocks: count - usedCount,
      freeInodes: geo.inodesPerGroup - (g === 0 ? lastIno : 0),
      usedDirs: g === 0 ? 2 + extraDirectories : 0,
      flags: g === 0 ? 0 : BG_INODE_UNINIT | (blockUninit ? BG_BLOCK_UNINIT : 0),
      blockBitmapChecksum: bitmapChecksum(fsSeed, blockBitmap, geo.blocksPerGroup),
      inodeBitmapChecksum: bitmapChecksum(fsSeed, inodeBitmap, geo.inodesPerGroup),
      itableUnused: geo.inodesPerGroup - (g === 0 ? lastIno : 0),
    };
    freeBlocks += desc.freeBlocks;
    descriptors.push(encodeGroupDescriptor(desc, g, fsSeed));
  }
  const descriptorTable = new Uint8Array(geo.descBlocks * bs);
  descriptors.forEach((d, g) => descriptorTable.set(d, g * GROUP_DESC_SIZE));
  return { descriptorTable, freeBlocks };
}

/** The superblock as mke2fs + tune2fs -c0 -i0 leave it, with the counts the phases found. */
function superblockFor(
  options: Ext4ImageOptions,
  geo: Ext4Geometry,
  counts: {
    inodeCount: number;
    freeBlocks: number;
    lastIno: number;
    journalRoot: Uint8Array;
    overheadClusters: number;
  },
): Ext4Superblock {
  const { createdAt } = options;
  const journalBytes = geo.journalBlocks * geo.blockBytes;
  // s_jnl_blocks: a backup of the journal inode's i_block words, then i_size_high and i_size.
  const jnlBlocks = [
    ...Array.from({ length: JNL_BLOCKS_WORDS - 2 }, (_, i) => u32le(counts.journalRoot, 4 * i)),
    Math.floor(journalBytes / 2 ** 32),
    journalBytes % 2 ** 32,
  ];
  return {
    inodesCount: counts.inodeCount,
    blocksCount: geo.blockCount,
    reservedBlocksCount: geo.reservedBlocks,
    freeBlocksCount: counts.freeBlocks,
    freeInodesCount: counts.inodeCount - counts.lastIno,
    firstDataBlock: geo.firstDataBlock,
    blockBytes: geo.blockBytes,
    blocksPerGroup: geo.blocksPerGroup,
    inodesPerGroup: geo.inodesPerGroup,
    mountTime: 0,
    writeTime: createdAt,
    mountCount: 0,
    maxMountCount: -1,
    state: STATE_CLEAN,
    errors: ERRORS_CONTINUE,
    lastCheck: createdAt,
    checkInterval: 0,
    creatorOs: OS_LINUX,
    revLevel: DYNAMIC_REV,
    firstIno: FIRST_INO,
    inodeSize: INODE_SIZE,
    blockGroupNr: 0,
    featureCompat: LIVESTICK_FEATURE_COMPAT,
    featureIncompat: LIVESTICK_FEATURE_INCOMPAT,
    featureRoCompat: LIVESTICK_FEATURE_RO_COMPAT,
    uuid: options.uuid,
    volumeName: options.label,
    journalInum: JOURNAL_INO,
    hashSeed: options.hashSeed,
    defHashVersion: HASH_HALF_MD4,
    jnlBackupType: JNL_BACKUP_BLOCKS,
    defaultMountOpts: DEFM_XATTR_USER | DEFM_ACL,
    mkfsTime: createdAt,
    jnlBlocks,
    minExtraIsize: EXTRA_ISIZE,
    wantExtraIsize: EXTRA_ISIZE,
    flags: FLAGS_SIGNED_HASH,
    logGroupsPerFlex: LOG_GROUPS_PER_FLEX,
    checksumType: CHECKSUM_TYPE_CRC32C,
    overheadClusters: counts.overheadClusters,
  };
}

/** The superblock and descriptor table in group 0 and in every group that keeps a backup. */
function planSuperblockCopies(
  draft: ImageDraft,
  superblock: Ext4Superblock,
  descriptorTable: Uint8Array,
): void {
  const { geo } = draft;
  const bs = geo.blockBytes;
  for (let g = 0; g < geo.groupCount; g++) {
    if (!hasSuperblockCopy(g)) continue;
    const start = groupStart(geo, g);
    const sb = encodeSuperblock({ ...superblock, blockGroupNr: g });
    if (g === 0) {
      // Block 0 up to the superblock is the boot area; mke2fs zeroes it, and so do we.
      const head = new Uint8Array((start + 1 + geo.descBlocks) * bs);
      head.set(sb, SUPERBLOCK_OFFSET);
      head.set(descriptorTable, (start + 1) * bs);
      draft.extents.push(bytesExtent(0, head, 'ext4 superblock and group descriptors'));
    } else {
      const copy = new Uint8Array((1 + geo.descBlocks) * bs);
      copy.set(sb, 0);
      copy.set(descriptorTable, bs);
      draft.extents.push(bytesExtent(start * bs, copy, `ext4 backup superblock (group ${g})`));
    }
  }
}
