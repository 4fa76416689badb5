// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Small Fedora-like live ISOs for the ISO/LiveOS reader tests, built with the Debian tools the
 * real images are built with (xorriso, mksquashfs, mkfs.erofs, mkfs.ext4, mkfs.vfat). Trees follow
 * docs/FORMATS.md, "Live ISO layouts by era"; payload files are tiny random stand-ins, or seeded
 * ones with fixed timestamps and UUIDs where a test needs the same bytes on every run.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type SquashfsCompression = 'gzip' | 'xz' | 'zstd' | 'lz4' | 'lzo';
export type FixtureEra = 'f24' | 'modern' | 'kiwi';
export type RootfsLayout = 'nested' | 'flat' | 'erofs';

export const ISOLINUX_BIN = '/usr/lib/ISOLINUX/isolinux.bin';

export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): string {
  return execFileSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
    cwd: options.cwd,
    env: options.env ? { ...process.env, ...options.env } : process.env,
  });
}

/** mulberry32: tiny and seedable; the same seed gives the same stream on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Where a fixture's file contents come from: random, or a seeded stream for reproducible ones. */
export type FixtureBytes = (length: number) => Uint8Array;

export function seededBytes(seed: number): FixtureBytes {
  const random = seededRandom(seed);
  return (length) => Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

/** Build time of reproducible fixtures, and the environment that makes the tools use it. */
export const FIXTURE_TIME = 1_700_000_000;
const FIXTURE_DATE = '2023111422132000'; // FIXTURE_TIME as xorriso's YYYYMMDDhhmmsscc (UTC)
const FIXTURE_UNREAD_ATIME = 4_000_000_000;
export const FIXTURE_UUID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
export const REPRODUCIBLE_ENV = {
  SOURCE_DATE_EPOCH: String(FIXTURE_TIME),
  E2FSPROGS_FAKE_TIME: String(FIXTURE_TIME),
  TZ: 'UTC',
};

/** Every path under `root`, "/" first, as the image built from it names them. */
function treePaths(root: string, prefix = ''): string[] {
  const paths = [prefix || '/'];
  if (lstatSync(root).isDirectory()) {
    for (const entry of readdirSync(root).sort()) {
      paths.push(...treePaths(join(root, entry), `${prefix}/${entry}`));
    }
  }
  return paths;
}

/**
 * mkfs.ext4 -d copies each file's ctime, which no program can set, and stamps crtime with the
 * clock; debugfs sets both to FIXTURE_TIME afterwards.
 */
function fixExt4ChangeTimes(image: string, content: string, work: string): void {
  const commands = join(work, 'fix-ext4-times.debugfs');
  writeFileSync(
    commands,
    treePaths(content)
      .flatMap((path) => [
        `set_inode_field ${path} ctime @${FIXTURE_TIME}`,
        `set_inode_field ${path} crtime @${FIXTURE_TIME}`,
      ])
      .join('\n') + '\n',
  );
  run('debugfs', ['-w', '-f', commands, image], { env: REPRODUCIBLE_ENV });
  rmSync(commands);
}

/**
 * Fixes every timestamp under `root` (links themselves, not their targets): mtime FIXTURE_TIME,
 * atime far in the future, so that a tool reading the files on a relatime mount does not update
 * it (mkfs.ext4 -d copies atimes into the image).
 */
export function fixTimes(root: string): void {
  if (lstatSync(root).isDirectory()) {
    for (const entry of readdirSync(root)) fixTimes(join(root, entry));
  }
  lutimesSync(root, FIXTURE_UNREAD_ATIME, FIXTURE_TIME);
}

export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `livestick-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function put(root: string, relative: string, content: string | Uint8Array): string {
  const path = join(root, relative);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** A pseudo root tree: enough files that directory listings span several metadata blocks. */
export function makeRootTree(root: string, bytes: FixtureBytes = randomBytes): void {
  put(root, 'etc/os-release', 'NAME="Fedora Linux"\nVERSION_ID=41\n');
  put(root, 'usr/bin/bash', bytes(20_000));
  for (let i = 0; i < 400; i++) {
    put(root, `usr/lib/modules/a-rather-long-module-file-name-number-${i}.ko`, bytes(i % 7));
  }
  put(root, 'usr/share/empty/.keep', '');
  symlinkSync('usr/bin', join(root, 'bin'));
  mkdirSync(join(root, 'var/tmp'), { recursive: true });
}

export interface RootfsOptions {
  /** Fixed contents, timestamps and UUIDs: the same seed builds the same bytes. */
  readonly seed?: number;
}

/** Builds LiveOS/squashfs.img for `layout` in `work`, returns its path. */
export function makeRootfsImage(
  work: string,
  layout: RootfsLayout,
  compression: SquashfsCompression = 'xz',
  options: RootfsOptions = {},
): string {
  const seeded = options.seed !== undefined;
  const bytes = seeded ? seededBytes(options.seed!) : randomBytes;
  const env = seeded ? REPRODUCIBLE_ENV : undefined;
  const tree = join(work, `rootfs-${layout}-${compression}`);
  const image = join(work, `squashfs-${layout}-${compression}.img`);
  if (layout === 'nested') {
    const rootfs = join(tree, 'LiveOS', 'rootfs.img');
    mkdirSync(dirname(rootfs), { recursive: true });
    const content = join(work, 'ext4-content');
    makeRootTree(content, bytes);
    if (seeded) fixTimes(content);
    const identity = seeded ? ['-U', FIXTURE_UUID, '-E', `hash_seed=${FIXTURE_UUID}`] : [];
    run('mkfs.ext4', ['-q', '-F', '-L', 'Anaconda', ...identity, '-d', content, rootfs, '24M'], {
      env,
    });
    if (seeded) fixExt4ChangeTimes(rootfs, content, work);
    rmSync(content, { recursive: true, force: true });
  } else {
    makeRootTree(tree, bytes);
  }
  if (seeded) fixTimes(tree);
  if (layout === 'erofs') {
    const identity = seeded ? [`-T${FIXTURE_TIME}`, `-U${FIXTURE_UUID}`] : [];
    run('mkfs.erofs', ['--quiet', '-zlz4hc', ...identity, image, tree], { env });
  } else {
    run('mksquashfs', [tree, image, '-comp', compression, '-noappend', '-quiet', '-no-progress'], {
      env,
    });
  }
  return image;
}

const GRUB_F24 = (label: string, linux: string, initrd: string): string => `set default="1"
function load_video {
  insmod efi_gop
}
set timeout=60
insmod part_gpt
insmod ext2
search --no-floppy --set=root -l '${label}'
menuentry 'Start Fedora-Workstation-Live 24' --class fedora --class gnu-linux --class gnu --class os {
	${linux} /images/pxeboot/vmlinuz root=live:CDLABEL=${label} rd.live.image quiet
	${initrd} /images/pxeboot/initrd.img
}
menuentry 'Test this media & start Fedora-Workstation-Live 24' --class fedora --class gnu-linux --class gnu --class os {
	${linux} /images/pxeboot/vmlinuz root=live:CDLABEL=${label} rd.live.image rd.live.check quiet
	${initrd} /images/pxeboot/initrd.img
}
submenu 'Troubleshooting -->' {
	menuentry 'Start Fedora-Workstation-Live 24 in basic graphics mode' --class fedora --class gnu-linux --class gnu --class os {
		${linux} /images/pxeboot/vmlinuz root=live:CDLABEL=${label} rd.live.image nomodeset quiet
		${initrd} /images/pxeboot/initrd.img
	}
}
`;

const ISOLINUX_CFG = (label: string): string => `default vesamenu.c32
timeout 600
display boot.msg
menu title Fedora-Workstation-Live 24

label linux
  menu label ^Start Fedora-Workstation-Live 24
  kernel vmlinuz
  append initrd=initrd.img root=live:CDLABEL=${label} rd.live.image quiet

label check
  menu label Test this ^media & start Fedora-Workstation-Live 24
  menu default
  kernel vmlinuz
  append initrd=initrd.img root=live:CDLABEL=${label} rd.live.image rd.live.check quiet

menu separator
menu begin ^Troubleshooting
label vesa
  menu label Start Fedora-Workstation-Live 24 in ^basic graphics mode
  kernel vmlinuz
  append initrd=initrd.img root=live:CDLABEL=${label} rd.live.image nomodeset quiet
label memtest
  menu label Run a ^memory test
  kernel memtest
label local
  menu label Boot from ^local drive
  localboot 0xffff
menu end
`;

const KIWI_GRUB = (label: string): string => `set btrfs_relative_path="yes"
search --file --set=root /boot/0x1a2b3c4d
set default="1"
set timeout=10
if [ "$grub_platform" == "efi" ]; then
    set basicgfx="nomodeset"
else
    set basicgfx="nomodeset vga=791"
fi
menuentry "Start Fedora-Workstation-Live" --class fedora {
    linux ($root)/boot/x86_64/loader/linux quiet rhgb root=live:CDLABEL=${label} rd.live.image
    initrd ($root)/boot/x86_64/loader/initrd
}
menuentry "Test this media & start Fedora-Workstation-Live" --class fedora {
    linux ($root)/boot/x86_64/loader/linux quiet rhgb root=live:CDLABEL=${label} rd.live.image rd.live.check
    initrd ($root)/boot/x86_64/loader/initrd
}
`;

export interface LiveIsoOptions {
  readonly era: FixtureEra;
  readonly label?: string;
  /** Defaults: f24 → nested, modern → flat, kiwi → erofs. */
  readonly rootfs?: RootfsLayout;
  readonly compression?: SquashfsCompression;
  /** An existing squashfs.img to use instead of building one. */
  readonly squashfsImage?: string;
  /** Fixed contents, timestamps and UUIDs: the same seed builds the same ISO. */
  readonly seed?: number;
}

/** Builds a Fedora-like live ISO in `work` and returns its path. */
export function makeLiveIso(work: string, options: LiveIsoOptions): string {
  const label =
    options.label ?? (options.era === 'kiwi' ? 'Fedora-WS-Live-42' : 'Fedora-WS-Live-24-1-2');
  const layout =
    options.rootfs ??
    (options.era === 'f24' ? 'nested' : options.era === 'modern' ? 'flat' : 'erofs');
  const tree = join(work, `iso-tree-${options.era}-${layout}`);
  rmSync(tree, { recursive: true, force: true });
  const seeded = options.seed !== undefined;
  const bytes = seeded ? seededBytes(options.seed! + 1) : randomBytes;
  const squashfs =
    options.squashfsImage ??
    makeRootfsImage(work, layout, options.compression, { seed: options.seed });
  mkdirSync(join(tree, 'LiveOS'), { recursive: true });
  linkSync(squashfs, join(tree, 'LiveOS', 'squashfs.img'));
  put(tree, 'LICENSE', 'GPLv2\n');
  put(tree, 'Fedora-Legal-README.txt', 'legal\n');
  put(tree, 'EFI/BOOT/BOOTX64.EFI', bytes(3000));
  put(tree, 'EFI/BOOT/grubx64.efi', bytes(5000));
  put(tree, 'EFI/BOOT/fonts/unicode.pf2', bytes(1000));
  const efiboot = join(tree, 'images', 'efiboot.img');
  mkdirSync(dirname(efiboot), { recursive: true });
  run('mkfs.vfat', [...(seeded ? ['--invariant'] : []), '-C', efiboot, '1024']);
  const xorrisoArgs = ['-as', 'mkisofs', '-quiet', '-V', label, '-R', '-J', '-joliet-long'];
  if (seeded) xorrisoArgs.push('--set_all_file_dates', FIXTURE_DATE);

  if (options.era === 'f24') {
    put(tree, 'images/pxeboot/vmlinuz', bytes(70_000));
    put(tree, 'images/pxeboot/initrd.img', bytes(90_000));
    put(tree, 'images/macboot.img', bytes(4096));
    mkdirSync(join(tree, 'isolinux'), { recursive: true });
    // lorax hardlinks the kernel and initrd; xorriso then records one extent for both names.
    linkSync(join(tree, 'images/pxeboot/vmlinuz'), join(tree, 'isolinux/vmlinuz'));
    linkSync(join(tree, 'images/pxeboot/initrd.img'), join(tree, 'isolinux/initrd.img'));
    writeFileSync(join(tree, 'isolinux/isolinux.bin'), readFileSync(ISOLINUX_BIN));
    put(tree, 'isolinux/isolinux.cfg', ISOLINUX_CFG(label));
    put(tree, 'isolinux/boot.msg', '\nsplash.lss\n');
    put(tree, 'isolinux/vesamenu.c32', bytes(2000));
    put(tree, 'EFI/BOOT/grub.cfg', GRUB_F24(label, 'linuxefi', 'initrdefi'));
    put(tree, 'EFI/BOOT/MokManager.efi', bytes(2000));
    xorrisoArgs.push(
      '-b',
      'isolinux/isolinux.bin',
      '-c',
      'isolinux/boot.cat',
      '-no-emul-boot',
      '-boot-load-size',
      '4',
      '-boot-info-table',
    );
  } else if (options.era === 'modern') {
    put(tree, 'images/pxeboot/vmlinuz', bytes(70_000));
    put(tree, 'images/pxeboot/initrd.img', bytes(90_000));
    put(tree, 'images/eltorito.img', bytes(30_000));
    put(tree, 'boot/grub2/grub.cfg', GRUB_F24(label, 'linux', 'initrd'));
    put(tree, 'boot/grub2/i386-pc/normal.mod', bytes(500));
    put(tree, 'EFI/BOOT/grub.cfg', GRUB_F24(label, 'linux', 'initrd'));
    put(tree, 'EFI/BOOT/mmx64.efi', bytes(2000));
    xorrisoArgs.push(
      '-b',
      'images/eltorito.img',
      '-c',
      'boot.cat',
      '-no-emul-boot',
      '-boot-load-size',
      '4',
      '-boot-info-table',
    );
  } else {
    put(tree, 'boot/x86_64/loader/linux', bytes(70_000));
    put(tree, 'boot/x86_64/loader/initrd', bytes(90_000));
    put(tree, 'boot/x86_64/loader/eltorito.img', bytes(30_000));
    put(tree, 'boot/0x1a2b3c4d', '0x1a2b3c4d');
    put(tree, 'boot/grub2/grub.cfg', KIWI_GRUB(label));
    put(tree, 'boot/grub2/loopback.cfg', 'source /boot/grub2/grub.cfg\n');
    put(tree, 'boot/grub2/i386-pc/normal.mod', randomBytes(500));
    put(tree, 'EFI/BOOT/mmx64.efi', randomBytes(2000));
    put(tree, 'EFI/BOOT/fbx64.efi', randomBytes(2000));
    put(
      tree,
      'EFI/BOOT/grub.cfg',
      'search --file --set=root /boot/0x1a2b3c4d\nset prefix=($root)/boot/grub2\nsource ($root)/boot/grub2/grub.cfg\n',
    );
    xorrisoArgs.push(
      '-b',
      'boot/x86_64/loader/eltorito.img',
      '-c',
      'boot/boot.catalog',
      '-no-emul-boot',
      '-boot-load-size',
      '4',
      '-boot-info-table',
    );
  }
  xorrisoArgs.push('-eltorito-alt-boot', '-e', 'images/efiboot.img', '-no-emul-boot');
  const iso = join(work, `${options.era}-${layout}-${options.compression ?? 'xz'}.iso`);
  run('xorriso', [...xorrisoArgs, '-o', iso, tree], { env: seeded ? REPRODUCIBLE_ENV : undefined });
  rmSync(tree, { recursive: true, force: true });
  return iso;
}

/** A readable ISO that is no live image: a few documents. */
export function makePlainIso(work: string): string {
  const tree = join(work, 'plain-tree');
  put(tree, 'README.txt', 'just files\n');
  put(tree, 'docs/manual.pdf', randomBytes(10_000));
  const iso = join(work, 'plain.iso');
  run('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'PLAIN_DATA', '-R', '-J', '-o', iso, tree]);
  return iso;
}

/** `xorriso -find / -type f` with each file's start block and size: the oracle for listings. */
export function xorrisoFiles(iso: string): Map<string, { lba: number; size: number }> {
  const out = run('xorriso', ['-indev', iso, '-find', '/', '-exec', 'report_lba']);
  const files = new Map<string, { lba: number; size: number }>();
  for (const line of out.split('\n')) {
    const match = /^File data lba:\s+\d+\s*,\s*(\d+)\s*,\s*\d+\s*,\s*(\d+)\s*,\s*'(.*)'$/.exec(
      line,
    );
    if (match) {
      const path = match[3]!;
      const previous = files.get(path);
      // Multi-extent files are reported once per extent; keep the first block, add the sizes.
      files.set(path, {
        lba: previous?.lba ?? Number(match[1]),
        size: (previous?.size ?? 0) + Number(match[2]),
      });
    }
  }
  return files;
}
