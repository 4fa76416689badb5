// SPDX-License-Identifier: GPL-3.0-or-later
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { majorMinorOf, parseMountinfo } from '../../../src/engine/device/linux';
import {
  checkInspectTarget,
  checkWriteTarget,
  type TargetCheckOptions,
} from '../../../src/engine/target-checks';

/**
 * A fake machine: sysfs and procfs trees describing disks this container cannot have (an sdb
 * with partitions, an LVM stack on vda), plus device nodes made with mknod that point at them.
 * Nothing here is ever opened; the checks only stat and read sysfs.
 */
let root: string;
let dev: string;
let sys: string;
let proc: string;
let image: string;
let imageMajorMinor: string;

interface FakeDisk {
  readonly name: string;
  readonly majorMinor: string;
  readonly partitions?: readonly { name: string; majorMinor: string }[];
  readonly holders?: readonly string[];
  readonly slaves?: readonly string[];
}

function addDisk(disk: FakeDisk): void {
  const dir = path.join(sys, 'devices', 'block', disk.name);
  mkdirSync(path.join(dir, 'holders'), { recursive: true });
  mkdirSync(path.join(dir, 'slaves'), { recursive: true });
  for (const holder of disk.holders ?? []) writeFileSync(path.join(dir, 'holders', holder), '');
  for (const slave of disk.slaves ?? []) writeFileSync(path.join(dir, 'slaves', slave), '');
  link(disk.name, disk.majorMinor, dir);
  for (const partition of disk.partitions ?? []) {
    const partDir = path.join(dir, partition.name);
    mkdirSync(path.join(partDir, 'holders'), { recursive: true });
    writeFileSync(path.join(partDir, 'partition'), '1\n');
    link(partition.name, partition.majorMinor, partDir);
  }
}

function link(name: string, majorMinor: string, dir: string): void {
  symlinkSync(dir, path.join(sys, 'class', 'block', name));
  symlinkSync(dir, path.join(sys, 'dev', 'block', majorMinor));
  const [major, minor] = majorMinor.split(':');
  execFileSync('mknod', [path.join(dev, name), 'b', major!, minor!]);
}

function mountinfo(...lines: string[]): void {
  writeFileSync(path.join(proc, 'self', 'mountinfo'), lines.join('\n') + '\n');
}

const mountLine = (majorMinor: string, mountPoint: string, source: string): string =>
  `30 1 ${majorMinor} / ${mountPoint} rw,relatime - ext4 ${source} rw`;

