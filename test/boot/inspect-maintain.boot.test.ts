import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectReport } from '../../src/shared/ipc';
import { livestick } from '../integration/cli-helpers';
import { getBootableFixtureIso } from './fixtures';
import { bootOnce, explainBoot } from './qemu';

// `livestick inspect` against what the live system itself reports, and the maintenance
// commands against what the next boot sees. Boots run one at a time (the boot project is
// not file-parallel); each writes its own stick.

const MiB = 1024 * 1024;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'livestick-inspect-boot-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function writeStick(
  name: string,
  iso: string,
  options: { overlayMiB: number; homeMiB: number },
): Promise<string> {
  const image = join(work, name);
  const run = await livestick([
    'write',
    iso,
    image,
    '--size',
    '1G',
    '--overlay-size-mb',
    String(options.overlayMiB),
    '--home-size-mb',
    String(options.homeMiB),
    '--no-verify',
  ]);
  expect(run.code, run.stderr).toBe(0);
  return image;
}

async function inspect(image: string): Promise<InspectReport> {
  const run = await livestick(['inspect', image, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as InspectReport;
}

async function maintain(args: string[]): Promise<void> {
  const run = await livestick([...args, '--yes']);
  expect(run.code, run.stderr).toBe(0);
}

/** FAT32 boot sector byte 0x41: bit 0 is Linux's "mounted, not cleanly unmounted" flag. */
const FAT32_STATE_OFFSET = 0x41;

/**
 * fsck.fat -n on the stick's partition (at 1 MiB). The guest ends with `poweroff -f` while the
 * live partition is mounted read-write, which leaves the dirty flag set; a clean shutdown clears
 * it, so the copy checked here has it cleared and everything else must be clean.
 */
function fsckFatClean(image: string): void {
  const part = `${image}.part`;
  execFileSync('dd', [`if=${image}`, `of=${part}`, 'bs=1M', 'skip=1', 'status=none']);
  try {
    const fd = openSync(part, 'r+');
    const state = Buffer.alloc(1);
    readSync(fd, state, 0, 1, FAT32_STATE_OFFSET);
    state[0]! &= ~1;
    writeSync(fd, state, 0, 1, FAT32_STATE_OFFSET);
    closeSync(fd);
    const fsck = spawnSync('fsck.fat', ['-n', part], { encoding: 'utf8' });
    expect(fsck.status, `${fsck.stdout}${fsck.stderr}`).toBe(0);
  } finally {
    rmSync(part, { force: true });
  }
}

describe('inspect reproduces dmsetup status live-rw', () => {
  // 1 MiB stays within the first metadata areas' reach; 8 MiB (2048 chunks) crosses several.
  for (const fillMiB of [1, 8]) {
    it(`after the guest writes ${fillMiB} MiB into /`, async () => {
      const image = await writeStick(`dm-${fillMiB}.img`, await getBootableFixtureIso('f24'), {
        overlayMiB: 64,
        homeMiB: 32,
      });
      const boot = await bootOnce(image, { firmware: 'uefi', fillMiB });
      expect(boot.ok, explainBoot(boot)).toBe(true);
      expect(boot.fillDoneMiB).toBe(fillMiB);
      expect(boot.dmAfter).toMatch(/^0 \d+ snapshot \d+\/\d+ \d+$/);

      const report = await inspect(image);
      const [, origin, allocated, total, metadata] = /^0 (\d+) snapshot (\d+)\/(\d+) (\d+)$/
        .exec(boot.dmAfter!)!
        .map(Number);
      expect(report.statusLine).toBe(boot.dmAfter);
      expect(report.overlay?.allocatedSectors).toBe(allocated);
      expect(report.overlay?.totalSectors).toBe(total);
      expect(report.overlay?.metadataSectors).toBe(metadata);
      expect(report.overlay?.state).toBe('Active');
      expect(origin).toBeGreaterThan(0);
      expect(report.overlay?.percentUsed).toBeCloseTo(((allocated ?? 0) / (total ?? 1)) * 100, 6);
      if (fillMiB === 8) expect(metadata).toBeGreaterThan(3 * 8);
    });
  }
});

describe('maintenance seen by the next boot', () => {
  it('reset-overlay: the next boot has a clean root, /home keeps its data', async () => {
    const image = await writeStick('reset.img', await getBootableFixtureIso('f24'), {
      overlayMiB: 64,
      homeMiB: 32,
    });
    const boot1 = await bootOnce(image, { firmware: 'uefi' });
    expect(boot1.ok, explainBoot(boot1)).toBe(true);
    expect(boot1.rootMarker).toBe('written');
    expect(boot1.homeMarker).toBe('written');

    await maintain(['reset-overlay', image]);
    fsckFatClean(image);
    expect((await inspect(image)).overlay?.state).toBe('Fresh');

    const boot2 = await bootOnce(image, { firmware: 'uefi' });
    expect(boot2.ok, explainBoot(boot2)).toBe(true);
    expect(boot2.rootMarker).toBe('written');
    expect(boot2.rootMarkerValue).not.toBe(boot1.rootMarkerValue);
    expect(boot2.homeMarker).toBe('found');
    expect(boot2.homeMarkerValue).toBe(boot1.homeMarkerValue);
  });

  it('grow: the next boot sees the larger COW device and the data written before', async () => {
    const image = await writeStick('grow.img', await getBootableFixtureIso('f24'), {
      overlayMiB: 32,
      homeMiB: 32,
    });
    const boot1 = await bootOnce(image, { firmware: 'uefi', fillMiB: 4 });
    expect(boot1.ok, explainBoot(boot1)).toBe(true);
    expect(boot1.dmAfter).toMatch(/^0 \d+ snapshot \d+\/65536 \d+$/);
    const before = await inspect(image);

    await maintain(['grow', image, '--overlay-size-mb', '96', '--home-size-mb', '64']);
    fsckFatClean(image);
    const after = await inspect(image);
    expect(after.overlay?.totalSectors).toBe((96 * MiB) / 512);
    expect(after.overlay?.allocatedSectors).toBe(before.overlay?.allocatedSectors);
    expect(after.home?.sizeBytes).toBe(64 * MiB);

    const boot2 = await bootOnce(image, { firmware: 'uefi' });
    expect(boot2.ok, explainBoot(boot2)).toBe(true);
    expect(boot2.dmBefore).toBe(
      `0 ${/^0 (\d+) /.exec(boot1.dmAfter!)![1]} snapshot ${after.overlay?.allocatedSectors}/${(96 * MiB) / 512} ${after.overlay?.metadataSectors}`,
    );
    expect(boot2.rootMarker).toBe('found');
    expect(boot2.rootMarkerValue).toBe(boot1.rootMarkerValue);
    expect(boot2.homeMarker).toBe('found');
    expect(boot2.homeMarkerValue).toBe(boot1.homeMarkerValue);
    // The grown home's ext4 is what the guest mounted: its size shows in df.
    expect(boot2.dfHome?.totalKiB).toBeGreaterThan(50 * 1024);
  });

  it('reset-overlay on an OverlayFS stick empties the upper directory', async () => {
    const image = await writeStick('ovl.img', await getBootableFixtureIso('modern'), {
      overlayMiB: 64,
      homeMiB: 32,
    });
    const boot1 = await bootOnce(image, { firmware: 'uefi' });
    expect(boot1.ok, explainBoot(boot1)).toBe(true);
    expect(boot1.rootMarker).toBe('written');

    await maintain(['reset-overlay', image]);
    fsckFatClean(image);
    const boot2 = await bootOnce(image, { firmware: 'uefi' });
    expect(boot2.ok, explainBoot(boot2)).toBe(true);
    expect(boot2.rootMount).toMatch(/^LiveOS_rootfs overlay /);
    expect(boot2.rootMarker).toBe('written');
    expect(boot2.homeMarker).toBe('found');
  });
});
