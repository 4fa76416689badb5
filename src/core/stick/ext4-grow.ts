// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Grows an ext4 filesystem offline, in place, into space appended to its image (what
 * `resize2fs` does for a larger file), as an extent plan relative to the image.
 *
 * Only the layout LiveStick's planner makes — and mkfs.ext4 without resize_inode and 64bit
 * would make — is handled: sparse_super, flex_bg, metadata_csum, 32-byte descriptors, no
 * reserved GDT blocks. There, adding block groups only needs their descriptors in the existing
 * descriptor blocks (one 4 KiB block describes 128 groups, 16 GiB: more than FAT32's 4 GiB
 * file limit), each new group's bitmaps and inode table placed inside the group itself, the
 * old last group's bitmap opened up to its new end, superblock counts, and a superblock and
 * descriptor copy in every new sparse_super group. New groups are INODE_UNINIT with their whole
 * inode table unused, exactly like mke2fs's, so their inode tables are never read and stay
 * unwritten.
 */
import { LiveStickError } from '../../shared/errors';
import type { ByteSource } from '../byte-source';
import { setU16le, setU32le } from '../bytes';
import { bytesExtent, sortAndCheckExtents, type Extent } from '../extent';
import { bitmapChecksum, buildBitmap } from '../ext4/bitmap';
import { crc32cFromOnes, fsChecksumSeed } from '../ext4/checksum';
import {
  BG_BLOCK_UNINIT,
  BG_INODE_UNINIT,
  FEATURE_RO_COMPAT_METADATA_CSUM,
  FEATURE_RO_COMPAT_SPARSE_SUPER,
  GROUP_DESC_SIZE,
  LIVESTICK_FEATURE_COMPAT,
  LIVESTICK_FEATURE_INCOMPAT,
  LIVESTICK_FEATURE_RO_COMPAT,
  STATE_CLEAN,
  SUPERBLOCK_OFFSET,
  SUPERBLOCK_SIZE,
} from '../ext4/constants';
import { hasSuperblockCopy } from '../ext4/geometry';
import {
  decodeGroupDescriptor,
  encodeGroupDescriptor,
  type Ext4GroupDescriptor,
} from '../ext4/group-descriptor';
import {
  OFFSET_BLOCK_GROUP_NR,
  OFFSET_BLOCKS_COUNT_LO,
  OFFSET_CHECKSUM,
  OFFSET_FREE_BLOCKS_COUNT_LO,
  OFFSET_FREE_INODES_COUNT,
  OFFSET_INODES_COUNT,
  OFFSET_OVERHEAD_CLUSTERS,
  OFFSET_R_BLOCKS_COUNT_LO,
  decodeSuperblock,
} from '../ext4/superblock';

/** s_reserved_gdt_blocks: non-zero only with resize_inode, which we refuse. */
const OFFSET_RESERVED_GDT_BLOCKS = 0xce;
/** A new trailing group smaller than its own metadata plus this is not worth adding (mke2fs's rule). */
const LAST_GROUP_SLACK = 50;
const MAX_BLOCKS = 0xffffffff;

/** The journal holds transactions that were never replayed: the image was not unmounted. */
const INCOMPAT_RECOVER = 0x0004;
const REQUIRED_RO_COMPAT = FEATURE_RO_COMPAT_SPARSE_SUPER | FEATURE_RO_COMPAT_METADATA_CSUM;

export interface Ext4GrowPlan {
  /** Relative to the image start, sorted. */
  readonly extents: Extent[];
  readonly blockBytes: number;
  readonly oldBlocks: number;
  readonly newBlocks: number;
  readonly oldGroups: number;
  readonly newGroups: number;
  /** Free blocks after growing, as the superblock now says. */
  readonly freeBlocks: number;
}

function refuse(what: string, why: string): never {
  throw new LiveStickError('TARGET_REFUSED', `${what} cannot be grown: ${why}`);
}

/** Writes the counters into a copy of the raw superblock and re-seals its checksum. */
function patchSuperblock(
  raw: Uint8Array,
  fields: Readonly<Record<number, number>>,
  group: number,
): Uint8Array {
  const b = raw.slice(0, SUPERBLOCK_SIZE);
  for (const [offset, value] of Object.entries(fields)) setU32le(b, Number(offset), value);
  setU16le(b, OFFSET_BLOCK_GROUP_NR, group);
  setU32le(b, OFFSET_CHECKSUM, crc32cFromOnes(b.subarray(0, OFFSET_CHECKSUM)));
  return b;
}

