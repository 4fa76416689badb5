// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Reads a finished stick without booting it (docs/FORMATS.md, "The stick", "The snapshot overlay"): partition table →
 * FAT32 volume → the LiveOS files and the kernel arguments of its boot menus → how full the
 * persistent overlay and home.img are. Read-only; every number comes from on-disk structures,
 * so it works on an image file or a raw device on any OS.
 */
import type { ByteSource } from '../byte-source';
import { equalBytes, u16le } from '../bytes';
import {
  SUPERBLOCK_OFFSET,
  SUPERBLOCK_SIZE,
  EXT4_SUPER_MAGIC,
  STATE_CLEAN,
} from '../ext4/constants';
import { planExt4Image } from '../ext4/planner';
import { OFFSET_MAGIC as EXT4_OFFSET_MAGIC, decodeSuperblock } from '../ext4/superblock';
import { decodeFat32BootSector } from '../fat32/boot-sector';
import {
  findFile,
  readFat32Volume,
  readFatFile,
  type Fat32Volume,
  type FatNode,
} from '../fat32/volume-reader';
import { FormatError } from '../format-error';
import { readSnapshotUsage, type SnapshotUsage } from '../formats/dm-snapshot';
import { decodeGptEntries, verifyGptEntries, verifyGptHeader } from '../formats/gpt';
import { LUKS_MAGIC } from '../luks1/header';
import { decodeMbr, PARTITION_TYPE_GPT_PROTECTIVE } from '../formats/mbr';
import { SECTOR_BYTES } from '../sector';
import { inspectSquashfsRoot } from '../formats/squashfs';
import { isLiveArgs, parseBootEntries, type BootConfigKind } from '../liveos/boot-config-entries';
import { NO_PERSISTENCE_TITLE } from '../liveos/boot-config';
import { overlayFileName } from '../render/stick-files';
import { FatFileSource } from './file-bytes';

export type PartitionScheme = 'mbr' | 'gpt' | 'none';

/** Where the FAT32 volume sits on the disk. */
export interface StickPartition {
  readonly scheme: PartitionScheme;
  readonly startBytes: number;
  readonly sizeBytes: number;
}

/** Boot configs the stick may carry, in the order their kernel arguments are reported. */
export const BOOT_CONFIG_PATHS: readonly {
  readonly path: string;
  readonly kind: BootConfigKind;
}[] = [
  { path: '/syslinux/syslinux.cfg', kind: 'syslinux' },
  { path: '/syslinux/extlinux.conf', kind: 'syslinux' },
  { path: '/EFI/BOOT/grub.cfg', kind: 'grub' },
  { path: '/EFI/BOOT/BOOT.conf', kind: 'grub' },
  { path: '/boot/grub2/grub.cfg', kind: 'grub' },
];
/** Boot menus are a few KiB; anything bigger is not one we wrote. */
const MAX_CONFIG_BYTES = 1024 * 1024;
const DEFAULT_LIVE_DIR = 'LiveOS';
const OVERLAY_PREFIX = 'overlay-';
/** ext4 usage above this share is worth a warning, like the DM threshold. */
export const EXT4_NEARLY_FULL_PERCENT = 90;

export interface StickBootConfig {
  readonly path: string;
  readonly kind: BootConfigKind;
  readonly text: string;
  readonly node: FatNode;
}

export interface Ext4Usage {
  readonly label: string;
  readonly blockBytes: number;
  readonly blocksCount: number;
  readonly freeBlocks: number;
  readonly usedBytes: number;
  readonly sizeBytes: number;
  readonly percentUsed: number;
  /** s_state has the clean bit: last unmounted cleanly (or never mounted). */
  readonly clean: boolean;
}

export interface StickOverlay {
  readonly kind: 'dm-snapshot' | 'overlayfs';
  readonly node: FatNode;
  /** The name dracut looks for on this volume. */
  readonly expectedPath: string;
  /** False when the file is named for another label or UUID (orphaned by relabelling). */
  readonly nameMatches: boolean;
  /** DM overlays: the replay of the kernel's load path. Null when the header is unreadable. */
  readonly dm: SnapshotUsage | null;
  /** OverlayFS overlays: the embedded ext4's counters. */
  readonly ext4: Ext4Usage | null;
  /** Why the overlay cannot be used as it is, in one sentence; null when it can. */
  readonly problem: string | null;
}

export interface StickHome {
  readonly node: FatNode;
  readonly encrypted: boolean;
  readonly ext4: Ext4Usage | null;
  readonly problem: string | null;
}

