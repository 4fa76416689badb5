// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import type { MountEntry } from './target-checks';
import { ejectCommands, unmountCommands, windowsDiskNumber } from './unmount';

const mounts: MountEntry[] = [
  { majorMinor: '8:17', mountPoint: '/media/me/STICK', source: '/dev/sdb1' },
  { majorMinor: '8:18', mountPoint: '/media/me/STICK/inner', source: '/dev/sdb2' },
];

describe('unmountCommands', () => {
  it('Linux as root: umount each mount point, deepest first, as an argument', () => {
    expect(unmountCommands('linux', '/dev/sdb', mounts, { root: true })).toEqual([
      { file: 'umount', args: ['--', '/media/me/STICK/inner'] },
      { file: 'umount', args: ['--', '/media/me/STICK'] },
    ]);
  });

  it('Linux as a user: udisksctl per partition, never prompting from a background job', () => {
    expect(unmountCommands('linux', '/dev/sdb', mounts, { root: false })).toEqual([
      { file: 'udisksctl', args: ['unmount', '--no-user-interaction', '-b', '/dev/sdb2'] },
      { file: 'udisksctl', args: ['unmount', '--no-user-interaction', '-b', '/dev/sdb1'] },
    ]);
  });

  it('macOS: one unmountDisk for all volumes', () => {
    expect(unmountCommands('darwin', '/dev/rdisk4', [], { root: true })).toEqual([
      { file: '/usr/sbin/diskutil', args: ['unmountDisk', '/dev/rdisk4'] },
    ]);
  });

  it('Windows: a diskpart script that drops the volumes of that disk number', () => {
    expect(unmountCommands('win32', '\\\\.\\PhysicalDrive3', [], { root: true })).toEqual([
      { file: 'diskpart.exe', args: ['/s'], script: 'select disk 3\r\nclean\r\nrescan\r\n' },
    ]);
    expect(() => windowsDiskNumber('\\\\.\\E:')).toThrow(/not a whole disk/);
  });
});

describe('ejectCommands', () => {
  it('powers sticks off but leaves loop devices alone', () => {
    expect(ejectCommands('linux', '/dev/sdb')).toEqual([
      { file: 'udisksctl', args: ['power-off', '--no-user-interaction', '-b', '/dev/sdb'] },
    ]);
    expect(ejectCommands('linux', '/dev/loop3')).toEqual([]);
    expect(ejectCommands('darwin', '/dev/disk4')).toEqual([
      { file: '/usr/sbin/diskutil', args: ['eject', '/dev/disk4'] },
    ]);
    expect(ejectCommands('win32', '\\\\.\\PhysicalDrive3')).toEqual([]);
  });
});
