// SPDX-License-Identifier: GPL-3.0-or-later
import type { DriveInfo, ImageSummary } from '../../shared/ipc';
import { GiB, MiB, formatBytes } from '../../shared/units';
import { en } from '../i18n/en';

/** The partition starts here (DESIGN.md §3). */
const PARTITION_OFFSET_BYTES = 1 * MiB;
/** FAT32's data region is aligned to this (DESIGN.md §3), so at most this much is lost to it. */
const DATA_ALIGNMENT_BYTES = 4 * MiB;
/** The smallest FAT32 cluster LiveStick uses: every file occupies whole clusters. */
const MIN_CLUSTER_BYTES = 4096;
/**
 * Sticks above this (or any non-removable disk) need the device name typed to confirm: it keeps
 * ordinary 64 GB sticks (about 59.6 GiB) easy while external disks need deliberate action.
 */
export const LARGE_DRIVE_BYTES = 64 * GiB;

/**
 * A lower bound of the stick size the image needs before any persistence. The planner has the
 * exact figure; this only greys out sticks that cannot possibly hold the image, so it must never
 * overestimate.
 */
export function minimumStickBytes(image: ImageSummary): number {
  const payload = image.payloadFileSizes.reduce(
    (sum, size) => sum + Math.ceil(size / MIN_CLUSTER_BYTES) * MIN_CLUSTER_BYTES,
    0,
  );
  return PARTITION_OFFSET_BYTES + DATA_ALIGNMENT_BYTES + Math.max(payload, image.payloadBytes);
}

export type DriveVerdict = { readonly usable: true } | { readonly usable: false; reason: string };

/** Whether a drive may be chosen for this image, and if not, why, in words. */
export function judgeDrive(drive: DriveInfo, image: ImageSummary | null): DriveVerdict {
  if (drive.blockedReason) return { usable: false, reason: en.drive.blocked(drive.blockedReason) };
  if (drive.readOnly) return { usable: false, reason: en.drive.writeProtected };
  if (image) {
    const needed = minimumStickBytes(image);
    if (drive.sizeBytes < needed) {
      return { usable: false, reason: en.drive.tooSmall(formatBytes(needed)) };
    }
  }
  return { usable: true };
}

/** System disks appear only after the user asked for all drives. */
export function visibleDrives(
  drives: readonly DriveInfo[],
  showAll: boolean,
): readonly DriveInfo[] {
  return showAll ? drives : drives.filter((drive) => !drive.system);
}

/** A non-removable, system or large disk is confirmed by typing its device name. */
export function needsTypedConfirmation(drive: DriveInfo): boolean {
  return drive.system || !drive.removable || drive.sizeBytes > LARGE_DRIVE_BYTES;
}
