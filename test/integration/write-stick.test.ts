import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { livestick } from './cli-helpers';
import { makeLiveIso, makePlainIso, tempDir } from './iso-fixtures';
import {
  blkidValues,
  extractPartition,
  fsckFat,
  mcopyOut,
  mdirRecursive,
  readBytes,
  sfdiskJson,
} from './stick-tools';

const MiB = 1024 * 1024;
const PART_START = MiB;

interface WriteResultJson {
  readonly type: 'result';
  readonly ok: boolean;
  readonly uuid: string;
  readonly label: string;
  readonly overlayPath: string | null;
  readonly bytesWritten: number;
  readonly biosBoot: boolean;
  readonly error?: { code: string; message: string };
}

async function writeJson(args: string[], signal?: AbortSignal) {
  const run = await livestick(['write', ...args, '--json'], signal ? { signal } : {});
  const lines = run.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  return { run, lines, result: lines.at(-1) as WriteResultJson };
}

describe('livestick write to an image file', () => {
  const work = tempDir('livestick-write-');
  let f24: string;
  let modern: string;
  let isoTree: string;
  beforeAll(() => {
    f24 = makeLiveIso(work.path, { era: 'f24' });
    modern = makeLiveIso(work.path, { era: 'modern' });
    isoTree = join(work.path, 'iso-extract');
    execFileSync('xorriso', ['-osirrox', 'on', '-indev', f24, '-extract', '/', isoTree], {
      stdio: 'ignore',
    });
  });
  afterAll(() => work.remove());

  for (const scheme of ['mbr', 'gpt'] as const) {
    it(`makes a clean, complete FAT32 stick (${scheme})`, async () => {
      const image = join(work.path, `stick-${scheme}.img`);
      const { run, result } = await writeJson([
        f24,
        image,
        '--size',
        '2G',
        '--overlay-size-mb',
        '300',
        '--home-size-mb',
        '100',
        '--swap-size-mb',
        '32',
        '--partition-table',
        scheme,
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(result.ok).toBe(true);

      const table = sfdiskJson(image);
      expect(table.label).toBe(scheme === 'mbr' ? 'dos' : 'gpt');
      expect(table.partitions).toHaveLength(1);
      expect(table.partitions[0]!.start).toBe(2048);
      if (scheme === 'mbr') {
        expect(table.partitions[0]).toMatchObject({ type: 'c', bootable: true });
      } else {
        expect(table.partitions[0]).toMatchObject({ type: 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7' });
        expect(spawnSync('sfdisk', ['--verify', image]).status).toBe(0);
      }

      const partition = join(work.path, `part-${scheme}.img`);
      extractPartition(image, partition);
      const fsck = fsckFat(partition);
      expect(fsck.code, fsck.output).toBe(0);
      expect(fsck.output).not.toMatch(/differences|Dirty bit|Free cluster summary wrong|will be/i);
      expect(blkidValues(partition)).toMatchObject({
        TYPE: 'vfat',
        LABEL: 'LIVE',
        UUID: result.uuid,
      });

      const files = mdirRecursive(image, PART_START);
      expect(files).toEqual(
        expect.arrayContaining([
          '/EFI/BOOT/BOOTX64.EFI',
          '/EFI/BOOT/grub.cfg',
          '/images/pxeboot/vmlinuz',
          '/images/efiboot.img',
          '/syslinux/syslinux.cfg',
          '/syslinux/vmlinuz',
          '/LiveOS/squashfs.img',
          `/LiveOS/overlay-LIVE-${result.uuid}`,
          '/LiveOS/home.img',
          '/LiveOS/swap.img',
          '/LICENSE',
        ]),
      );
      // Every copied file reads back equal to the ISO's bytes (configs are rewritten, c32 modules
      // come from the host's syslinux so they match its installer).
      const compared: string[] = [];
      for (const path of files) {
        const isoPath = path.startsWith('/syslinux/')
          ? path.replace('/syslinux/', '/isolinux/')
          : path;
        const source = join(isoTree, isoPath);
        if (!existsSync(source) || /\.(cfg|c32)$/.test(path) || path.endsWith('ldlinux.sys'))
          continue;
        const out = join(work.path, 'copy.bin');
        mcopyOut(image, PART_START, path, out);
        expect(readFileSync(out).equals(readFileSync(source)), path).toBe(true);
        compared.push(path);
      }
      expect(compared).toEqual(
        expect.arrayContaining([
          '/LiveOS/squashfs.img',
          '/EFI/BOOT/BOOTX64.EFI',
          '/syslinux/vmlinuz',
        ]),
      );

      const grub = join(work.path, 'grub.cfg');
      mcopyOut(image, PART_START, '/EFI/BOOT/grub.cfg', grub);
      const grubText = readFileSync(grub, 'utf8');
      expect(grubText).toContain(`search --no-floppy --set=root -u '${result.uuid}'`);
      expect(grubText).toContain(
        `root=live:UUID=${result.uuid} rw rd.live.image rd.live.overlay=UUID=${result.uuid}`,
      );
      expect(grubText).not.toContain('CDLABEL');

      const swap = join(work.path, 'swap.img');
      mcopyOut(image, PART_START, '/LiveOS/swap.img', swap);
      expect(blkidValues(swap).TYPE).toBe('swap');
      const home = join(work.path, 'home.img');
      mcopyOut(image, PART_START, '/LiveOS/home.img', home);
      const e2fsck = spawnSync('e2fsck', ['-fn', home], { encoding: 'utf8' });
      expect(e2fsck.status, e2fsck.stdout + e2fsck.stderr).toBe(0);
      expect(blkidValues(home)).toMatchObject({ TYPE: 'ext4', LABEL: 'HOME' });
      // A fresh DM overlay starts with zeros: dracut's blkid must see no signature in it.
      const overlay = join(work.path, 'overlay.img');
      mcopyOut(image, PART_START, `/LiveOS/overlay-LIVE-${result.uuid}`, overlay);
      expect(readBytes(overlay, 0, MiB).every((byte) => byte === 0)).toBe(true);
      expect(spawnSync('blkid', ['-p', overlay]).status).toBe(2);
      // syslinux's MBR code for BIOS boot, where Debian's installer exists (CI installs it).
      expect(result.biosBoot).toBe(true);
      const mbr = readBytes(image, 0, 440);
      const expected = readFileSync(
        scheme === 'mbr' ? '/usr/lib/syslinux/mbr/mbr.bin' : '/usr/lib/syslinux/mbr/gptmbr.bin',
      );
      expect(mbr.subarray(0, expected.length).equals(expected)).toBe(true);
    });
  }

  it('writes an OverlayFS overlay for a flat image, with the SELinux-labelled directories', async () => {
    const image = join(work.path, 'modern.img');
    const { run, result } = await writeJson([
      modern,
      image,
      '--size',
      '1G',
      '--overlay-size-mb',
      '128',
      '--home-size-mb',
      '0',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const overlay = join(work.path, 'ovl.img');
    mcopyOut(image, PART_START, result.overlayPath!, overlay);
    expect(spawnSync('e2fsck', ['-fn', overlay]).status).toBe(0);
    const listing = execFileSync('debugfs', ['-R', 'ls -l /', overlay], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(listing).toMatch(/overlayfs/);
    expect(listing).toMatch(/ovlwork/);
    const xattrs = execFileSync('debugfs', ['-R', 'ea_list /overlayfs', overlay], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(xattrs).toContain('system_u:object_r:root_t:s0');
    const grub = join(work.path, 'modern-grub.cfg');
    mcopyOut(image, PART_START, '/EFI/BOOT/grub.cfg', grub);
    expect(readFileSync(grub, 'utf8')).toContain('rd.live.overlay.overlayfs');
    expect(result.biosBoot).toBe(false);
  });

  it('writes an encrypted home that cryptsetup accepts', async () => {
    const image = join(work.path, 'luks.img');
    const passphraseFile = join(work.path, 'pass.txt');
    writeFileSync(passphraseFile, 'correct horse battery staple\n');
    const { run } = await writeJson([
      f24,
      image,
      '--size',
      '1G',
      '--overlay-size-mb',
      '64',
      '--home-size-mb',
      '64',
      '--encrypted-home',
      '--home-passphrase-file',
      passphraseFile,
      '--pbkdf2-iterations',
      '1000',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('correct horse');
    const home = join(work.path, 'luks-home.img');
    mcopyOut(image, PART_START, '/LiveOS/home.img', home);
    const dump = execFileSync('cryptsetup', ['luksDump', home], { encoding: 'utf8' });
    expect(dump).toMatch(/Version:\s+1/);
    expect(dump).toMatch(/Cipher mode:\s+xts-plain64/);
    const key = join(work.path, 'key');
    writeFileSync(key, 'correct horse battery staple');
    expect(
      spawnSync('cryptsetup', ['open', '--test-passphrase', '--key-file', key, home]).status,
    ).toBe(0);
  });

  it('writes metadata only: a 4000 MiB overlay costs no more than a 100 MiB one', async () => {
    const written: number[] = [];
    const allocated: number[] = [];
    for (const overlay of ['4000', '100']) {
      const image = join(work.path, `big-${overlay}.img`);
      const { run, result } = await writeJson([
        f24,
        image,
        '--size',
        '16G',
        '--overlay-size-mb',
        overlay,
        '--home-size-mb',
        '4000',
        '--no-verify',
      ]);
      expect(run.code, run.stderr).toBe(0);
      written.push(result.bytesWritten);
      allocated.push(statSync(image).blocks * 512);
    }
    const payload = statSync(f24).size;
    for (const bytes of [...written, ...allocated])
      expect(bytes).toBeLessThanOrEqual(payload * 1.01 + 48 * MiB);
    expect(Math.abs(written[0]! - written[1]!)).toBeLessThanOrEqual(4 * MiB);
    expect(Math.abs(allocated[0]! - allocated[1]!)).toBeLessThanOrEqual(4 * MiB);
  });

  it('refuses sizing errors before touching the target', async () => {
    const image = join(work.path, 'small.img');
    writeFileSync(image, Buffer.alloc(0));
    const { run, result } = await writeJson([
      f24,
      image,
      '--size',
      '512M',
      '--overlay-size-mb',
      '400',
      '--home-size-mb',
      '400',
    ]);
    expect(run.code).toBe(4);
    expect(result.error?.code).toBe('DOES_NOT_FIT');
    expect(statSync(image).blocks).toBe(0);
  });

  it('exits 3 for a source that is not a live image', async () => {
    const { run } = await writeJson([
      makePlainIso(work.path),
      join(work.path, 'x.img'),
      '--size',
      '1G',
    ]);
    expect(run.code).toBe(3);
  });

  it('cancels promptly and leaves nothing that looks bootable', async () => {
    const image = join(work.path, 'cancel.img');
    const controller = new AbortController();
    const started = livestick(
      ['write', f24, image, '--size', '4G', '--overlay-size-mb', '4000', '--zero-fill', '--json'],
      {
        signal: controller.signal,
      },
    );
    setTimeout(() => controller.abort(), 300);
    const run = await started;
    expect(run.code).toBe(130);
    expect(readBytes(image, 0, MiB).every((byte) => byte === 0)).toBe(true);
    expect(spawnSync('blkid', ['-p', image]).status).toBe(2);
  });
});
