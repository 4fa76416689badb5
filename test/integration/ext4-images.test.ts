// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The ext4 planner against e2fsprogs: every image is applied to a sparse file (only the planned
 * extents written) and must pass `e2fsck -fn` untouched, show the right identity in `dumpe2fs`,
 * carry the overlay directories and their SELinux label in `debugfs`, and stay consistent after
 * debugfs allocates blocks and inodes in it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
  ftruncateSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planHomeImage, planOverlayfsImage } from '../../src/core/ext4/image-plan';
import { planExt4Image, type Ext4ImagePlan } from '../../src/core/ext4/planner';
import { totalExtentBytes, type Extent } from '../../src/core/extent';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const dir = mkdtempSync(join(tmpdir(), 'livestick-ext4-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function uuidText(bytes: Uint8Array): string {
  const h = Buffer.from(bytes).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Writes a plan into a new file of `size` bytes: sparse, or pre-filled with random bytes. */
function applyPlan(
  name: string,
  size: number,
  extents: readonly Extent[],
  fill: 'sparse' | 'random',
): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  try {
    if (fill === 'random') {
      for (let at = 0; at < size; at += 4 * MiB)
        writeSync(fd, randomBytes(Math.min(4 * MiB, size - at)), 0, undefined, at);
    } else {
      ftruncateSync(fd, size);
    }
    for (const extent of extents) {
      const data =
        extent.fill.kind === 'bytes'
          ? extent.fill.data
          : extent.fill.kind === 'zero'
            ? new Uint8Array(extent.length)
            : null;
      if (!data) throw new Error(`cannot apply a ${extent.fill.kind} extent`);
      writeSync(fd, data, 0, extent.length, extent.offset);
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

function run(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** e2fsck -fn must exit 0 and report nothing but its five passes and the summary. */
function expectClean(path: string): void {
  const result = spawnSync('e2fsck', ['-fn', path], { encoding: 'utf8' });
  if (result.error) throw result.error;
  const lines = `${result.stdout}${result.stderr}`
    .split('\n')
    .filter((l) => l && !/^(Pass \d|e2fsck \d)/.test(l) && !/^\S+: \d+\/\d+ files/.test(l));
  expect(lines, `${result.stdout}${result.stderr}`).toEqual([]);
  expect(result.status).toBe(0);
}

function header(path: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of run('dumpe2fs', ['-h', path]).split('\n')) {
    const match = /^([^:]+):\s*(.*)$/.exec(line);
    if (match) fields.set(match[1]!.trim(), match[2]!.trim());
  }
  return fields;
}

const FEATURES = [
  'has_journal',
  'ext_attr',
  'dir_index',
  'filetype',
  'extent',
  'flex_bg',
  'sparse_super',
  'large_file',
  'huge_file',
  'dir_nlink',
  'extra_isize',
  'metadata_csum',
];

function checkHeader(path: string, plan: Ext4ImagePlan, label: string): void {
  const fields = header(path);
  expect(fields.get('Filesystem volume name')).toBe(label);
  expect(fields.get('Filesystem UUID')).toBe(uuidText(plan.uuid));
  expect(fields.get('Block count')).toBe(String(plan.blockCount));
  expect(fields.get('Free blocks')).toBe(String(plan.freeBlocks));
  expect(fields.get('Free inodes')).toBe(String(plan.freeInodes));
  expect(fields.get('Default mount options')).toBe('user_xattr acl');
  expect(fields.get('Maximum mount count')).toBe('-1');
  expect(fields.get('Check interval')).toBe('0 (<none>)');
  expect(fields.get('Filesystem state')).toBe('clean');
  expect(fields.get('Inode size')).toBe('256');
  expect(fields.get('Journal start')).toBe('0');
  expect(fields.get('Filesystem features')!.split(' ').sort()).toEqual([...FEATURES].sort());
}

function checkOverlayDirs(path: string): void {
  const listing = run('debugfs', ['-R', 'ls -l /', path]);
  expect(listing).toMatch(/ 12 +40755 \(2\) +0 +0 +4096 .* overlayfs/);
  expect(listing).toMatch(/ 13 +40755 \(2\) +0 +0 +4096 .* ovlwork/);
  for (const name of ['/overlayfs', '/ovlwork']) {
    expect(run('debugfs', ['-R', `ea_list ${name}`, path])).toContain(
      'security.selinux (28) = "system_u:object_r:root_t:s0\\000"',
    );
  }
}

/** debugfs allocates like the library does: afterwards e2fsck must still find nothing to fix. */
function checkWritable(path: string, payload: string): void {
  run('debugfs', ['-w', '-R', `write ${payload} /h`, path]);
  expect(run('debugfs', ['-R', 'stat /h', path])).toContain('Type: regular');
  expectClean(path);
}

const ids = (): { uuid: Uint8Array; hashSeed: Uint8Array; createdAt: number } => ({
  uuid: new Uint8Array(randomBytes(16)),
  hashSeed: new Uint8Array(randomBytes(16)),
  createdAt: Math.floor(Date.now() / 1000),
});

const hostname = join(dir, 'hostname');
writeFileSync(hostname, 'livestick-test\n');

describe('planned ext4 images pass e2fsprogs', () => {
  const cases = [
    { name: '8 MiB home', size: 8 * MiB, kind: 'home' },
    { name: '64 MiB overlay', size: 64 * MiB, kind: 'overlay' },
    { name: '1 GiB overlay', size: GiB, kind: 'overlay' },
    { name: '4 GiB − 512 B home', size: 4 * GiB - 512, kind: 'home' },
    { name: '4 GiB − 512 B overlay', size: 4 * GiB - 512, kind: 'overlay' },
    { name: '20 GiB home', size: 20 * GiB, kind: 'home' },
  ] as const;

  for (const c of cases) {
    it(`${c.name}: e2fsck clean, dumpe2fs identity, debugfs write`, () => {
      const plan =
        c.kind === 'home'
          ? planHomeImage({ sizeBytes: c.size, ...ids() })
          : planOverlayfsImage({ sizeBytes: c.size, ...ids() });
      const path = applyPlan(`${c.kind}-${c.size}.img`, c.size, plan.extents, 'sparse');
      expectClean(path);
      checkHeader(path, plan, c.kind === 'home' ? 'HOME' : 'OVERLAY');
      if (c.kind === 'overlay') checkOverlayDirs(path);
      checkWritable(path, hostname);
      rmSync(path);
    });
  }

  it('writes at most a few hundred KiB for a 4 GiB − 512 B image', () => {
    const plan = planOverlayfsImage({ sizeBytes: 4 * GiB - 512, ...ids() });
    expect(totalExtentBytes(plan.extents)).toBeLessThan(256 * 1024);
  });

  it('never reads unwritten space: gaps full of random bytes still check clean', () => {
    const plan = planOverlayfsImage({ sizeBytes: 64 * MiB, ...ids() });
    const path = applyPlan('random-gaps.img', 64 * MiB, plan.extents, 'random');
    expectClean(path);
    checkOverlayDirs(path);
    checkWritable(path, hostname);
  });

  it('keeps uninitialised groups consistent when a big file lands in them', () => {
    const plan = planHomeImage({ sizeBytes: GiB, ...ids() });
    const path = applyPlan('big-file.img', GiB, plan.extents, 'sparse');
    const payload = join(dir, 'payload.bin');
    writeFileSync(payload, randomBytes(160 * MiB));
    run('debugfs', ['-w', '-R', `write ${payload} /big`, path]);
    expectClean(path);
    const groups = run('dumpe2fs', [path]);
    expect(groups).toMatch(/Group 1: .*\[INODE_UNINIT\]/);
    rmSync(payload);
  });

  it('1 KiB blocks, nested directories, owners and user xattrs', () => {
    const size = 40 * MiB;
    const plan = planExt4Image({
      sizeBytes: size,
      blockBytes: 1024,
      label: 'Tiny',
      ...ids(),
      directories: [
        { path: '/home', mode: 0o755 },
        {
          path: '/home/liveuser',
          mode: 0o700,
          uid: 1000,
          gid: 1000,
          xattrs: { 'user.note': Uint8Array.of(1, 2, 3) },
        },
      ],
    });
    const path = applyPlan('tiny.img', size, plan.extents, 'random');
    expectClean(path);
    expect(header(path).get('Block size')).toBe('1024');
    expect(run('debugfs', ['-R', 'ls -l /home', path])).toMatch(
      /40700 \(2\) +1000 +1000 .* liveuser/,
    );
    expect(run('debugfs', ['-R', 'ea_list /home/liveuser', path])).toContain(
      'user.note (3) = 01 02 03',
    );
    checkWritable(path, hostname);
  });
});
