// SPDX-License-Identifier: GPL-3.0-or-later
import { nodeHostSystem, type HostSystem } from './host-system';
import { LinuxDevices } from './linux';
import { MacDevices } from './macos';
import type { DevicePlatform } from './platform';
import { WindowsDevices, windowsPowerShellPath } from './windows';

/** The device layer of an OS, over the given machine (tests pass a simulated one). */
export function devicesFor(os: NodeJS.Platform, host: HostSystem = nodeHostSystem): DevicePlatform {
  switch (os) {
    case 'win32':
      return new WindowsDevices({
        host,
        powerShell: windowsPowerShellPath(process.env.SystemRoot ?? 'C:\\Windows'),
        systemDrive: process.env.SystemDrive ?? 'C:',
      });
    case 'darwin':
      return new MacDevices({ host, diskutil: '/usr/sbin/diskutil', df: '/bin/df' });
    default:
      return new LinuxDevices(host);
  }
}

let current: DevicePlatform | null = null;

/**
 * This machine's device layer. One per process: the Windows one remembers which disks' volumes
 * it holds, so the check after releasing them knows they are ours.
 */
export function hostDevices(): DevicePlatform {
  return (current ??= devicesFor(process.platform));
}
