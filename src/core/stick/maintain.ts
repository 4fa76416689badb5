// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Maintenance of a stick without booting it, each as an extent plan over the whole disk: reset
 * the persistent overlay, grow the overlay or home.img into free space, add or remove the
 * persistence boot entries, restore an ordinary empty drive. A plan changes one file at a time
 * and leaves a consistent FAT32 volume (directory entry, both FATs, FSInfo); callers that change
 * several files apply one plan, read the stick again, and plan the next.
 */
import { LiveStickError, shortfall } from '../../shared/errors';
import { MiB } from '../../shared/units';
import type { ByteSource } from '../byte-source';
import { bytesExtent, shiftExtents, sortAndCheckExtents, zeroExtent, type Extent } from '../extent';
import { planOverlayfsImage } from '../ext4/image-plan';
import { formatFatSerial } from '../fat32/geometry';
import { FAT32_MAX_FILE_BYTES, planFat32Volume } from '../fat32/volume-plan';
import type { Fat32Volume, FatNode } from '../fat32/volume-reader';
import { planFileResize } from './fat-file-resize';
import {
  FRESH_OVERLAY_CLEAR_BYTES,
  resetOverlayExtents,
  usefulMaxBytes,
} from '../formats/dm-snapshot';
import {
  DEFAULT_PARTITION_START_BYTES,
  maxPartitionBytes,
  planPartitionTable,
} from '../formats/partition-table';
import {
  rewriteGrubConfig,
  rewriteSyslinuxConfig,
  type BootRewriteContext,
} from '../liveos/boot-config';
import { isLiveArgs, parseBootEntries } from '../liveos/boot-config-entries';
import { planExt4Grow } from './ext4-grow';
import { FatFileSource, mapFileExtents } from './file-bytes';
import type { StickBootConfig, StickInspection } from './read-stick';

export interface MaintenanceStep {
  /** Absolute on the disk, sorted, non-overlapping. */
  readonly extents: Extent[];
  /** What the step does, one sentence. */
  readonly summary: string;
  /** Things to tell the user besides (a size past the useful maximum). */
  readonly notes: readonly string[];
}

const refuse = (message: string): never => {
  throw new LiveStickError('TARGET_REFUSED', message);
};

/** The file's own plan, moved onto the disk through its cluster runs. */
function fileExtents(volume: Fat32Volume, node: FatNode, extents: readonly Extent[]): Extent[] {
  return mapFileExtents(extents, node.runs, volume.volumeOffset);
}

/**
 * Resizes a file and fills it: the FAT and directory changes of planFileResize plus `content`
 * (relative to the file) at the file's new clusters.
 */
function planResizedFile(
  volume: Fat32Volume,
  node: FatNode,
  newSize: number,
  content: (runsNode: FatNode) => readonly Extent[],
): Extent[] {
  const resize = planFileResize(volume, node, newSize);
  const resized: FatNode = { ...node, size: newSize, runs: resize.runs };
  return sortAndCheckExtents([
    ...shiftExtents(resize.extents, volume.volumeOffset),
    ...fileExtents(volume, resized, content(resized)),
  ]);
}

export interface ResetOptions {
  readonly random: (length: number) => Uint8Array;
  readonly createdAt: Date;
}

/**
 * What `rd.live.overlay.reset` does, done offline. DM: zero the first 64 KiB, so the next
 * activation finds a new snapshot (docs/FORMATS.md, "The snapshot overlay"). OverlayFS: a fresh ext4 over the
 * same file, which is "empty upper and work directories" with the SELinux labels litd gives them.
 */
export function planOverlayReset(stick: StickInspection, options: ResetOptions): MaintenanceStep {
  const overlay = stick.overlay ?? refuse('This stick has no persistent overlay to reset.');
  const { node } = overlay;
  const notes = overlay.nameMatches
    ? []
    : [
        `${node.path} is not the name dracut looks for (${overlay.expectedPath}); the reset overlay stays unused until it is renamed.`,
      ];
  if (overlay.kind === 'dm-snapshot') {
    return {
      extents: sortAndCheckExtents(fileExtents(stick.volume, node, resetOverlayExtents(node.size))),
      summary: `Reset the device-mapper overlay ${node.path}: the next boot starts from the original system.`,
      notes,
    };
  }
  const plan = planOverlayfsImage({
    sizeBytes: node.size,
    uuid: options.random(16),
    hashSeed: options.random(16),
    createdAt: Math.floor(options.createdAt.getTime() / 1000),
  });
  return {
    extents: sortAndCheckExtents(fileExtents(stick.volume, node, plan.extents)),
    summary: `Reset the OverlayFS overlay ${node.path}: empty upper and work directories.`,
    notes,
  };
}

