// SPDX-License-Identifier: GPL-3.0-or-later
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_LABELS, getFixtureIso, type LiveFixtureKind } from '../boot/fixtures';
import { livestick } from './cli-helpers';
import { tempDir } from './iso-fixtures';
import { extractPartition, fsckFat, mcopyOut, mdirRecursive } from './stick-tools';

// The boot tier's fixture ISOs (test/boot/build-fixtures.sh: real kernel, dracut, GRUB, implanted
// MD5, the layout of each era's real media) through `livestick info` and `livestick write`,
// judged by checkisomd5, mtools and fsck.fat. The boot tier then boots what is written here.

const EXPECTED: Readonly<
  Record<LiveFixtureKind, { era: string; rootfs: string; overlayKinds: string[] }>
> = {
  f24: { era: 'isolinux', rootfs: 'nested-ext4', overlayKinds: ['dm-snapshot', 'overlayfs'] },
  modern: { era: 'grub2', rootfs: 'flat-squashfs', overlayKinds: ['overlayfs'] },
  kiwi: { era: 'kiwi', rootfs: 'flat-squashfs', overlayKinds: ['overlayfs'] },
  'kiwi-erofs': { era: 'kiwi', rootfs: 'erofs', overlayKinds: ['overlayfs'] },
};
const KINDS = Object.keys(EXPECTED) as LiveFixtureKind[];

// Building the fixtures (kernel, two dracut runs, six ISOs) takes a minute or two on a busy
// machine: under the hook timeout, not a test's.
beforeAll(() => getFixtureIso('f24'));

describe('livestick info on the boot fixtures', () => {
  it.each(KINDS)('%s: label, era, root filesystem, implanted MD5', async (kind) => {
    const iso = await getFixtureIso(kind);
    const result = await livestick(['info', iso, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      label: FIXTURE_LABELS[kind],
      ...EXPECTED[kind],
      efi: true,
      implantedMd5: true,
    });
  });

  it.each(KINDS)(
    '%s: info --check verifies the implanted MD5, as checkisomd5 does',
    async (kind) => {
      const iso = await getFixtureIso(kind);
      const check = spawnSync('checkisomd5', [iso], { encoding: 'utf8' });
      expect(check.status, check.stderr).toBe(0);
      expect(`${check.stdout}${check.stderr}`).toMatch(/PASS/);
      const result = await livestick(['info', iso, '--check', '--json']);
      expect(result.code, result.stderr).toBe(0);
      const md5 = JSON.parse(result.stdout).md5;
      expect(md5.ok).toBe(true);
      expect(md5.actual).toBe(md5.expected);
    },
  );
});

describe('livestick write on the kiwi fixtures', () => {
  const work = tempDir('boot-fixtures');
  afterAll(() => work.remove());

  it.each(['kiwi', 'kiwi-erofs'] as const)(
    '%s: GRUB finds a complete config on the stick, without the ISO id file search or shim fallback',
    async (kind) => {
      const image = join(work.path, `${kind}.img`);
      const run = await livestick([
        'write',
        await getFixtureIso(kind),
        image,
        '--size',
        '1G',
        '--overlay-size-mb',
        '64',
        '--home-size-mb',
        '32',
        '--json',
      ]);
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
      const partition = extractPartition(image, join(work.path, `${kind}-part.img`));
      expect(fsckFat(join(work.path, `${kind}-part.img`)).code).toBe(0);
      const start = partition.start * 512;
      const files = mdirRecursive(image, start).map((path) => path.toLowerCase());
      for (const wanted of [
        '/efi/boot/bootx64.efi',
        '/efi/boot/grub.cfg',
        '/efi/boot/mmx64.efi',
        '/boot/grub2/grub.cfg',
        '/boot/grub2/loopback.cfg',
        '/boot/grub2/i386-pc/normal.mod',
        '/boot/grub2/i386-pc/boot.img',
        '/boot/x86_64/loader/linux',
        '/boot/x86_64/loader/initrd',
        '/liveos/squashfs.img',
      ]) {
        expect(files).toContain(wanted);
      }
      expect(files.filter((path) => /\/fb[^/]*\.efi$/.test(path))).toEqual([]);

      const read = (path: string): string => {
        const out = join(work.path, `${kind}-${path.replace(/\//g, '_')}`);
        mcopyOut(image, start, path, out);
        return readFileSync(out, 'utf8');
      };
      const search = `search --no-floppy --set=root -u '${result.uuid}'`;
      const stub = read('/EFI/BOOT/grub.cfg');
      expect(stub).toContain(search);
      expect(stub).toContain('configfile ($root)/boot/grub2/grub.cfg');
      const grub = read('/boot/grub2/grub.cfg');
      expect(grub).toContain(search);
      expect(grub).not.toMatch(/search --file|CDLABEL=|\(\$root\)\/boot\/x86_64/);
      expect(grub).toContain(
        `linux /boot/x86_64/loader/linux quiet rhgb root=live:UUID=${result.uuid} rw rd.live.image ` +
          `rd.live.overlay=UUID=${result.uuid} rd.live.overlay.overlayfs rd.live.check console=ttyS0`,
      );
      expect(grub).toContain('initrd /boot/x86_64/loader/initrd');
      // The persistence entries follow the first one; the default still names "Test this media".
      expect(grub).toMatch(/^set default="3"$/m);
    },
  );
});
