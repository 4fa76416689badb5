// SPDX-License-Identifier: GPL-3.0-or-later
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DriveInfo } from '../shared/ipc';
import {
  BLOCKED_HOLDS_IMAGE,
  BLOCKED_READ_ONLY,
  BLOCKED_SYSTEM,
  combinedSource,
  ensureImageFileDrives,
  imageFileDrives,
  parseImageFileDrive,
  toDriveInfos,
  watchDrives,
  type DriveSource,
  type RawDrive,
  type ToDriveInfoContext,
} from './drives';

const GiB = 1024 ** 3;

/** Shaped like drivelist's lsblk output on a laptop with a USB stick and an external disk. */
function raw(overrides: Partial<RawDrive> & { device: string }): RawDrive {
  return {
    description: '',
    size: 16 * GiB,
    busType: 'UNKNOWN',
    isRemovable: false,
    isSystem: false,
    isVirtual: false,
    isReadOnly: false,
    isUSB: null,
    mountpoints: [],
    ...overrides,
  };
}

const machine: RawDrive[] = [
  raw({ device: '/dev/zram0', size: null, isVirtual: true, isRemovable: true }),
  raw({
    device: '/dev/nvme0n1',
    description: 'Samsung SSD 980',
    size: 512 * GiB,
    busType: 'NVME',
    isSystem: true,
    mountpoints: [{ path: '/' }, { path: '/boot/efi' }],
  }),
  raw({
    device: '/dev/sdb',
    description: 'SanDisk Ultra',
    busType: 'USB',
    isRemovable: true,
    isUSB: true,
    mountpoints: [{ path: '/media/me/ISOS' }],
  }),
  raw({
    device: '/dev/sdc',
    description: 'WD Passport',
    size: 2048 * GiB,
    busType: 'SATA',
    isUSB: true,
  }),
  raw({ device: '/dev/sdd', description: 'Internal HDD', size: 1024 * GiB, busType: 'SATA' }),
  raw({ device: '/dev/sde', description: 'Locked SD', isRemovable: true, isReadOnly: true }),
  raw({ device: '/dev/sdf', size: 0, isRemovable: true }),
];

const context = (showAll: boolean, imageRealPath: string | null): ToDriveInfoContext => ({
  query: { showAll, imagePath: imageRealPath },
  platform: 'linux',
  imageRealPath,
  systemFiles: [],
});

describe('toDriveInfos', () => {
  it('lists removable whole disks only by default, never virtual or sizeless ones', () => {
    const drives = toDriveInfos(machine, context(false, null));
    expect(drives.map((d) => d.device)).toEqual(['/dev/sdb', '/dev/sdc', '/dev/sde']);
    expect(drives[0]).toEqual({
      device: '/dev/sdb',
      description: 'SanDisk Ultra',
      sizeBytes: 16 * GiB,
      bus: 'USB',
      removable: true,
      system: false,
      readOnly: false,
      mountpoints: ['/media/me/ISOS'],
      blockedReason: null,
    });
    expect(drives[2]?.blockedReason).toBe(BLOCKED_READ_ONLY);
  });

  it('shows everything with showAll, flagging and blocking the system disk', () => {
    const drives = toDriveInfos(machine, context(true, null));
    expect(drives.map((d) => d.device)).toEqual([
      '/dev/nvme0n1',
      '/dev/sdb',
      '/dev/sdc',
      '/dev/sdd',
      '/dev/sde',
    ]);
    const system = drives.find((d) => d.device === '/dev/nvme0n1');
    expect(system).toMatchObject({ system: true, blockedReason: BLOCKED_SYSTEM });
    expect(drives.find((d) => d.device === '/dev/sdd')).toMatchObject({
      removable: false,
      system: false,
      blockedReason: null,
    });
  });

  it('blocks the disk holding the ISO by its deepest mount point', () => {
    const drives = toDriveInfos(machine, context(true, '/media/me/ISOS/Fedora-Live.iso'));
    expect(drives.find((d) => d.device === '/dev/sdb')?.blockedReason).toBe(BLOCKED_HOLDS_IMAGE);
    // An ISO under / but not under a deeper mount is on the system disk, already blocked.
    const home = toDriveInfos(machine, context(true, '/home/me/Fedora-Live.iso'));
    expect(home.find((d) => d.device === '/dev/sdb')?.blockedReason).toBeNull();
    expect(home.find((d) => d.device === '/dev/nvme0n1')?.blockedReason).toBe(BLOCKED_SYSTEM);
  });

  it('treats the disk holding the running binary as the system', () => {
    const drives = toDriveInfos(machine, {
      ...context(true, null),
      systemFiles: ['/media/me/ISOS/LiveStick.AppImage'],
    });
    expect(drives.find((d) => d.device === '/dev/sdb')).toMatchObject({
      system: true,
      blockedReason: BLOCKED_SYSTEM,
    });
  });

  it('matches Windows drive letters without case', () => {
    const windows: RawDrive[] = [
      raw({ device: '\\\\.\\PHYSICALDRIVE0', isSystem: true, mountpoints: [{ path: 'C:\\' }] }),
      raw({
        device: '\\\\.\\PHYSICALDRIVE1',
        isRemovable: true,
        busType: 'USB',
        mountpoints: [{ path: 'E:\\' }],
      }),
    ];
    const drives = toDriveInfos(windows, {
      query: { showAll: false, imagePath: null },
      platform: 'win32',
      imageRealPath: 'e:\\isos\\live.iso',
      systemFiles: [],
    });
    expect(drives).toHaveLength(1);
    expect(drives[0]?.blockedReason).toBe(BLOCKED_HOLDS_IMAGE);
  });
});

