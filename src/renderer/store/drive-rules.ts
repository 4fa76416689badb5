// SPDX-License-Identifier: GPL-3.0-or-later
import { minimumStickBytes } from '../../core/plan/planner';
import type { DriveInfo, ImageSummary } from '../../shared/ipc';
import { GiB } from '../../shared/units';
import { en } from '../i18n/en';
import { formatSize } from '../i18n/sizes';

/**
 * Sticks above this (or any non-removable disk) need the device name typed to confirm: it keeps
 * ordinary 64 GB sticks (about 59.6 GiB) easy while external disks need deliberate action.
 */
export const LARGE_DRIVE_BYTES = 64 * GiB;

export type DriveVerdict = { readonly usable: true } | { readonly usable: false; reason: string };

/** Whether a drive may be chosen for this image, and if not, why, in words. */
export function judgeDrive(drive: DriveInfo, image: ImageSummary | null): DriveVerdict {
  if (drive.blockedReason) return { usable: false, reason: en.drive.blocked(drive.blockedReason) };
  if (drive.readOnly) return { usable: false, reason: en.drive.writeProtected };
  if (image) {
    const needed = minimumStickBytes(image);
    if (drive.sizeBytes < needed) {
      return { usable: false, reason: en.drive.tooSmall(formatSize(needed)) };
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
