// SPDX-License-Identifier: GPL-3.0-or-later
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFile, readFat32Volume } from '../../src/core/fat32/volume-reader';
import { readExt4Usage } from '../../src/core/stick/read-stick';
import { FileSource } from '../../src/engine/file-source';
import { inspectReportSchema, maintenanceResultSchema } from '../../src/helper/protocol';
import type { InspectReport, MaintenanceResult } from '../../src/shared/ipc';
import { livestick } from './cli-helpers';
import { makeLiveIso, tempDir } from './iso-fixtures';
import { extractPartition, fsckFat, mcopyOut, sfdiskJson } from './stick-tools';

const MiB = 1024 * 1024;
const PART_START = MiB;

async function write(iso: string, image: string, extra: string[] = []): Promise<void> {
  const run = await livestick([
    'write',
    iso,
    image,
    '--size',
    '1G',
    '--overlay-size-mb',
    '64',
    '--home-size-mb',
    '64',
    '--no-verify',
    ...extra,
  ]);
  expect(run.code, run.stderr).toBe(0);
}

async function inspect(image: string): Promise<InspectReport> {
  const run = await livestick(['inspect', image, '--json']);
  expect(run.code, run.stderr).toBe(0);
  // The same schema main checks a helper's inspection with.
  return inspectReportSchema.parse(JSON.parse(run.stdout));
}

async function maintain(args: string[]): Promise<MaintenanceResult> {
  const run = await livestick([...args, '--yes', '--json']);
  expect(run.code, run.stderr).toBe(0);
  // The CLI's line wraps the engine's result, the same a helper sends main, in its own fields.
  const { type, ok, verified, ...result } = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
  expect({ type, ok, verified }).toEqual({ type: 'result', ok: true, verified: true });
  return maintenanceResultSchema.parse(result);
}

function fatClean(image: string, work: string): string {
  const part = join(work, 'part.img');
  extractPartition(image, part);
  const fsck = fsckFat(part);
  expect(fsck.code, fsck.output).toBe(0);
  return part;
}

function e2fsckClean(file: string): string {
  const result = spawnSync('e2fsck', ['-fn', file], { encoding: 'utf8' });
  expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  return result.stdout;
}

/** Where a file's bytes are on the disk image, read with our own FAT reader. */
async function fileRuns(image: string, path: string) {
  const source = await FileSource.open(image);
  try {
    const volume = await readFat32Volume(source, PART_START);
    const node = findFile(volume, path);
    if (!node) throw new Error(`${path} is not on ${image}`);
    return node.runs.map((run) => ({ ...run, offsetBytes: run.offsetBytes + PART_START }));
  } finally {
    await source.close();
  }
}

/** Puts `data` back into the clusters of `path`, as a running system would have changed it. */
async function writeInto(image: string, path: string, data: Uint8Array): Promise<void> {
  const fd = openSync(image, 'r+');
  try {
    let at = 0;
    for (const run of await fileRuns(image, path)) {
      const length = Math.min(run.lengthBytes, data.length - at);
      if (length <= 0) break;
      writeSync(fd, data, at, length, run.offsetBytes);
      at += length;
    }
  } finally {
    closeSync(fd);
  }
}