function checkGrowth(node: FatNode, newBytes: number, stick: StickInspection): void {
  if (!Number.isSafeInteger(newBytes) || newBytes <= 0) {
    throw new RangeError(`new size ${newBytes} is not a byte count`);
  }
  if (newBytes < node.size) {
    refuse(`${node.path} is ${node.size} bytes; shrinking it to ${newBytes} is not supported.`);
  }
  if (newBytes > FAT32_MAX_FILE_BYTES) {
    throw new LiveStickError(
      'FAT32_FILE_LIMIT',
      `${node.path} cannot grow to ${newBytes} bytes: a FAT32 file holds at most ${FAT32_MAX_FILE_BYTES}.`,
      { path: node.path, sizeBytes: newBytes, limitBytes: FAT32_MAX_FILE_BYTES },
    );
  }
  const needed = newBytes - node.size;
  // The free space, plus what the file's last cluster holds beyond its end.
  const room =
    stick.freeBytes + (node.clusters.length * stick.volume.geometry.clusterBytes - node.size);
  if (needed > room) {
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `Growing ${node.path} by ${needed} bytes needs more than the ${stick.freeBytes} bytes free on the stick.`,
      shortfall(needed, room),
    );
  }
}

/**
 * Grows the overlay in place. DM: the metadata areas sit at fixed offsets, so the appended
 * chunks need no initialisation — the kernel zeroes each area before it first uses it
 * (docs/FORMATS.md, "The snapshot overlay"); only the new last MiB is cleared, so no stale
 * signature ends up where blkid looks. OverlayFS: the embedded ext4 gains block groups.
 */
export async function planOverlayGrow(
  source: ByteSource,
  stick: StickInspection,
  newBytes: number,
): Promise<MaintenanceStep> {
  const overlay = stick.overlay ?? refuse('This stick has no persistent overlay to grow.');
  const { node } = overlay;
  checkGrowth(node, newBytes, stick);
  const notes: string[] = [];
  if (overlay.kind === 'dm-snapshot') {
    if (!overlay.dm) refuse(`${node.path} is not a usable DM snapshot; reset it instead.`);
    if (overlay.dm?.state === 'invalid') {
      refuse(
        `${node.path} was invalidated by the kernel; growing cannot revive it, reset it instead.`,
      );
    }
    if (stick.rootfsImageBytes !== null && newBytes > usefulMaxBytes(stick.rootfsImageBytes)) {
      notes.push(
        `A DM overlay never uses more than ${usefulMaxBytes(stick.rootfsImageBytes)} bytes with this system (every block of rootfs.img is copied at most once); the rest is wasted.`,
      );
    }
    const clearFrom = Math.max(node.size, newBytes - FRESH_OVERLAY_CLEAR_BYTES);
    const extents = planResizedFile(stick.volume, node, newBytes, () =>
      clearFrom < newBytes ? [zeroExtent(clearFrom, newBytes - clearFrom, 'overlay new tail')] : [],
    );
    return {
      extents,
      summary: `Grew the device-mapper overlay ${node.path} from ${node.size} to ${newBytes} bytes.`,
      notes,
    };
  }
  const grow = await planExt4Grow(
    new FatFileSource(source, stick.volume, node),
    newBytes,
    node.path,
  );
  return {
    extents: planResizedFile(stick.volume, node, newBytes, () => grow.extents),
    summary: `Grew the OverlayFS overlay ${node.path} from ${node.size} to ${newBytes} bytes.`,
    notes,
  };
}

/** Grows home.img and its ext4. An encrypted home would need the passphrase to reach its ext4. */
export async function planHomeGrow(
  source: ByteSource,
  stick: StickInspection,
  newBytes: number,
): Promise<MaintenanceStep> {
  const home = stick.home ?? refuse('This stick has no home.img to grow.');
  const { node } = home;
  checkGrowth(node, newBytes, stick);
  if (home.encrypted) {
    refuse(
      `${node.path} is encrypted: its file system can only be grown from inside the live system (cryptsetup resize, then resize2fs).`,
    );
  }
  if (!home.ext4) refuse(`${node.path} holds no ext4 file system to grow.`);
  const grow = await planExt4Grow(
    new FatFileSource(source, stick.volume, node),
    newBytes,
    node.path,
  );
  return {
    extents: planResizedFile(stick.volume, node, newBytes, () => grow.extents),
    summary: `Grew ${node.path} from ${node.size} to ${newBytes} bytes.`,
    notes: [],
  };
}

const SYSLINUX_DIR = '/syslinux/';