const options = (): TargetCheckOptions => ({
  platform: 'linux',
  sysRoot: sys,
  procRoot: proc,
  systemFiles: [],
});

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'livestick-checks-'));
  dev = path.join(root, 'dev');
  sys = path.join(root, 'sys');
  proc = path.join(root, 'proc');
  for (const dir of [dev, path.join(sys, 'class', 'block'), path.join(sys, 'dev', 'block')]) {
    mkdirSync(dir, { recursive: true });
  }
  mkdirSync(path.join(proc, 'self'), { recursive: true });
  writeFileSync(path.join(proc, 'swaps'), 'Filename\tType\tSize\tUsed\tPriority\n');
  image = path.join(root, 'live.iso');
  writeFileSync(image, 'not really an iso');
  imageMajorMinor = majorMinorOf(BigInt(statSync(image).dev));

  addDisk({
    name: 'sdb',
    majorMinor: '8:16',
    partitions: [
      { name: 'sdb1', majorMinor: '8:17' },
      { name: 'sdb2', majorMinor: '8:18' },
    ],
  });
  addDisk({ name: 'sdc', majorMinor: '8:32', partitions: [{ name: 'sdc1', majorMinor: '8:33' }] });
  addDisk({ name: 'sdd', majorMinor: '8:48', holders: ['dm-3'] });
  addDisk({ name: 'sde', majorMinor: '8:64' });
  // The system: / on an LVM volume (dm-0) whose physical volume is sda2.
  addDisk({
    name: 'sda',
    majorMinor: '8:0',
    partitions: [
      { name: 'sda1', majorMinor: '8:1' },
      { name: 'sda2', majorMinor: '8:2' },
    ],
  });
  addDisk({ name: 'dm-0', majorMinor: '253:0', slaves: ['sda2'] });
  // The file system holding the test's ISO is, in this fake world, the first partition of sdc.
  symlinkSync(
    path.join(sys, 'devices', 'block', 'sdc', 'sdc1'),
    path.join(sys, 'dev', 'block', imageMajorMinor),
  );
  mountinfo(
    mountLine('253:0', '/', '/dev/mapper/system-root'),
    mountLine('8:1', '/boot', '/dev/sda1'),
    mountLine('8:18', '/media/user/My\\040Files', '/dev/sdb2'),
  );
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('checkWriteTarget on Linux', () => {
  it('accepts a whole disk with nothing mounted', async () => {
    await expect(checkWriteTarget(path.join(dev, 'sde'), image, options())).resolves.toEqual({
      kind: 'device',
      path: path.join(dev, 'sde'),
      disk: 'sde',
    });
  });

  it('refuses a partition and names its disk', async () => {
    await expect(checkWriteTarget(path.join(dev, 'sdb1'), image, options())).rejects.toMatchObject({
      code: 'TARGET_REFUSED',
      message: `${path.join(dev, 'sdb1')} is a partition; choose the whole disk /dev/sdb instead.`,
    });
  });

  it('refuses the disk under / even through LVM, and the disk holding /boot', async () => {
    await expect(checkWriteTarget(path.join(dev, 'sda'), image, options())).rejects.toMatchObject({
      code: 'TARGET_REFUSED',
      message: expect.stringMatching(/runs this computer \(it holds \/\)/),
    });
  });

  it('refuses the disk holding the ISO', async () => {
    await expect(checkWriteTarget(path.join(dev, 'sdc'), image, options())).rejects.toMatchObject({
      code: 'TARGET_REFUSED',
      message: expect.stringMatching(/holds the image you chose/),
    });
  });

  it('reports a disk with a mounted partition as busy, naming the mount point', async () => {
    await expect(checkWriteTarget(path.join(dev, 'sdb'), image, options())).rejects.toMatchObject({
      code: 'DEVICE_BUSY',
      message: expect.stringContaining('is mounted at /media/user/My Files; unmount it first'),
    });
  });

  it('reports a disk stacked under device mapper as busy', async () => {
    await expect(checkWriteTarget(path.join(dev, 'sdd'), image, options())).rejects.toMatchObject({
      code: 'DEVICE_BUSY',
      message: expect.stringContaining('/dev/dm-3'),
    });
  });

  it('refuses a disk with a partition in use as swap', async () => {
    writeFileSync(
      path.join(proc, 'swaps'),
      `Filename\tType\tSize\tUsed\tPriority\n${path.join(dev, 'sde')}  partition 1024 0 -2\n`,
    );
    try {
      await expect(checkWriteTarget(path.join(dev, 'sde'), image, options())).rejects.toMatchObject(
        { code: 'TARGET_REFUSED', message: expect.stringContaining('in use as swap') },
      );
    } finally {
      writeFileSync(path.join(proc, 'swaps'), 'Filename\tType\tSize\tUsed\tPriority\n');
    }
  });

  it('refuses the disk holding the running binary', async () => {
    await expect(
      checkWriteTarget(path.join(dev, 'sdc'), '/nonexistent.iso', {
        ...options(),
        systemFiles: [image],
      }),
    ).rejects.toMatchObject({ code: 'TARGET_REFUSED', message: expect.stringContaining(image) });
  });

  it('accepts a regular file, existing or not, but never the image itself', async () => {
    const file = path.join(root, 'stick.img');
    await expect(checkWriteTarget(file, image, options())).resolves.toEqual({
      kind: 'file',
      path: file,
    });
    await expect(checkWriteTarget(image, image, options())).rejects.toMatchObject({
      code: 'TARGET_REFUSED',
      message: expect.stringContaining('is the image itself'),
    });
  });

  it('refuses a missing device path and things that are neither disks nor files', async () => {
    await expect(checkWriteTarget('/dev/sdzz9', image, options())).rejects.toMatchObject({
      code: 'TARGET_REFUSED',
    });
    await expect(checkWriteTarget('/dev/null', image, options())).rejects.toMatchObject({
      code: 'TARGET_REFUSED',
      message: '/dev/null is neither a disk nor a regular file.',
    });
    await expect(checkWriteTarget(root, image, options())).rejects.toMatchObject({
      code: 'TARGET_REFUSED',
    });
  });
});

describe('checkInspectTarget on Linux', () => {
  it('allows any whole disk but not a partition', async () => {
    await expect(checkInspectTarget(path.join(dev, 'sdb'), options())).resolves.toMatchObject({
      kind: 'device',
      disk: 'sdb',
    });
    await expect(checkInspectTarget(path.join(dev, 'sdb2'), options())).rejects.toMatchObject({
      code: 'TARGET_REFUSED',
    });
  });
});

describe('checkWriteTarget on Windows and macOS paths', () => {
  it('refuses device paths that are not whole disks', async () => {
    await expect(
      checkWriteTarget('\\\\.\\C:', 'C:\\live.iso', { platform: 'win32' }),
    ).rejects.toMatchObject({ code: 'TARGET_REFUSED' });
  });
});

describe('parsing helpers', () => {
  it('decodes dev_t numbers the way glibc encodes them', () => {
    expect(majorMinorOf(0x0801n)).toBe('8:1');
    expect(majorMinorOf(0xfe00n)).toBe('254:0');
    // major 259 (NVMe partitions) and a minor above 255 use the high bits.
    expect(majorMinorOf((259n << 8n) | 0x12n | (0x3n << 20n))).toBe('259:786');
  });

  it('parses mountinfo with optional tags and escaped mount points', () => {
    expect(
      parseMountinfo(
        '36 35 98:0 /mnt1 /mnt\\040two rw,noatime master:1 shared:7 - ext3 /dev/root rw,errors=continue\n',
      ),
    ).toEqual([{ majorMinor: '98:0', mountPoint: '/mnt two', source: '/dev/root' }]);
  });
});
