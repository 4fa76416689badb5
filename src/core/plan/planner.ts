// SPDX-License-Identifier: GPL-3.0-or-later
import { LiveStickError, shortfall } from '../../shared/errors';
import type { LayoutSummary, SizeLimit } from '../../shared/ipc';
import { formatBytes, MiB } from '../../shared/units';
import {
  clustersFor,
  computeFat32Geometry,
  DEFAULT_DATA_ALIGN_BYTES,
  defaultClusterBytes,
} from '../fat32/geometry';
import { FAT32_MAX_FILE_BYTES } from '../fat32/volume-plan';
import { usefulMaxBytes } from '../formats/dm-snapshot';
import { DEFAULT_PARTITION_START_BYTES, maxPartitionBytes } from '../formats/partition-table';

/**
 * The sizing planner (docs/ARCHITECTURE.md, "Data flow of a write"): a pure function of what the image needs, the target's size
 * and what the user asked for. The CLI's `plan`, the writer and the wizard's sliders all call it,
 * so the numbers a user sees are the numbers that get written.
 */

export type OverlayKind = 'dm-snapshot' | 'overlayfs';

/** What the planner needs to know about an image (a subset of LiveImage / ImageSummary). */
export interface PlannerImage {
  readonly label: string;
  /** Every file the writer copies, in bytes (boot configs at their rewritten size or larger). */
  readonly payloadFileSizes: readonly number[];
  /** Directories the stick will have (each takes at least one cluster). */
  readonly directoryCount: number;
  readonly squashfsBytes: number;
  readonly rootfsImageBytes?: number;
  readonly overlayKinds: readonly OverlayKind[];
}

export interface PlanRequest {
  readonly targetBytes: number;
  readonly partitionTable: 'mbr' | 'gpt';
  readonly overlayType: 'auto' | OverlayKind;
  /** Undefined: the default; 0: none. */
  readonly overlayMiB?: number;
  readonly homeMiB?: number;
  readonly swapMiB?: number;
  readonly encryptedHome: boolean;
  readonly label?: string;
}

export interface Layout extends LayoutSummary {
  readonly partitionTable: 'mbr' | 'gpt';
  readonly partitionStartBytes: number;
  readonly clusterBytes: number;
  readonly overlayBytes: number;
  readonly homeBytes: number;
  readonly swapBytes: number;
}

/** The smallest overlay or home worth making: an ext4 image needs a few MiB of metadata. */
export const MIN_IMAGE_FILE_BYTES = 16 * MiB;
/** Room left for the boot-config rewrites, syslinux files and directory growth. */
const SYSTEM_SLACK_BYTES = 2 * MiB;
/** The volume label litd-2016 gave every stick; Fedora's docs and forums assume it. */
export const DEFAULT_LABEL = 'LIVE';

const FAT_FILE_REASON = 'FAT32 cannot hold a file of 4 GiB or more.';

function roundDownMiB(bytes: number): number {
  return Math.max(0, Math.floor(bytes / MiB) * MiB);
}

/** A request in MiB as litd takes it: exactly 4096 means "as large as FAT32 allows". */
function requestedBytes(mib: number): number {
  const bytes = mib * MiB;
  return bytes === 4 * 1024 * MiB ? FAT32_MAX_FILE_BYTES : bytes;
}

/** What "automatic" picks: the snapshot overlay where the image can use it (dracut 044 knows no other). */
export function autoOverlayKind(overlayKinds: readonly OverlayKind[]): OverlayKind {
  return overlayKinds.includes('dm-snapshot') ? 'dm-snapshot' : 'overlayfs';
}

function chooseOverlayKind(image: PlannerImage, request: PlanRequest): OverlayKind {
  if (request.overlayType === 'auto') return autoOverlayKind(image.overlayKinds);
  if (!image.overlayKinds.includes(request.overlayType)) {
    const reason =
      request.overlayType === 'dm-snapshot'
        ? 'its root filesystem is a flat squashfs/EROFS tree, which only an OverlayFS overlay can cover'
        : 'its initramfs is too old for an OverlayFS overlay';
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `This image cannot use a ${request.overlayType} overlay: ${reason}. Use --overlay-type auto`,
      { reason: 'overlay-type-unsupported', overlayType: request.overlayType },
    );
  }
  return request.overlayType;
}