export interface StickInspection {
  readonly diskBytes: number;
  readonly partition: StickPartition;
  readonly volume: Fat32Volume;
  readonly label: string;
  readonly uuid: string;
  readonly liveDir: string;
  readonly bootConfigs: readonly StickBootConfig[];
  /** The command line of the first live entry (persistent variant), as tokens. */
  readonly kernelArgs: readonly string[];
  readonly bootEntries: readonly {
    readonly config: string;
    readonly title: string;
    readonly kernelArgs: string;
  }[];
  /** The "start without persistence" / "reset persistence" entries are on the menus. */
  readonly persistenceMenu: boolean;
  /** The overlay kind the kernel arguments ask for; 'none' without rd.live.overlay. */
  readonly configuredOverlay: 'dm-snapshot' | 'overlayfs' | 'none';
  readonly overlay: StickOverlay | null;
  readonly home: StickHome | null;
  readonly swapBytes: number;
  /** Size of LiveOS/rootfs.img inside squashfs.img: the DM origin. Null for flat images. */
  readonly rootfsImageBytes: number | null;
  readonly freeBytes: number;
  /** Things the user should know, one sentence each. */
  readonly warnings: readonly string[];
}

/** A FAT32 boot sector at `offset`, or null. */
async function fatAt(source: ByteSource, offset: number): Promise<boolean> {
  if (offset + SECTOR_BYTES > source.size) return false;
  try {
    decodeFat32BootSector(await source.read(offset, SECTOR_BYTES));
    return true;
  } catch (error) {
    if (error instanceof FormatError) return false;
    throw error;
  }
}

/**
 * Finds the FAT32 volume: a GPT (behind its protective MBR), an MBR, or a volume without any
 * partition table ("superfloppy"). The first partition holding FAT32 wins, as the stick has one.
 */
export async function locateVolume(source: ByteSource): Promise<StickPartition> {
  if (source.size < SECTOR_BYTES) {
    throw new FormatError('disk', 0, `${source.size} bytes hold no partition table`);
  }
  const sector0 = await source.read(0, SECTOR_BYTES);
  if (await fatAt(source, 0)) {
    return { scheme: 'none', startBytes: 0, sizeBytes: source.size };
  }
  const mbr = decodeMbr(sector0);
  if (mbr.partitions.some((p) => p.type === PARTITION_TYPE_GPT_PROTECTIVE)) {
    const header = verifyGptHeader(await source.read(SECTOR_BYTES, SECTOR_BYTES));
    const arrayBytes = header.entryCount * header.entrySize;
    const entriesAt = header.entriesLba * SECTOR_BYTES;
    if (entriesAt + arrayBytes > source.size) {
      throw new FormatError(
        'GPT header',
        72,
        `entry array at LBA ${header.entriesLba} lies past the disk end`,
      );
    }
    const entriesBytes = await source.read(entriesAt, arrayBytes);
    verifyGptEntries(header, entriesBytes);
    for (const entry of decodeGptEntries(header, entriesBytes)) {
      const startBytes = entry.firstLba * SECTOR_BYTES;
      if (await fatAt(source, startBytes)) {
        return {
          scheme: 'gpt',
          startBytes,
          sizeBytes: (entry.lastLba - entry.firstLba + 1) * SECTOR_BYTES,
        };
      }
    }
    throw new FormatError('GPT entry array', entriesAt, 'no partition holds a FAT32 volume');
  }
  for (const partition of mbr.partitions) {
    const startBytes = partition.firstLba * SECTOR_BYTES;
    if (await fatAt(source, startBytes)) {
      return { scheme: 'mbr', startBytes, sizeBytes: partition.sectorCount * SECTOR_BYTES };
    }
  }
  throw new FormatError('MBR', 446, 'no partition holds a FAT32 volume');
}

/** Usage from an ext4 superblock at the start of `file`; null when there is none. */
export async function readExt4Usage(file: ByteSource): Promise<Ext4Usage | null> {
  if (file.size < SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE) return null;
  const bytes = await file.read(SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE);
  if (u16le(bytes, EXT4_OFFSET_MAGIC) !== EXT4_SUPER_MAGIC) return null;
  const sb = decodeSuperblock(bytes);
  const sizeBytes = sb.blocksCount * sb.blockBytes;
  // Like df: the journal, bitmaps and inode tables are not "used" space. Their size is what a
  // fresh image of the same geometry uses, which for LiveStick's own images is exact.
  const overheadBlocks = freshUsedBlocks(sb.blocksCount * sb.blockBytes, sb.blockBytes);
  const capacityBlocks = Math.max(1, sb.blocksCount - overheadBlocks);
  const usedBlocks = Math.max(0, sb.blocksCount - sb.freeBlocksCount - overheadBlocks);
  const usedBytes = usedBlocks * sb.blockBytes;
  return {
    label: sb.volumeName,
    blockBytes: sb.blockBytes,
    blocksCount: sb.blocksCount,
    freeBlocks: sb.freeBlocksCount,
    usedBytes,
    sizeBytes,
    percentUsed: Math.min(100, (usedBlocks / capacityBlocks) * 100),
    clean: (sb.state & STATE_CLEAN) !== 0,
  };
}