describe('livestick inspect and maintenance on image files', () => {
  const work = tempDir('livestick-inspect-');
  let f24: string;
  let modern: string;
  beforeAll(() => {
    f24 = makeLiveIso(work.path, { era: 'f24' });
    modern = makeLiveIso(work.path, { era: 'modern' });
  });
  afterAll(() => work.remove());

  it('reports a fresh DM stick as dmsetup would see it, and what the tools see', async () => {
    const image = join(work.path, 'dm.img');
    await write(f24, image);
    const report = await inspect(image);
    const part = join(work.path, 'dm-part.img');
    extractPartition(image, part);
    const blkid = execFileSync('blkid', ['-p', '-o', 'export', part], { encoding: 'utf8' });
    expect(blkid).toContain(`UUID=${report.uuid}`);
    expect(report.label).toBe('LIVE');
    expect(report.partitionTable).toBe('mbr');
    expect(report.overlay).toMatchObject({
      kind: 'dm-snapshot',
      path: `/LiveOS/overlay-LIVE-${report.uuid}`,
      sizeBytes: 64 * MiB,
      allocatedSectors: 16,
      totalSectors: (64 * MiB) / 512,
      metadataSectors: 16,
      state: 'Fresh',
    });
    // The origin is rootfs.img inside squashfs.img, as unsquashfs lists it.
    const squashfs = join(work.path, 'squashfs.img');
    mcopyOut(image, PART_START, '/LiveOS/squashfs.img', squashfs);
    const listing = execFileSync('unsquashfs', ['-lls', squashfs, 'LiveOS/rootfs.img'], {
      encoding: 'utf8',
    });
    const rootfsBytes = Number(
      /\s(\d+)\s+\S+\s+\S+\s+squashfs-root\/LiveOS\/rootfs\.img/.exec(listing)![1],
    );
    expect(report.statusLine).toBe(`0 ${rootfsBytes / 512} snapshot 16/${(64 * MiB) / 512} 16`);
    // home.img usage counts data like df does (a fresh file system uses nothing); what a file
    // adds is exactly the free blocks dumpe2fs sees disappear.
    expect(report.home).toEqual({ sizeBytes: 64 * MiB, usedBytes: 0, encrypted: false });
    const home = join(work.path, 'home.img');
    mcopyOut(image, PART_START, '/LiveOS/home.img', home);
    const freeBlocks = (): number => {
      const dump = execFileSync('dumpe2fs', ['-h', home], { encoding: 'utf8', stdio: 'pipe' });
      return Number(/Free blocks:\s+(\d+)/.exec(dump)![1]);
    };
    const freeBefore = freeBlocks();
    const data = join(work.path, 'data.bin');
    writeFileSync(data, Buffer.alloc(3 * MiB, 7));
    execFileSync('debugfs', ['-w', '-R', `write ${data} data.bin`, home], { stdio: 'pipe' });
    const source = await FileSource.open(home);
    const usage = await readExt4Usage(source);
    await source.close();
    expect(usage!.usedBytes).toBe((freeBefore - freeBlocks()) * 4096);
    expect(usage!.usedBytes).toBeGreaterThanOrEqual(3 * MiB);
    // Free space is what mtools counts.
    const mdir = execFileSync('mdir', ['-i', `${image}@@${PART_START}`, '::/'], {
      encoding: 'utf8',
    });
    expect(Number(/([\d ]+) bytes free/.exec(mdir)![1]!.replace(/ /g, ''))).toBe(report.freeBytes);
    expect(report.kernelArgs).toEqual(
      expect.arrayContaining([
        `root=live:UUID=${report.uuid}`,
        'rw',
        'rd.live.image',
        `rd.live.overlay=UUID=${report.uuid}`,
      ]),
    );
    expect(report.persistenceMenu).toBe(true);
    expect(report.warnings).toEqual([]);

    const text = await livestick(['inspect', image]);
    expect(text.stdout).toContain(`dmsetup status live-rw: ${report.statusLine}`);
  });

  it('names an orphaned overlay after the volume is relabelled', async () => {
    const image = join(work.path, 'orphan.img');
    await write(f24, image, ['--partition-table', 'gpt']);
    const before = await inspect(image);
    expect(before.partitionTable).toBe('gpt');
    execFileSync('mlabel', ['-i', `${image}@@${PART_START}`, '::OTHER']);
    const after = await inspect(image);
    expect(after.label).toBe('OTHER');
    expect(after.overlay?.path).toBe(before.overlay?.path);
    expect(after.overlay?.expectedPath).toBe(`/LiveOS/overlay-OTHER-${after.uuid}`);
    expect(after.warnings?.join(' ')).toMatch(/not the file dracut looks for/);
  });

  it('reports an invalidated DM overlay and resets it to a fresh one', async () => {
    const image = join(work.path, 'invalid.img');
    await write(f24, image);
    // What the kernel leaves after an overflow without the O flag: valid = 0.
    const header = new Uint8Array(16);
    new DataView(header.buffer).setUint32(0, 0x70416e53, true);
    new DataView(header.buffer).setUint32(8, 1, true);
    new DataView(header.buffer).setUint32(12, 8, true);
    const overlayPath = (await inspect(image)).overlay!.path;
    await writeInto(image, overlayPath, header);
    const broken = await inspect(image);
    expect(broken.overlay?.state).toBe('Invalid');
    expect(broken.statusLine).toMatch(/ snapshot Invalid$/);

    const grow = await livestick(['grow', image, '--overlay-size-mb', '128', '--yes']);
    expect(grow.code).toBe(5);
    expect(grow.stderr).toMatch(/reset it instead/);

    await maintain(['reset-overlay', image]);
    fatClean(image, work.path);
    expect((await inspect(image)).overlay?.state).toBe('Fresh');
  });

  it('grows the DM overlay and home.img; files and fsck stay intact', async () => {
    const image = join(work.path, 'grow.img');
    await write(f24, image);
    const home = join(work.path, 'grow-home.img');
    mcopyOut(image, PART_START, '/LiveOS/home.img', home);
    execFileSync('debugfs', ['-w', '-R', `write ${f24} kept.iso`, home], { stdio: 'pipe' });
    await writeInto(image, '/LiveOS/home.img', readFileSync(home));
    const before = await inspect(image);

    const result = await maintain([
      'grow',
      image,
      '--overlay-size-mb',
      '150',
      '--home-size-mb',
      '600',
    ]);
    expect(result.summary.join(' ')).toMatch(/Grew the device-mapper overlay/);
    // Metadata only: FAT sectors, entries, ext4 descriptors and bitmaps, the overlay's new tail.
    expect(result.bytesWritten).toBeLessThan(4 * MiB);
    const part = fatClean(image, work.path);
    const after = await inspect(image);
    expect(after.overlay?.sizeBytes).toBe(150 * MiB);
    expect(after.overlay?.totalSectors).toBe((150 * MiB) / 512);
    expect(after.overlay?.state).toBe('Fresh');
    expect(after.home?.sizeBytes).toBe(600 * MiB);
    expect(after.freeBytes).toBe(before.freeBytes - (86 + 536) * MiB);

    const grown = join(work.path, 'grown-home.img');
    execFileSync('mcopy', ['-n', '-i', part, '::/LiveOS/home.img', grown]);
    expect(e2fsckClean(grown)).toContain(`/${(600 * MiB) / 4096} blocks`);
    const kept = join(work.path, 'kept.iso');
    execFileSync('debugfs', ['-R', `dump kept.iso ${kept}`, grown], { stdio: 'pipe' });
    expect(readFileSync(kept).equals(readFileSync(f24))).toBe(true);
    const minimum = execFileSync('resize2fs', ['-P', grown], { encoding: 'utf8', stdio: 'pipe' });
    expect(minimum).toMatch(/Estimated minimum size of the filesystem: \d+/);
  });

  it('grows an OverlayFS overlay and resets it to empty upper and work directories', async () => {
    const image = join(work.path, 'ovl.img');
    await write(modern, image);
    const report = await inspect(image);
    expect(report.overlay?.kind).toBe('overlayfs');
    expect(report.statusLine).toBeNull();
    const overlay = join(work.path, 'ovl-overlay.img');
    mcopyOut(image, PART_START, report.overlay!.path, overlay);
    execFileSync('debugfs', ['-w', '-R', 'mkdir overlayfs/etc', overlay], { stdio: 'pipe' });
    await writeInto(image, report.overlay!.path, readFileSync(overlay));

    await maintain(['grow', image, '--overlay-size-mb', '300']);
    let part = fatClean(image, work.path);
    execFileSync('mcopy', ['-n', '-i', part, `::${report.overlay!.path}`, overlay]);
    e2fsckClean(overlay);
    expect(
      execFileSync('debugfs', ['-R', 'ls overlayfs', overlay], { encoding: 'utf8', stdio: 'pipe' }),
    ).toContain('etc');

    await maintain(['reset-overlay', image]);
    part = fatClean(image, work.path);
    execFileSync('mcopy', ['-n', '-i', part, `::${report.overlay!.path}`, overlay]);
    e2fsckClean(overlay);
    const root = execFileSync('debugfs', ['-R', 'ls -p /', overlay], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    expect(root).toMatch(/\/overlayfs\//);
    expect(root).toMatch(/\/ovlwork\//);
    expect(
      execFileSync('debugfs', ['-R', 'ls -p overlayfs', overlay], {
        encoding: 'utf8',
        stdio: 'pipe',
      }),
    ).not.toContain('etc');
    const label = execFileSync('debugfs', ['-R', 'ea_get overlayfs security.selinux', overlay], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    expect(label).toContain('system_u:object_r:root_t:s0');
    expect((await inspect(image)).overlay?.sizeBytes).toBe(300 * MiB);
  });

  it('refuses to grow an encrypted home and beyond the free space', async () => {
    const image = join(work.path, 'luks.img');
    const passphrase = join(work.path, 'pass');
    execFileSync('sh', ['-c', `printf 'secret\\n' > ${passphrase}`]);
    await write(f24, image, [
      '--encrypted-home',
      '--home-passphrase-file',
      passphrase,
      '--pbkdf2-iterations',
      '1000',
    ]);
    expect((await inspect(image)).home).toMatchObject({ encrypted: true, usedBytes: null });
    const luks = await livestick(['grow', image, '--home-size-mb', '128', '--yes']);
    expect(luks.code).toBe(5);
    expect(luks.stderr).toMatch(/encrypted/);
    const big = await livestick(['grow', image, '--overlay-size-mb', '4000', '--yes']);
    expect(big.code).toBe(4);
    fatClean(image, work.path);
  });

  it('adds and removes the persistence boot entries; fsck.fat stays clean', async () => {
    const image = join(work.path, 'menu.img');
    await write(f24, image);
    const read = (path: string): string => {
      const out = join(work.path, 'cfg');
      mcopyOut(image, PART_START, path, out);
      return readFileSync(out, 'utf8');
    };
    const grubBefore = read('/EFI/BOOT/grub.cfg');
    const syslinuxBefore = read('/syslinux/syslinux.cfg');
    expect(grubBefore).toContain('Reset persistence and start');

    await maintain(['persistence-menu', image, 'off']);
    fatClean(image, work.path);
    expect((await inspect(image)).persistenceMenu).toBe(false);
    expect(read('/EFI/BOOT/grub.cfg')).not.toContain('Start without persistence');
    expect(read('/syslinux/syslinux.cfg')).not.toContain('livestick-reset');

    await maintain(['persistence-menu', image, 'on']);
    fatClean(image, work.path);
    expect(read('/EFI/BOOT/grub.cfg')).toBe(grubBefore);
    expect(read('/syslinux/syslinux.cfg')).toBe(syslinuxBefore);
    const again = await maintain(['persistence-menu', image, 'on']);
    expect(again.bytesWritten).toBe(0);
  });

  it('restores an ordinary empty drive over a GPT stick', async () => {
    const image = join(work.path, 'restore.img');
    await write(f24, image, ['--partition-table', 'gpt']);
    await maintain(['restore', image, '--label', 'MYDATA']);
    const table = sfdiskJson(image);
    expect(table.label).toBe('dos');
    expect(table.partitions).toHaveLength(1);
    expect(table.partitions[0]).toMatchObject({ start: 2048, type: 'c' });
    expect((table.partitions[0]!.start + table.partitions[0]!.size) * 512).toBe(1024 * MiB);
    const part = fatClean(image, work.path);
    const blkid = execFileSync('blkid', ['-p', '-o', 'export', part], { encoding: 'utf8' });
    expect(blkid).toContain('LABEL=MYDATA');
    const mdir = spawnSync('mdir', ['-a', '-i', `${image}@@${PART_START}`, '::/'], {
      encoding: 'utf8',
    });
    expect(mdir.stdout).toContain('No files');
    // No GPT signature survives at either end.
    const tail = Buffer.alloc(512);
    const fd = openSync(image, 'r');
    try {
      readSync(fd, tail, 0, 512, 1024 * MiB - 512);
    } finally {
      closeSync(fd);
    }
    expect(tail.includes(Buffer.from('EFI PART'))).toBe(false);
    const inspectAfter = await livestick(['inspect', image]);
    expect(inspectAfter.code).toBe(0);
    expect(inspectAfter.stdout).toMatch(/Overlay:\s+none/);
  });

  it('asks for confirmation and refuses without a terminal', async () => {
    const image = join(work.path, 'confirm.img');
    await write(f24, image);
    const run = await livestick(['reset-overlay', image]);
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/without confirmation/);
    const help = await livestick(['--help']);
    for (const name of ['inspect', 'reset-overlay', 'grow', 'persistence-menu', 'restore']) {
      expect(help.stdout).toContain(name);
    }
  });
});
