// SPDX-License-Identifier: GPL-3.0-or-later
import { sourceExtent, type Extent } from '../extent';
import type { IsoFile } from '../liveos/live-image';

/**
 * Where an ISO file lands on the stick. livecd-iso-to-disk copies /isolinux to /syslinux (the
 * FAT boot loader's directory) and everything else to the same path.
 */
export function stickPath(isoPath: string): string {
  return isoPath.startsWith('/isolinux/')
    ? `/syslinux/${isoPath.slice('/isolinux/'.length)}`
    : isoPath;
}

/** A file's bytes as extents relative to its first byte, read from the ISO (multi-extent aware). */
export function isoFileContent(file: IsoFile): Extent[] {
  const content: Extent[] = [];
  let at = 0;
  for (const extent of file.extents) {
    const length = Math.min(extent.length, file.size - at);
    if (length <= 0) break;
    content.push(sourceExtent(at, length, extent.offset, file.path));
    at += length;
  }
  return content;
}

/** Every directory on the stick holding `paths`, parents first. */
export function directoriesOf(paths: readonly string[]): string[] {
  const directories = new Set<string>();
  for (const path of paths) {
    const parts = path.split('/').filter(Boolean);
    for (let depth = 1; depth < parts.length; depth++)
      directories.add(`/${parts.slice(0, depth).join('/')}`);
  }
  return [...directories].sort();
}

/** The overlay file name dracut computes at boot: overlay-<blkid LABEL>-<blkid UUID> (docs/FORMATS.md, "The stick"). */
export function overlayFileName(label: string, uuid: string): string {
  return `overlay-${label}-${uuid}`;
}