function freshUsedBlocks(sizeBytes: number, blockBytes: number): number {
  try {
    const fresh = planExt4Image({
      sizeBytes,
      blockBytes,
      label: '',
      uuid: new Uint8Array(16),
      hashSeed: new Uint8Array(16),
      createdAt: 0,
    });
    return fresh.blockCount - fresh.freeBlocks;
  } catch {
    // A geometry our planner would not make (a foreign image): count everything as used.
    return 0;
  }
}

function liveDirOf(args: readonly string[]): string {
  for (const arg of args) {
    const match = /^(?:rd\.live\.dir|live_dir)=(.+)$/.exec(arg);
    if (match) return match[1]!.replace(/^\/+|\/+$/g, '');
  }
  return DEFAULT_LIVE_DIR;
}

function configuredOverlayOf(args: readonly string[]): 'dm-snapshot' | 'overlayfs' | 'none' {
  const overlay = args.find((arg) => arg.startsWith('rd.live.overlay='));
  if (!overlay || overlay === 'rd.live.overlay=none') return 'none';
  return args.includes('rd.live.overlay.overlayfs') ? 'overlayfs' : 'dm-snapshot';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function readConfigs(source: ByteSource, volume: Fat32Volume): Promise<StickBootConfig[]> {
  const configs: StickBootConfig[] = [];
  const decoder = new TextDecoder('utf-8');
  for (const { path, kind } of BOOT_CONFIG_PATHS) {
    const node = findFile(volume, path);
    if (!node || node.isDirectory || node.size > MAX_CONFIG_BYTES) continue;
    const text = decoder.decode(await readFatFile(source, volume, node));
    configs.push({ path: node.path, kind, text, node });
  }
  return configs;
}

async function inspectOverlay(
  source: ByteSource,
  volume: Fat32Volume,
  node: FatNode,
  expectedPath: string,
  rootfsImageBytes: number | null,
): Promise<StickOverlay> {
  const file = new FatFileSource(source, volume, node);
  const nameMatches = node.path.toUpperCase() === expectedPath.toUpperCase();
  const ext4 = await readExt4Usage(file).catch(() => null);
  if (ext4) {
    return { kind: 'overlayfs', node, expectedPath, nameMatches, dm: null, ext4, problem: null };
  }
  try {
    const dm = await readSnapshotUsage(file, {
      ...(rootfsImageBytes !== null ? { originBytes: rootfsImageBytes } : {}),
    });
    const problem =
      dm.state === 'invalid'
        ? 'The kernel marked the overlay Invalid: it overflowed; reset it to boot with persistence again.'
        : dm.beyondEnd
          ? 'The overlay file is shorter than its own metadata says: it was truncated.'
          : null;
    return { kind: 'dm-snapshot', node, expectedPath, nameMatches, dm, ext4: null, problem };
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    return {
      kind: 'dm-snapshot',
      node,
      expectedPath,
      nameMatches,
      dm: null,
      ext4: null,
      problem: `The overlay is neither a DM snapshot nor an ext4 image (${error.message}); dracut cannot use it.`,
    };
  }
}

async function inspectHome(
  source: ByteSource,
  volume: Fat32Volume,
  node: FatNode,
): Promise<StickHome> {
  const file = new FatFileSource(source, volume, node);
  if (node.size >= LUKS_MAGIC.length) {
    const head = await file.read(0, LUKS_MAGIC.length);
    if (equalBytes(head, LUKS_MAGIC)) return { node, encrypted: true, ext4: null, problem: null };
  }
  try {
    const ext4 = await readExt4Usage(file);
    return {
      node,
      encrypted: false,
      ext4,
      problem: ext4 ? null : 'home.img holds neither ext4 nor LUKS.',
    };
  } catch (error) {
    return { node, encrypted: false, ext4: null, problem: `home.img: ${describe(error)}` };
  }
}

export async function inspectStick(source: ByteSource): Promise<StickInspection> {
  const partition = await locateVolume(source);
  const volume = await readFat32Volume(source, partition.startBytes);
  const warnings: string[] = [];
  const bootConfigs = await readConfigs(source, volume);

  const bootEntries = bootConfigs.flatMap((config) =>
    parseBootEntries(config.text, config.kind).map((entry) => ({
      config: config.path,
      title: entry.title,
      kernelArgs: entry.kernelArgs,
    })),
  );
  const live = bootEntries.find((entry) => isLiveArgs(entry.kernelArgs.split(/\s+/)));
  const kernelArgs = live ? live.kernelArgs.split(/\s+/).filter(Boolean) : [];
  if (!live) warnings.push('No boot menu entry starts the live system.');
  const liveDir = liveDirOf(kernelArgs);
  const configuredOverlay = configuredOverlayOf(kernelArgs);
  const persistenceMenu = bootEntries.some((entry) => entry.title === NO_PERSISTENCE_TITLE);
  const expectedRoot = `root=live:UUID=${volume.uuid}`;
  if (live && !kernelArgs.some((arg) => arg.toUpperCase() === expectedRoot.toUpperCase())) {
    warnings.push(
      `The boot menu does not name this volume (${expectedRoot}); the stick may not find its own files.`,
    );
  }

  let rootfsImageBytes: number | null = null;
  const squashfs = findFile(volume, `/${liveDir}/squashfs.img`);
  if (squashfs && !squashfs.isDirectory) {
    try {
      const root = await inspectSquashfsRoot(new FatFileSource(source, volume, squashfs));
      if (root.kind === 'nested') rootfsImageBytes = root.rootfsImageBytes;
    } catch (error) {
      warnings.push(`${squashfs.path} cannot be read: ${describe(error)}`);
    }
  } else {
    warnings.push(`There is no /${liveDir}/squashfs.img: this is not a LiveOS stick.`);
  }

  const dir = findFile(volume, `/${liveDir}`);
  const expectedPath = `/${liveDir}/${overlayFileName(volume.label, volume.uuid)}`;
  const overlayNode =
    findFile(volume, expectedPath) ??
    dir?.children.find(
      (child) => !child.isDirectory && child.name.toLowerCase().startsWith(OVERLAY_PREFIX),
    );
  const overlay =
    overlayNode && !overlayNode.isDirectory
      ? await inspectOverlay(source, volume, overlayNode, expectedPath, rootfsImageBytes)
      : null;
  if (overlay && !overlay.nameMatches) {
    warnings.push(
      `The overlay ${overlay.node.path} is not the file dracut looks for (${expectedPath}), so it is not used: the volume was relabelled or reformatted. Resetting the overlay renames it.`,
    );
  }
  if (overlay?.problem) warnings.push(overlay.problem);
  if (overlay && configuredOverlay !== 'none' && configuredOverlay !== overlay.kind) {
    warnings.push(
      `The boot menu asks for a ${configuredOverlay} overlay but ${overlay.node.path} is a ${overlay.kind} overlay.`,
    );
  }
  if (!overlay && configuredOverlay !== 'none') {
    warnings.push(
      `The boot menu asks for a persistent overlay but ${expectedPath} does not exist; dracut will stop at a prompt.`,
    );
  }
  if (overlay?.dm?.willBeFullSoon && overlay.dm.state === 'valid') {
    warnings.push(
      overlay.dm.full
        ? 'The overlay is full: the next change to the system fails and the root file system turns read-only.'
        : `The overlay is ${overlay.dm.percentUsed.toFixed(1)} % full; grow or reset it soon.`,
    );
  }
  if (overlay?.ext4 && overlay.ext4.percentUsed >= EXT4_NEARLY_FULL_PERCENT) {
    warnings.push(
      `The overlay is ${overlay.ext4.percentUsed.toFixed(1)} % full; grow or reset it soon.`,
    );
  }

  const homeNode = findFile(volume, `/${liveDir}/home.img`);
  const home =
    homeNode && !homeNode.isDirectory ? await inspectHome(source, volume, homeNode) : null;
  if (home?.problem) warnings.push(home.problem);
  if (home?.ext4 && home.ext4.percentUsed >= EXT4_NEARLY_FULL_PERCENT) {
    warnings.push(`home.img is ${home.ext4.percentUsed.toFixed(1)} % full.`);
  }
  const swap = findFile(volume, `/${liveDir}/swap.img`);

  return {
    diskBytes: source.size,
    partition,
    volume,
    label: volume.label,
    uuid: volume.uuid,
    liveDir,
    bootConfigs,
    kernelArgs,
    bootEntries,
    persistenceMenu,
    configuredOverlay,
    overlay,
    home,
    swapBytes: swap && !swap.isDirectory ? swap.size : 0,
    rootfsImageBytes,
    freeBytes: volume.freeClusters * volume.geometry.clusterBytes,
    warnings,
  };
}
