// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The engine's GRUB i386-pc installer boots under SeaBIOS: a small disk with a FAT32 partition
 * holding /boot/grub2/grub.cfg and Debian's i386-pc module directory (standing in for an ISO's
 * /boot/grub2/i386-pc), once with an MBR (core.img in the gap before the partition) and once with
 * GPT (core.img in a BIOS boot partition). The install runs in a private mount namespace where
 * every grub-*, syslinux and extlinux binary is replaced by /dev/null. grub.cfg prints a marker
 * with GRUB's $root and $prefix and halts, which proves the whole chain: boot.img loaded
 * core.img, core.img found the partition by its FAT UUID and normal mode read grub.cfg.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT_TYPE_BIOS_BOOT } from '../../src/core/grub/bios-install';
import { run } from './fixtures';
import { bootOnce, explainBoot } from './qemu';

const MODULE_DIR = '/usr/lib/grub/i386-pc';
const SECTOR = 512;
const DISK_BYTES = 64 << 20;
const GPT_BIOS_BOOT_START = 2048;
const GPT_BIOS_BOOT_SECTORS = 2048;
const REPO = resolve(import.meta.dirname, '../..');

/** Replaces each boot-loader tool on PATH with /dev/null, then runs the driver. */
const HIDE_TOOLS_AND_RUN = `
hidden=0
for dir in $(echo "$PATH" | tr ':' ' ') /usr/sbin /sbin; do
  for tool in "$dir"/grub-* "$dir"/grub2-* "$dir"/syslinux "$dir"/extlinux; do
    if [ -f "$tool" ]; then mount --bind /dev/null "$tool"; hidden=$((hidden + 1)); fi
  done
done
if grub-mkimage --version >/dev/null 2>&1; then echo "grub-mkimage still runs" >&2; exit 1; fi
echo "hidden=$hidden"
exec node "$@"
`;

interface Layout {
  readonly table: 'mbr' | 'gpt';
  readonly sfdiskScript: string;
  readonly fatStartSector: number;
  readonly coreSector: number;
  readonly coreAreaSectors: number;
  /** GRUB's name for the FAT partition, which `search.fs_uuid` must set as $root. */
  readonly grubRoot: string;
}

const LAYOUTS: readonly Layout[] = [
  {
    table: 'mbr',
    sfdiskScript: 'label: dos\nstart=2048, type=c, bootable\n',
    fatStartSector: 2048,
    coreSector: 1,
    coreAreaSectors: 2047,
    grubRoot: 'hd0,msdos1',
  },
  {
    table: 'gpt',
    sfdiskScript:
      'label: gpt\n' +
      `start=${GPT_BIOS_BOOT_START}, size=${GPT_BIOS_BOOT_SECTORS}, type=${GPT_TYPE_BIOS_BOOT}\n` +
      `start=${GPT_BIOS_BOOT_START + GPT_BIOS_BOOT_SECTORS}, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n`,
    fatStartSector: GPT_BIOS_BOOT_START + GPT_BIOS_BOOT_SECTORS,
    coreSector: GPT_BIOS_BOOT_START,
    coreAreaSectors: GPT_BIOS_BOOT_SECTORS,
    grubRoot: 'hd0,gpt2',
  },
];