/**
 * Plans growing the ext4 filesystem in `image` (whose size already is, or will be, at least
 * `newSizeBytes`) to fill `newSizeBytes`. `what` names the file in messages ("home.img").
 */
export async function planExt4Grow(
  image: ByteSource,
  newSizeBytes: number,
  what: string,
): Promise<Ext4GrowPlan> {
  const raw = (await image.read(SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE)).slice();
  const sb = decodeSuperblock(raw);
  if (sb.featureCompat & ~LIVESTICK_FEATURE_COMPAT) {
    refuse(
      what,
      `its ext4 has compat features 0x${(sb.featureCompat & ~LIVESTICK_FEATURE_COMPAT).toString(16)} (resize_inode or newer) that LiveStick does not grow.`,
    );
  }
  if (sb.featureIncompat & INCOMPAT_RECOVER) {
    refuse(
      what,
      'its journal still needs recovery; boot the stick once and shut it down cleanly first.',
    );
  }
  if (sb.featureIncompat & ~LIVESTICK_FEATURE_INCOMPAT) {
    refuse(
      what,
      `its ext4 has incompat features 0x${(sb.featureIncompat & ~LIVESTICK_FEATURE_INCOMPAT).toString(16)} (64bit, meta_bg or newer) that LiveStick does not grow.`,
    );
  }
  if (
    sb.featureRoCompat & ~LIVESTICK_FEATURE_RO_COMPAT ||
    (sb.featureRoCompat & REQUIRED_RO_COMPAT) !== REQUIRED_RO_COMPAT
  ) {
    refuse(
      what,
      `its ext4 read-only features 0x${sb.featureRoCompat.toString(16)} are not the sparse_super + metadata_csum set LiveStick grows.`,
    );
  }
  if (!(sb.state & STATE_CLEAN)) {
    refuse(
      what,
      'its ext4 was not unmounted cleanly; boot the stick once and shut it down cleanly first.',
    );
  }
  if (raw[OFFSET_RESERVED_GDT_BLOCKS] !== 0 || raw[OFFSET_RESERVED_GDT_BLOCKS + 1] !== 0) {
    refuse(what, 'it has reserved descriptor blocks (resize_inode).');
  }

  const bs = sb.blockBytes;
  const bpg = sb.blocksPerGroup;
  const ipg = sb.inodesPerGroup;
  const fdb = sb.firstDataBlock;
  if (bpg !== bs * 8 || ipg === 0 || ipg > bs * 8 || (ipg * sb.inodeSize) % bs !== 0) {
    refuse(what, `its group geometry (${bpg} blocks, ${ipg} inodes per group) is not mke2fs's.`);
  }
  const itb = (ipg * sb.inodeSize) / bs;
  const groupsFor = (blocks: number): number => Math.ceil((blocks - fdb) / bpg);
  const oldBlocks = sb.blocksCount;
  const oldGroups = groupsFor(oldBlocks);
  const descBlocks = Math.ceil((oldGroups * GROUP_DESC_SIZE) / bs);
  const startOf = (group: number): number => fdb + group * bpg;
  const sbBlocksOf = (group: number): number => (hasSuperblockCopy(group) ? 1 + descBlocks : 0);

  let newBlocks = Math.min(Math.floor(newSizeBytes / bs), MAX_BLOCKS);
  let newGroups = groupsFor(newBlocks);
  const lastNew = newGroups - 1;
  if (lastNew >= oldGroups) {
    const lastCount = newBlocks - startOf(lastNew);
    if (lastCount < sbBlocksOf(lastNew) + 2 + itb + LAST_GROUP_SLACK) {
      newBlocks = startOf(lastNew);
      newGroups = lastNew;
    }
  }
  if (newBlocks <= oldBlocks) {
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `${what} is already ${oldBlocks * bs} bytes; ${newSizeBytes} bytes adds no usable ext4 block group.`,
    );
  }
  if (newGroups * GROUP_DESC_SIZE > descBlocks * bs) {
    refuse(
      what,
      `${newGroups} block groups need more descriptor blocks than the ${descBlocks} it has.`,
    );
  }

  const fsSeed = fsChecksumSeed(sb.uuid);
  const gdtOffset = (fdb + 1) * bs;
  const gdt = (await image.read(gdtOffset, descBlocks * bs)).slice();
  const descriptors: Ext4GroupDescriptor[] = [];
  for (let g = 0; g < oldGroups; g++) {
    descriptors.push(
      decodeGroupDescriptor(
        gdt.subarray(g * GROUP_DESC_SIZE, (g + 1) * GROUP_DESC_SIZE),
        g,
        fsSeed,
      ),
    );
  }
  const extents: Extent[] = [];

  // The old last group ends early; its bitmap marks the missing blocks as used padding.
  const tail = oldGroups - 1;
  const tailOld = oldBlocks - startOf(tail);
  const tailNew = Math.min(bpg, newBlocks - startOf(tail));
  if (tailNew > tailOld) {
    const desc = descriptors[tail]!;
    if (desc.flags & BG_BLOCK_UNINIT) {
      refuse(what, `its last block group ${tail} has no block bitmap on disk.`);
    }
    const bitmap = (await image.read(desc.blockBitmap * bs, bs)).slice();
    for (let bit = tailOld; bit < tailNew; bit++) bitmap[bit >> 3]! &= ~(1 << (bit & 7));
    descriptors[tail] = {
      ...desc,
      freeBlocks: desc.freeBlocks + (tailNew - tailOld),
      blockBitmapChecksum: bitmapChecksum(fsSeed, bitmap, bpg),
    };
    extents.push(bytesExtent(desc.blockBitmap * bs, bitmap, `ext4 block bitmap (group ${tail})`));
  }

  // New groups carry their own metadata right after their superblock copy, if any.
  let addedOverhead = 0;
  const emptyInodeBitmap = buildBitmap(bs, ipg, []);
  for (let g = oldGroups; g < newGroups; g++) {
    const start = startOf(g);
    const count = Math.min(bpg, newBlocks - start);
    const meta = sbBlocksOf(g);
    const used = meta + 2 + itb;
    const blockBitmap = buildBitmap(bs, count, [[0, used]]);
    extents.push(bytesExtent((start + meta) * bs, blockBitmap, `ext4 block bitmap (group ${g})`));
    descriptors.push({
      blockBitmap: start + meta,
      inodeBitmap: start + meta + 1,
      inodeTable: start + meta + 2,
      freeBlocks: count - used,
      freeInodes: ipg,
      usedDirs: 0,
      flags: BG_INODE_UNINIT,
      blockBitmapChecksum: bitmapChecksum(fsSeed, blockBitmap, bpg),
      inodeBitmapChecksum: bitmapChecksum(fsSeed, emptyInodeBitmap, ipg),
      itableUnused: ipg,
    });
    addedOverhead += used;
  }
  for (let g = tail; g < newGroups; g++) {
    gdt.set(encodeGroupDescriptor(descriptors[g]!, g, fsSeed), g * GROUP_DESC_SIZE);
  }

  const freeBlocks = descriptors.reduce((sum, d) => sum + d.freeBlocks, 0);
  const freeInodes = descriptors.reduce((sum, d) => sum + d.freeInodes, 0);
  const fields: Record<number, number> = {
    [OFFSET_BLOCKS_COUNT_LO]: newBlocks,
    [OFFSET_R_BLOCKS_COUNT_LO]: Math.floor((sb.reservedBlocksCount * newBlocks) / oldBlocks),
    [OFFSET_FREE_BLOCKS_COUNT_LO]: freeBlocks,
    [OFFSET_INODES_COUNT]: newGroups * ipg,
    [OFFSET_FREE_INODES_COUNT]: freeInodes,
    // Zero means "let the kernel compute it"; a stored value must include the new groups.
    [OFFSET_OVERHEAD_CLUSTERS]: sb.overheadClusters === 0 ? 0 : sb.overheadClusters + addedOverhead,
  };

  // Every superblock and descriptor copy, old and new, gets the new counts and table.
  extents.push(
    bytesExtent(SUPERBLOCK_OFFSET, patchSuperblock(raw, fields, 0), 'ext4 superblock'),
    bytesExtent(gdtOffset, gdt, 'ext4 group descriptors'),
  );
  for (let g = 1; g < newGroups; g++) {
    if (!hasSuperblockCopy(g)) continue;
    const copy = new Uint8Array((1 + descBlocks) * bs);
    copy.set(patchSuperblock(raw, fields, g), 0);
    copy.set(gdt, bs);
    extents.push(bytesExtent(startOf(g) * bs, copy, `ext4 backup superblock (group ${g})`));
  }

  return {
    extents: sortAndCheckExtents(extents),
    blockBytes: bs,
    oldBlocks,
    newBlocks,
    oldGroups,
    newGroups,
    freeBlocks,
  };
}