describe('image-file drives', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'livestick-drives-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses FILE:SIZE specs', () => {
    expect(parseImageFileDrive('stick.img:16G', '/work')).toEqual({
      path: '/work/stick.img',
      sizeBytes: 16 * GiB,
    });
    expect(parseImageFileDrive('/a:b/x.img:512M', '/')).toEqual({
      path: '/a:b/x.img',
      sizeBytes: 512 * 1024 ** 2,
    });
    expect(parseImageFileDrive('x.img:2GiB', '/').sizeBytes).toBe(2 * GiB);
    expect(() => parseImageFileDrive('stick.img', '/')).toThrow(/FILE:SIZE/);
    expect(() => parseImageFileDrive('stick.img:0G', '/')).toThrow(/unusable size/);
  });

  it('creates sparse files, lists them, and blocks the one that is the ISO', async () => {
    const stick = path.join(dir, 'stick.img');
    const iso = path.join(dir, 'live.iso');
    writeFileSync(iso, 'iso');
    await ensureImageFileDrives([{ path: stick, sizeBytes: 16 * GiB }]);
    const stat = statSync(stick);
    expect(stat.size).toBe(16 * GiB);
    expect(stat.blocks).toBe(0);
    const source = imageFileDrives([
      { path: stick, sizeBytes: 16 * GiB },
      { path: iso, sizeBytes: 3 },
      { path: path.join(dir, 'missing.img'), sizeBytes: GiB },
    ]);
    const drives = await source.list({ showAll: false, imagePath: iso });
    expect(drives.map((d) => [d.device, d.blockedReason])).toEqual([
      [stick, null],
      [iso, BLOCKED_HOLDS_IMAGE],
    ]);
    expect(drives[0]).toMatchObject({ bus: 'file', removable: true, sizeBytes: 16 * GiB });
    // Existing content is kept: a second ensure does not truncate.
    await ensureImageFileDrives([{ path: stick, sizeBytes: GiB }]);
    expect(statSync(stick).size).toBe(16 * GiB);
  });
});

describe('watchDrives', () => {
  it('reports only changes', async () => {
    let current: DriveInfo[] = [];
    const source: DriveSource = { list: async () => current };
    const changes: DriveInfo[][] = [];
    const watcher = watchDrives({
      source: combinedSource([source]),
      query: () => ({ showAll: false, imagePath: null }),
      intervalMs: 10,
      onChange: (drives) => changes.push(drives),
      onError: (error) => {
        throw error;
      },
    });
    await watcher.poll();
    await watcher.poll();
    expect(changes).toEqual([]);
    const stick: DriveInfo = {
      device: '/dev/sdb',
      description: 'stick',
      sizeBytes: GiB,
      bus: 'USB',
      removable: true,
      system: false,
      readOnly: false,
      mountpoints: [],
      blockedReason: null,
    };
    current = [stick];
    watcher.start();
    await new Promise((resolve) => setTimeout(resolve, 60));
    watcher.stop();
    expect(changes).toEqual([[stick]]);
    expect(watcher.running).toBe(false);
  });
});