function limit(
  bytes: number,
  minBytes: number,
  maxBytes: number,
  defaultBytes: number,
  maxReason: string,
): SizeLimit {
  return { bytes, minBytes, maxBytes, defaultBytes, maxReason };
}

/**
 * A lower bound of the target size an image needs before any persistence, cheap enough to judge
 * every listed drive at once; `planLayout` has the exact figure. It must never overestimate: the
 * partition starts at DEFAULT_PARTITION_START_BYTES, the FAT32 data region starts at least one
 * alignment step into the partition, and no target that holds the files gets clusters smaller
 * than the planner picks for a volume of the files' size.
 */
export function minimumStickBytes(image: Pick<PlannerImage, 'payloadFileSizes'>): number {
  const payloadBytes = image.payloadFileSizes.reduce((sum, size) => sum + size, 0);
  const clusterBytes = defaultClusterBytes(payloadBytes);
  const allocatedBytes = image.payloadFileSizes.reduce(
    (sum, size) => sum + clustersFor(size, clusterBytes) * clusterBytes,
    0,
  );
  return DEFAULT_PARTITION_START_BYTES + DEFAULT_DATA_ALIGN_BYTES + allocatedBytes;
}

export function planLayout(image: PlannerImage, request: PlanRequest): Layout {
  const label = request.label ?? DEFAULT_LABEL;
  const partitionStartBytes = DEFAULT_PARTITION_START_BYTES;
  if (image.squashfsBytes > FAT32_MAX_FILE_BYTES) {
    throw new LiveStickError(
      'FAT32_FILE_LIMIT',
      `LiveOS/squashfs.img is ${formatBytes(image.squashfsBytes)}, more than a FAT32 file can hold (4 GiB − 512 B); this image needs an ext4 stick layout, which LiveStick does not make yet`,
      {
        item: 'squashfs',
        path: '/LiveOS/squashfs.img',
        sizeBytes: image.squashfsBytes,
        limitBytes: FAT32_MAX_FILE_BYTES,
      },
    );
  }
  const partitionBytes = maxPartitionBytes(
    request.partitionTable,
    request.targetBytes,
    partitionStartBytes,
  );
  let geometry;
  try {
    geometry = computeFat32Geometry({ volumeBytes: partitionBytes });
  } catch (error) {
    if (!LiveStickError.is(error, 'DOES_NOT_FIT')) throw error;
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `A ${formatBytes(request.targetBytes)} target is too small for a FAT32 stick`,
      { reason: 'target-too-small', targetBytes: request.targetBytes },
    );
  }
  const { clusterBytes } = geometry;
  const capacity = geometry.clusterCount * clusterBytes;
  const allocated = (bytes: number): number => clustersFor(bytes, clusterBytes) * clusterBytes;
  const systemBytes =
    image.payloadFileSizes.reduce((sum, size) => sum + allocated(size), 0) +
    (image.directoryCount + 2) * clusterBytes +
    SYSTEM_SLACK_BYTES;
  const room = capacity - systemBytes;
  if (room < 0) {
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `The live system needs ${formatBytes(systemBytes)} but the stick holds ${formatBytes(capacity)}: ${formatBytes(-room)} short. Use a larger stick`,
      { reason: 'system', ...shortfall(systemBytes, capacity) },
    );
  }

  const wantsOverlay = request.overlayMiB !== 0;
  const overlayKind = wantsOverlay ? chooseOverlayKind(image, request) : 'none';
  const usefulMax =
    overlayKind === 'dm-snapshot' && image.rootfsImageBytes
      ? usefulMaxBytes(image.rootfsImageBytes)
      : Infinity;
  const overlayMax = Math.min(FAT32_MAX_FILE_BYTES, roundDownMiB(room));
  const overlayMaxReason =
    overlayMax === FAT32_MAX_FILE_BYTES
      ? FAT_FILE_REASON
      : 'That is all the space left after the live system.';
  const overlayDefault = Math.min(
    overlayMax,
    usefulMax === Infinity ? overlayMax : Math.ceil(usefulMax / MiB) * MiB,
    roundDownMiB(room / 2),
  );
  const overlayBytes = !wantsOverlay
    ? 0
    : request.overlayMiB === undefined
      ? overlayDefault
      : requestedBytes(request.overlayMiB);

  const afterOverlay = room - allocated(overlayBytes);
  const homeMax = Math.min(FAT32_MAX_FILE_BYTES, roundDownMiB(afterOverlay));
  const homeDefault =
    afterOverlay >= 2 * MIN_IMAGE_FILE_BYTES
      ? Math.min(homeMax, roundDownMiB(afterOverlay / 2))
      : 0;
  const homeBytes = request.homeMiB === undefined ? homeDefault : requestedBytes(request.homeMiB);
  const afterHome = afterOverlay - allocated(homeBytes);
  const swapMax = Math.min(FAT32_MAX_FILE_BYTES, roundDownMiB(afterHome));
  const swapBytes = request.swapMiB === undefined ? 0 : requestedBytes(request.swapMiB);
  const freeBytes = afterHome - allocated(swapBytes);

  for (const [name, item, bytes, option] of [
    ['overlay', 'overlay', overlayBytes, '--overlay-size-mb'],
    ['home.img', 'home', homeBytes, '--home-size-mb'],
    ['swap.img', 'swap', swapBytes, '--swap-size-mb'],
  ] as const) {
    if (bytes > FAT32_MAX_FILE_BYTES) {
      throw new LiveStickError(
        'FAT32_FILE_LIMIT',
        `A ${formatBytes(bytes)} ${name} cannot be a FAT32 file (at most 4096 MiB); lower ${option}`,
        { item, sizeBytes: bytes, limitBytes: FAT32_MAX_FILE_BYTES },
      );
    }
    if (bytes > 0 && bytes < MIN_IMAGE_FILE_BYTES && name !== 'swap.img') {
      throw new LiveStickError(
        'DOES_NOT_FIT',
        `A ${name} of ${formatBytes(bytes)} is too small to be useful; give at least ${MIN_IMAGE_FILE_BYTES / MiB} MiB with ${option}, or 0 for none`,
        { reason: 'too-small', item, minBytes: MIN_IMAGE_FILE_BYTES },
      );
    }
  }
  if (freeBytes < 0) {
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `The requested persistence needs ${formatBytes(-freeBytes)} more than the stick has (${formatBytes(room)} free after the live system); lower --overlay-size-mb or --home-size-mb`,
      { reason: 'persistence', ...shortfall(room - freeBytes, room) },
    );
  }

  const warnings: string[] = [];
  const notes: string[] = [];
  if (overlayKind === 'dm-snapshot' && overlayBytes > Math.ceil(usefulMax / MiB) * MiB) {
    warnings.push(
      `An overlay above ${formatBytes(usefulMax)} is never used: a snapshot overlay stores each block of the ${formatBytes(image.rootfsImageBytes ?? 0)} system image at most once.`,
    );
  }
  if (overlayKind === 'dm-snapshot') {
    notes.push(
      'The overlay keeps system changes (installed packages, settings); it fills up and deleting files does not free it. Keep your files in home.',
    );
  } else if (overlayKind === 'overlayfs') {
    notes.push(
      'The overlay keeps system changes as whole files; when it is full, writes to / fail until it is reset.',
    );
  } else {
    notes.push('Without an overlay, system changes are lost at shutdown.');
  }
  if (homeBytes > 0 && request.encryptedHome)
    notes.push('home.img is encrypted (LUKS1); about 2 MiB of it holds the header.');
  if (homeBytes === 0)
    notes.push("Without home.img, your files live in the overlay or on the stick's free space.");

  return {
    targetBytes: request.targetBytes,
    partitionTable: request.partitionTable,
    partitionStartBytes,
    partitionBytes,
    clusterBytes,
    label,
    overlayKind,
    systemBytes,
    overlayBytes,
    homeBytes,
    swapBytes,
    freeBytes,
    overlay: limit(
      overlayBytes,
      wantsOverlay ? MIN_IMAGE_FILE_BYTES : 0,
      overlayMax,
      overlayDefault,
      overlayMaxReason,
    ),
    home: {
      ...limit(
        homeBytes,
        0,
        homeMax,
        homeDefault,
        homeMax === FAT32_MAX_FILE_BYTES
          ? FAT_FILE_REASON
          : 'That is the space left after the overlay.',
      ),
      encrypted: request.encryptedHome && homeBytes > 0,
    },
    swap: limit(
      swapBytes,
      0,
      swapMax,
      0,
      swapMax === FAT32_MAX_FILE_BYTES
        ? FAT_FILE_REASON
        : 'That is the space left after the overlay and home.',
    ),
    warnings,
    notes,
  };
}
