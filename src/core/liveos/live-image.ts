// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The LiveOS model: everything the planner and writer learn from an ISO without writing anything
 * (docs/ARCHITECTURE.md, "Data flow of a write"). Built by probe.ts; the layouts per era are in
 * docs/FORMATS.md, "Live ISO layouts by era".
 */
import type { IsoExtent, IsoFile } from '../iso9660/types';

export type { IsoExtent, IsoFile };

export type LayoutEra = 'isolinux' | 'grub2' | 'kiwi';
export type RootfsKind = 'nested-ext4' | 'flat-squashfs' | 'erofs';
export type OverlayKind = 'dm-snapshot' | 'overlayfs';

export interface BootConfig {
  readonly path: string;
  readonly text: string;
  readonly kind: 'isolinux' | 'grub' | 'boot-conf';
}

export interface LiveImage {
  /** Primary volume id: the CDLABEL the boot configs name. */
  readonly label: string;
  readonly era: LayoutEra;
  /** Every regular file, sorted by path. */
  readonly files: readonly IsoFile[];
  /** Every directory path except the root, sorted. */
  readonly directories: readonly string[];
  /**
   * isolinux/isolinux.cfg, EFI/BOOT/grub.cfg, EFI/BOOT/BOOT.conf, boot/grub2/grub.cfg and
   * boot/grub2/loopback.cfg, as present.
   */
  readonly bootConfigs: readonly BootConfig[];
  readonly kernel: { readonly path: string; readonly initrdPath: string };
  readonly squashfs: IsoFile;
  readonly rootfs: {
    readonly kind: RootfsKind;
    /** Nested only: size of LiveOS/rootfs.img inside squashfs.img. */
    readonly rootfsImageBytes?: number;
    readonly compression?: string;
  };
  /**
   * Nested images allow both kinds: whether the initrd's dracut knows OverlayFS (≥ 045) would
   * need the whole compressed initrd unpacked, which a metadata-only probe does not do.
   */
  readonly overlayKinds: readonly OverlayKind[];
  /** /EFI/BOOT/BOOTX64.EFI (any case) is present. */
  readonly efi: boolean;
  /** isolinux era with isolinux.bin: a syslinux install gives BIOS boot. */
  readonly biosBoot: boolean;
  readonly efibootImg?: IsoFile;
  /** isomd5sum's "ISO MD5SUM = " is in the primary volume descriptor's application-use area. */
  readonly implantedMd5: boolean;
  /** Total bytes of payloadFiles(image). */
  readonly payloadBytes: number;
  readonly isoBytes: number;
}

/** Top-level files livecd-iso-to-disk copies besides the boot and LiveOS trees. */
const LICENCE_FILES = ['/license', '/license.txt', '/fedora-legal-readme.txt', '/gpl'];

/**
 * Prefixes (lower case) copied whole: the trees livecd-iso-to-disk copies, plus GRUB's own
 * directory. kiwi's EFI config is only a stub that loads /boot/grub2/grub.cfg, and GRUB 2-era
 * media keep their BIOS config and the i386-pc modules a BIOS GRUB install needs there.
 */
const PAYLOAD_TREES = ['/efi/boot/', '/images/', '/isolinux/', '/liveos/', '/boot/grub2/'];

/**
 * shim's fallback loader (fbx64.efi, fbia32.efi): on a stick it looks for boot entries to
 * register and resets the machine, on some firmware in an endless loop; livecd-iso-to-disk
 * deletes it too (livecd-tools, tools/livecd-iso-to-disk.sh).
 */
const SHIM_FALLBACK = /^\/efi\/boot\/fb[^/]*\.efi$/;

/**
 * The files the writer copies, sorted by path: /EFI/BOOT/** without shim's fallback loader,
 * /images/**, /isolinux/** (which becomes /syslinux), /LiveOS/**, /boot/grub2/**, the licence
 * files, and for kiwi media the kernel directory (/boot/<arch>/loader) and the /boot/0x… id file.
 */
export function payloadFiles(image: Pick<LiveImage, 'files' | 'kernel' | 'era'>): IsoFile[] {
  const kernelDir = image.kernel.path
    .slice(0, image.kernel.path.lastIndexOf('/') + 1)
    .toLowerCase();
  return image.files.filter((file) => {
    const path = file.path.toLowerCase();
    if (SHIM_FALLBACK.test(path)) return false;
    if (PAYLOAD_TREES.some((prefix) => path.startsWith(prefix))) return true;
    if (LICENCE_FILES.includes(path)) return true;
    if (path === image.kernel.path.toLowerCase() || path === image.kernel.initrdPath.toLowerCase())
      return true;
    if (image.era === 'kiwi')
      return path.startsWith(kernelDir) || /^\/boot\/(0x[0-9a-f]+|mbrid)$/.test(path);
    return false;
  });
}

export function sumSizes(files: readonly IsoFile[]): number {
  return files.reduce((sum, file) => sum + file.size, 0);
}

/** Case-insensitive lookup: Joliet/plain fallbacks and odd mastering tools change case. */
export function findFile(files: readonly IsoFile[], path: string): IsoFile | undefined {
  const wanted = path.toLowerCase();
  return files.find((file) => file.path.toLowerCase() === wanted);
}

export function hasDirectory(directories: readonly string[], path: string): boolean {
  const wanted = path.toLowerCase();
  return directories.some((dir) => dir.toLowerCase() === wanted);
}