describe('GRUB i386-pc installed by the engine boots with SeaBIOS', () => {
  let work: string;
  let driver: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'livestick-grub-boot-'));
    driver = join(work, 'grub-install-driver.mjs');
    await build({
      entryPoints: [join(REPO, 'test/boot/grub-install-driver.ts')],
      outfile: driver,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'warning',
    });
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** A FAT32 volume with grub.cfg and the whole module directory, as the stick would have. */
  async function makeFatPartition(file: string, bytes: number, serial: string, marker: string) {
    await run('truncate', ['-s', String(bytes), file]);
    await run('mkfs.fat', ['-F', '32', '-i', serial, '-n', 'GRUBTEST', file]);
    const grubCfg = join(work, 'grub.cfg');
    await writeFile(
      grubCfg,
      [
        // GRUB's own serial terminal: SeaBIOS's screen mirror may split a line with cursor moves.
        'serial --unit=0 --speed=115200',
        'terminal_output serial',
        `echo "LIVESTICK grub-marker=${marker}"`,
        'echo "LIVESTICK grub-root=$root prefix=$prefix"',
        'echo "LIVESTICK done"',
        'halt',
        '',
      ].join('\n'),
    );
    for (const path of ['::/boot', '::/boot/grub2', '::/boot/grub2/i386-pc']) {
      await run('mmd', ['-i', file, path]);
    }
    await run('mcopy', ['-i', file, grubCfg, '::/boot/grub2/grub.cfg']);
    const modules = (await readdir(MODULE_DIR)).map((name) => join(MODULE_DIR, name));
    await run('mcopy', ['-i', file, ...modules, '::/boot/grub2/i386-pc/']);
  }

  it.each(LAYOUTS)('$table disk', async (layout) => {
    const image = join(work, `${layout.table}.img`);
    const partition = join(work, `${layout.table}-fat.img`);
    const serial = randomBytes(4).toString('hex').toUpperCase();
    const marker = randomBytes(8).toString('hex');
    await run('truncate', ['-s', String(DISK_BYTES), image]);
    const sfdisk = spawnSync('sfdisk', ['--quiet', image], { input: layout.sfdiskScript });
    expect(sfdisk.status, sfdisk.stderr.toString()).toBe(0);
    const fatSectors =
      DISK_BYTES / SECTOR - layout.fatStartSector - (layout.table === 'gpt' ? 33 : 0);
    await makeFatPartition(partition, fatSectors * SECTOR, serial, marker);
    await run('dd', [
      `if=${partition}`,
      `of=${image}`,
      `bs=${SECTOR}`,
      `seek=${layout.fatStartSector}`,
      'conv=notrunc,sparse',
      'status=none',
    ]);

    const install = spawnSync(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        '--',
        'sh',
        '-c',
        HIDE_TOOLS_AND_RUN,
        'sh',
        driver,
        image,
        MODULE_DIR,
        layout.table,
        serial,
        String(layout.coreSector),
        String(layout.coreAreaSectors),
      ],
      { encoding: 'utf8' },
    );
    expect(install.status, install.stderr).toBe(0);
    const hidden = Number(/^hidden=(\d+)$/m.exec(install.stdout)?.[1]);
    expect(hidden).toBeGreaterThan(0);
    const summary = JSON.parse(install.stdout.trim().split('\n').at(-1)!);
    console.log(
      `${layout.table}: core.img ${summary.coreImageBytes} bytes (${summary.coreSectors} sectors), ` +
        `built in ${summary.milliseconds} ms with ${hidden} boot tools hidden`,
    );

    const verify = spawnSync('sfdisk', ['--verify', image], { encoding: 'utf8' });
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout + verify.stderr).not.toMatch(/corrupt|invalid|mismatch|overlap/i);
    const fsckTarget = join(work, `${layout.table}-check.img`);
    await run('dd', [
      `if=${image}`,
      `of=${fsckTarget}`,
      `bs=${SECTOR}`,
      `skip=${layout.fatStartSector}`,
      `count=${fatSectors}`,
      'conv=sparse',
      'status=none',
    ]);
    const fsck = spawnSync('fsck.fat', ['-n', fsckTarget], { encoding: 'utf8' });
    expect(fsck.status, fsck.stdout + fsck.stderr).toBe(0);

    const boot = await bootOnce(image, { firmware: 'bios', timeoutMs: 240_000, stallMs: 60_000 });
    expect(boot.ok, explainBoot(boot)).toBe(true);
    expect(boot.log).toContain(`LIVESTICK grub-marker=${marker}`);
    expect(boot.log).toContain(
      `LIVESTICK grub-root=${layout.grubRoot} prefix=(${layout.grubRoot})/boot/grub2`,
    );
  });
});