/** The kernel and initrd a config's first live entry boots, as absolute stick paths. */
function kernelPathsOf(config: StickBootConfig): BootRewriteContext['kernelPaths'] | null {
  const live = parseBootEntries(config.text, config.kind).find((entry) =>
    isLiveArgs(entry.kernelArgs.split(/\s+/)),
  );
  if (!live?.kernel || !live.initrd) return null;
  const absolute = (path: string): string =>
    path.startsWith('/') ? path : SYSLINUX_DIR + path.replace(/^\.\//, '');
  const initrd = live.initrd.split(',')[0]!;
  return { kernel: absolute(live.kernel), initrd: absolute(initrd) };
}

/**
 * The boot configs with the "start without persistence" and "reset persistence and start"
 * entries added or removed; only configs whose text changes are returned. The rewriter is
 * idempotent, so a config LiveStick wrote comes back unchanged apart from those entries.
 */
export function persistenceMenuTexts(
  stick: StickInspection,
  enabled: boolean,
): { readonly path: string; readonly text: string }[] {
  if (stick.configuredOverlay === 'none') {
    refuse('The boot menu starts without a persistent overlay, so there is nothing to choose.');
  }
  const changed: { path: string; text: string }[] = [];
  for (const config of stick.bootConfigs) {
    const kernelPaths = kernelPathsOf(config);
    if (!kernelPaths) continue;
    const ctx: BootRewriteContext = {
      uuid: stick.uuid,
      isoLabel: stick.label,
      overlay: stick.configuredOverlay,
      partitionTable: stick.partition.scheme === 'gpt' ? 'gpt' : 'mbr',
      kernelPaths,
      persistenceMenu: enabled,
    };
    const text =
      config.kind === 'syslinux'
        ? rewriteSyslinuxConfig(config.text, ctx)
        : rewriteGrubConfig(config.text, ctx, {
            efi: config.path.toUpperCase().startsWith('/EFI/'),
          });
    if (text !== config.text) changed.push({ path: config.path, text });
  }
  return changed;
}

/** Replaces a file's contents, reallocating its clusters when the size changes. */
export function planFileReplace(volume: Fat32Volume, node: FatNode, data: Uint8Array): Extent[] {
  if (data.length === node.size) {
    return sortAndCheckExtents(fileExtents(volume, node, [bytesExtent(0, data, node.path)]));
  }
  return planResizedFile(volume, node, data.length, () =>
    data.length > 0 ? [bytesExtent(0, data, node.path)] : [],
  );
}

export interface RestoreOptions {
  readonly diskBytes: number;
  /** FAT label; empty for none. */
  readonly label: string;
  readonly serial: number;
  readonly createdAt: Date;
  readonly random: (length: number) => Uint8Array;
}

export interface RestorePlan {
  /** Zeroed first: old signatures (partition tables, the ISO9660 descriptor) at both ends. */
  readonly wipe: readonly { readonly offset: number; readonly length: number }[];
  readonly extents: readonly Extent[];
  readonly uuid: string;
  readonly partitionStartBytes: number;
  readonly partitionBytes: number;
  readonly freeBytes: number;
}

const WIPE_BYTES = MiB;

/** An ordinary empty drive: one MBR partition over the whole disk, holding an empty FAT32. */
export function planRestore(options: RestoreOptions): RestorePlan {
  const { diskBytes } = options;
  const startBytes = DEFAULT_PARTITION_START_BYTES;
  const partitionBytes = maxPartitionBytes('mbr', diskBytes, startBytes);
  if (partitionBytes <= 0) {
    throw new LiveStickError('DOES_NOT_FIT', `A ${diskBytes}-byte disk is too small for FAT32.`);
  }
  const volume = planFat32Volume({
    volumeBytes: partitionBytes,
    label: options.label,
    serial: options.serial,
    files: [],
    partitionStartBytes: startBytes,
    createdAt: options.createdAt,
  });
  const table = planPartitionTable({
    scheme: 'mbr',
    diskBytes,
    partitionStartBytes: startBytes,
    partitionBytes,
    label: options.label,
    random: options.random,
    biosBootable: false,
  });
  return {
    wipe: [
      { offset: 0, length: Math.min(WIPE_BYTES, diskBytes) },
      { offset: Math.max(0, diskBytes - WIPE_BYTES), length: Math.min(WIPE_BYTES, diskBytes) },
    ],
    extents: sortAndCheckExtents([...table.extents, ...shiftExtents(volume.extents, startBytes)]),
    uuid: formatFatSerial(options.serial),
    partitionStartBytes: startBytes,
    partitionBytes,
    freeBytes: volume.freeBytes,
  };
}
