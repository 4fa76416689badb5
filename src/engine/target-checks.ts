// SPDX-License-Identifier: GPL-3.0-or-later
import { devicesFor, hostDevices } from './device/host-devices';
import type { CheckedTarget, DevicePlatform, TargetCheckOptions } from './device/platform';

/**
 * The last line of defence before bytes hit a disk: the privileged helper and the CLI both run
 * these checks on the path they were given, whatever main or the user already decided. A write
 * target must be a regular file, or a whole disk that is not a partition, does not run this
 * computer, does not hold the ISO being written, and has nothing mounted or stacked on it. Each
 * OS answers with its own facts (src/engine/device): sysfs and procfs on Linux, Get-Disk on
 * Windows, diskutil on macOS.
 */
export type { CheckedTarget, TargetCheckOptions };

function devicesOf(options: TargetCheckOptions): DevicePlatform {
  if (options.devices) return options.devices;
  return options.platform === undefined || options.platform === process.platform
    ? hostDevices()
    : devicesFor(options.platform);
}

export function checkWriteTarget(
  target: string,
  imagePath: string,
  options: TargetCheckOptions = {},
): Promise<CheckedTarget> {
  return devicesOf(options).checkWriteTarget(target, imagePath, options);
}

/** Reading is harmless, so inspection only needs a whole disk or a file. */
export function checkInspectTarget(
  target: string,
  options: TargetCheckOptions = {},
): Promise<CheckedTarget> {
  return devicesOf(options).checkInspectTarget(target, options);
}
