// SPDX-License-Identifier: GPL-3.0-or-later
/** `livestick info`: what a LiveImage is, as JSON (stable for scripts) and as a short summary. */
import { formatBytes } from '../../shared/units';
import { parseBootEntries } from './boot-config-entries';
import type { BootConfig, LayoutEra, LiveImage, OverlayKind, RootfsKind } from './live-image';

export interface InfoBootEntry {
  readonly title: string;
  readonly kernelArgs: string;
}

export interface InfoReport {
  readonly label: string;
  readonly era: LayoutEra;
  readonly rootfs: RootfsKind;
  /** Nested images only. */
  readonly rootfsImageBytes?: number;
  readonly compression?: string;
  readonly squashfsBytes: number;
  readonly payloadBytes: number;
  readonly isoBytes: number;
  readonly overlayKinds: readonly OverlayKind[];
  readonly kernel: string;
  readonly initrd: string;
  /** Menu entries per boot config path. */
  readonly bootEntries: Readonly<Record<string, readonly InfoBootEntry[]>>;
  readonly efi: boolean;
  readonly biosBoot: boolean;
  readonly implantedMd5: boolean;
}

export function infoReport(image: LiveImage): InfoReport {
  const bootEntries: Record<string, InfoBootEntry[]> = {};
  for (const config of image.bootConfigs) bootEntries[config.path] = entriesOf(config);
  return {
    label: image.label,
    era: image.era,
    rootfs: image.rootfs.kind,
    ...(image.rootfs.rootfsImageBytes !== undefined
      ? { rootfsImageBytes: image.rootfs.rootfsImageBytes }
      : {}),
    ...(image.rootfs.compression !== undefined ? { compression: image.rootfs.compression } : {}),
    squashfsBytes: image.squashfs.size,
    payloadBytes: image.payloadBytes,
    isoBytes: image.isoBytes,
    overlayKinds: image.overlayKinds,
    kernel: image.kernel.path,
    initrd: image.kernel.initrdPath,
    bootEntries,
    efi: image.efi,
    biosBoot: image.biosBoot,
    implantedMd5: image.implantedMd5,
  };
}

/** BOOT.conf is GRUB syntax too (Fedora's shim-era copy of grub.cfg). */
function entriesOf(config: BootConfig): InfoBootEntry[] {
  return parseBootEntries(config.text, config.kind === 'isolinux' ? 'syslinux' : 'grub').map(
    (entry) => ({
      title: entry.title,
      kernelArgs: entry.kernelArgs,
    }),
  );
}

const ERA_NAMES: Readonly<Record<LayoutEra, string>> = {
  isolinux: 'lorax with isolinux (Fedora 24–36)',
  grub2: 'lorax with GRUB 2 for BIOS (Fedora 37–41)',
  kiwi: 'kiwi (Fedora 42+)',
};

const ROOTFS_NAMES: Readonly<Record<RootfsKind, string>> = {
  'nested-ext4': 'ext4 rootfs.img inside squashfs',
  'flat-squashfs': 'flat squashfs root tree',
  erofs: 'EROFS root tree',
};

export function formatInfo(report: InfoReport): string {
  const rootfs = [
    ROOTFS_NAMES[report.rootfs],
    report.rootfsImageBytes !== undefined
      ? `rootfs.img ${formatBytes(report.rootfsImageBytes)}`
      : null,
    report.compression ?? null,
  ]
    .filter((part) => part !== null)
    .join(', ');
  const entries = Object.entries(report.bootEntries)
    .map(([path, list]) => `${list.length} in ${path}`)
    .join(', ');
  return [
    `${report.label}: ${ERA_NAMES[report.era]}`,
    `Root filesystem: ${rootfs}`,
    `Sizes: ISO ${formatBytes(report.isoBytes)}, squashfs.img ${formatBytes(report.squashfsBytes)}, files to copy ${formatBytes(report.payloadBytes)}`,
    `Persistence: ${report.overlayKinds.join(' or ')}`,
    `Boot: UEFI ${report.efi ? 'yes' : 'no'}, BIOS ${report.biosBoot ? 'yes (syslinux)' : 'no'}; implanted MD5 ${report.implantedMd5 ? 'yes' : 'no'}`,
    `Boot entries: ${entries || 'none'}`,
  ].join('\n');
}
