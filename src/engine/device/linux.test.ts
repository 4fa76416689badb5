// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { ejectCommand, unmountCommands, type MountEntry } from './linux';

const mounts: MountEntry[] = [
  { majorMinor: '8:17', mountPoint: '/media/me/STICK', source: '/dev/sdb1' },
  { majorMinor: '8:18', mountPoint: '/media/me/STICK/inner', source: '/dev/sdb2' },
];

describe('unmountCommands', () => {
  it('as root: umount each mount point, deepest first, as an argument', () => {
    expect(unmountCommands(mounts, { root: true })).toEqual([
      { file: 'umount', args: ['--', '/media/me/STICK/inner'] },
      { file: 'umount', args: ['--', '/media/me/STICK'] },
    ]);
  });

  it('as a user: udisksctl per partition, never prompting from a background job', () => {
    expect(unmountCommands(mounts, { root: false })).toEqual([
      { file: 'udisksctl', args: ['unmount', '--no-user-interaction', '-b', '/dev/sdb2'] },
      { file: 'udisksctl', args: ['unmount', '--no-user-interaction', '-b', '/dev/sdb1'] },
    ]);
  });
});

describe('ejectCommand', () => {
  it('powers sticks off but leaves loop devices alone', () => {
    expect(ejectCommand('/dev/sdb')).toEqual({
      file: 'udisksctl',
      args: ['power-off', '--no-user-interaction', '-b', '/dev/sdb'],
    });
    expect(ejectCommand('/dev/loop3')).toBeNull();
  });
});
