// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Small Fedora-like live ISOs for the ISO/LiveOS reader tests, built with the Debian tools the
 * real images are built with (xorriso, mksquashfs, mkfs.erofs, mkfs.ext4, mkfs.vfat). Trees follow
 * docs/FORMATS.md, "Live ISO layouts by era"; payload files are tiny random stand-ins.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  linkSync,
  mkdirSync,
  mkdtempSync,
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
  options: { cwd?: string } = {},
): string {
  return execFileSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
    ...options,
  });
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
export function makeRootTree(root: string): void {
  put(root, 'etc/os-release', 'NAME="Fedora Linux"\nVERSION_ID=41\n');
  put(root, 'usr/bin/bash', randomBytes(20_000));
  for (let i = 0; i < 400; i++) {
    put(root, `usr/lib/modules/a-rather-long-module-file-name-number-${i}.ko`, randomBytes(i % 7));
  }
  put(root, 'usr/share/empty/.keep', '');
  symlinkSync('usr/bin', join(root, 'bin'));
  mkdirSync(join(root, 'var/tmp'), { recursive: true });
}

/** Builds LiveOS/squashfs.img for `layout` in `work`, returns its path. */
export function makeRootfsImage(
  work: string,
  layout: RootfsLayout,
  compression: SquashfsCompression = 'xz',
): string {
  const tree = join(work, `rootfs-${layout}-${compression}`);
  const image = join(work, `squashfs-${layout}-${compression}.img`);
  if (layout === 'nested') {
    const rootfs = join(tree, 'LiveOS', 'rootfs.img');
    mkdirSync(dirname(rootfs), { recursive: true });
    const content = join(work, 'ext4-content');
    makeRootTree(content);
    run('mkfs.ext4', ['-q', '-F', '-L', 'Anaconda', '-d', content, rootfs, '24M']);
    rmSync(content, { recursive: true, force: true });
  } else {
    makeRootTree(tree);
  }
  if (layout === 'erofs') {
    run('mkfs.erofs', ['--quiet', '-zlz4hc', image, tree]);
  } else {
    run('mksquashfs', [tree, image, '-comp', compression, '-noappend', '-quiet', '-no-progress']);
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
  const squashfs = options.squashfsImage ?? makeRootfsImage(work, layout, options.compression);
  mkdirSync(join(tree, 'LiveOS'), { recursive: true });
  linkSync(squashfs, join(tree, 'LiveOS', 'squashfs.img'));
  put(tree, 'LICENSE', 'GPLv2\n');
  put(tree, 'Fedora-Legal-README.txt', 'legal\n');
  put(tree, 'EFI/BOOT/BOOTX64.EFI', randomBytes(3000));
  put(tree, 'EFI/BOOT/grubx64.efi', randomBytes(5000));
  put(tree, 'EFI/BOOT/fonts/unicode.pf2', randomBytes(1000));
  const efiboot = join(tree, 'images', 'efiboot.img');
  mkdirSync(dirname(efiboot), { recursive: true });
  run('mkfs.vfat', ['-C', efiboot, '1024']);
  const xorrisoArgs = ['-as', 'mkisofs', '-quiet', '-V', label, '-R', '-J', '-joliet-long'];

  if (options.era === 'f24') {
    put(tree, 'images/pxeboot/vmlinuz', randomBytes(70_000));
    put(tree, 'images/pxeboot/initrd.img', randomBytes(90_000));
    put(tree, 'images/macboot.img', randomBytes(4096));
    mkdirSync(join(tree, 'isolinux'), { recursive: true });
    // lorax hardlinks the kernel and initrd; xorriso then records one extent for both names.
    linkSync(join(tree, 'images/pxeboot/vmlinuz'), join(tree, 'isolinux/vmlinuz'));
    linkSync(join(tree, 'images/pxeboot/initrd.img'), join(tree, 'isolinux/initrd.img'));
    writeFileSync(join(tree, 'isolinux/isolinux.bin'), readFileSync(ISOLINUX_BIN));
    put(tree, 'isolinux/isolinux.cfg', ISOLINUX_CFG(label));
    put(tree, 'isolinux/boot.msg', '\nsplash.lss\n');
    put(tree, 'isolinux/vesamenu.c32', randomBytes(2000));
    put(tree, 'EFI/BOOT/grub.cfg', GRUB_F24(label, 'linuxefi', 'initrdefi'));
    put(tree, 'EFI/BOOT/MokManager.efi', randomBytes(2000));
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
    put(tree, 'images/pxeboot/vmlinuz', randomBytes(70_000));
    put(tree, 'images/pxeboot/initrd.img', randomBytes(90_000));
    put(tree, 'images/eltorito.img', randomBytes(30_000));
    put(tree, 'boot/grub2/grub.cfg', GRUB_F24(label, 'linux', 'initrd'));
    put(tree, 'boot/grub2/i386-pc/normal.mod', randomBytes(500));
    put(tree, 'EFI/BOOT/grub.cfg', GRUB_F24(label, 'linux', 'initrd'));
    put(tree, 'EFI/BOOT/mmx64.efi', randomBytes(2000));
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
    put(tree, 'boot/x86_64/loader/linux', randomBytes(70_000));
    put(tree, 'boot/x86_64/loader/initrd', randomBytes(90_000));
    put(tree, 'boot/x86_64/loader/eltorito.img', randomBytes(30_000));
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
  run('xorriso', [...xorrisoArgs, '-o', iso, tree]);
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
