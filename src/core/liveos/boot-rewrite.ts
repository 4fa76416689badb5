// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * What the syslinux and GRUB rewriters share: the context of one stick, the live kernel command
 * line every live entry gets, the titles of the entries the persistence menu adds, and the
 * renaming of the ISO's /isolinux/ directory to the stick's /syslinux/.
 */
import { indentOf, tokenize } from './boot-config-entries';
import type { OverlayKind } from './live-image';

export interface BootRewriteContext {
  /** FAT volume serial as blkid prints it: `XXXX-XXXX`, upper case. */
  readonly uuid: string;
  /** The ISO's volume label, the CDLABEL the ISO's menus search for. */
  readonly isoLabel: string;
  /** `none`: no persistent overlay, so no `rd.live.overlay`. */
  readonly overlay: OverlayKind | 'none';
  readonly partitionTable: 'mbr' | 'gpt';
  /** Where the live kernel and initrd are on the stick, absolute (`/images/pxeboot/vmlinuz`). */
  readonly kernelPaths: { readonly kernel: string; readonly initrd: string };
  /** Add "Start without persistence" and "Reset persistence and start" after the first live entry. */
  readonly persistenceMenu?: boolean;
}

export const NO_PERSISTENCE_TITLE = 'Start without persistence';
export const RESET_PERSISTENCE_TITLE = 'Reset persistence and start';
/** dracut zeroes the DM COW header / empties the OverlayFS upper dir before use. */
const OVERLAY_RESET_ARG = 'rd.live.overlay.reset';
/** Where the stick keeps the ISO's /isolinux/ directory. */
export const SYSLINUX_DIR = '/syslinux/';

/** The persistent entry every live entry becomes, or one of the two added beside the first. */
export type Variant = 'persistent' | 'no-persistence' | 'reset';
/** The entries the persistence menu adds after the first live entry, in menu order. */
export const ADDED_VARIANTS = ['no-persistence', 'reset'] as const;

export function addedEntryTitle(variant: (typeof ADDED_VARIANTS)[number]): string {
  return variant === 'reset' ? RESET_PERSISTENCE_TITLE : NO_PERSISTENCE_TITLE;
}

export function checkContext(ctx: BootRewriteContext): void {
  if (!/^[0-9A-F]{4}-[0-9A-F]{4}$/.test(ctx.uuid)) {
    throw new RangeError(`FAT UUID must look like 1A2B-3C4D (upper case), got "${ctx.uuid}"`);
  }
  for (const path of [ctx.kernelPaths.kernel, ctx.kernelPaths.initrd]) {
    if (!path.startsWith('/') || /\s/.test(path)) {
      throw new RangeError(
        `kernel and initrd paths must be absolute without blanks, got "${path}"`,
      );
    }
  }
}

/** The arguments every live entry gets, in the order they appear on the line. */
export function kernelArgsFor(ctx: BootRewriteContext): string[] {
  return argsAround(ctx, 'persistent').flat();
}

/** [before rd.live.image, rd.live.image, after it] for one variant. */
function argsAround(ctx: BootRewriteContext, variant: Variant): [string[], string[], string[]] {
  const device = `UUID=${ctx.uuid}`;
  const after: string[] = [];
  if (ctx.overlay !== 'none' && variant !== 'no-persistence') {
    after.push(`rd.live.overlay=${device}`);
    if (ctx.overlay === 'overlayfs') after.push('rd.live.overlay.overlayfs');
    if (variant === 'reset') after.push(OVERLAY_RESET_ARG);
  }
  return [[`root=live:${device}`, 'rw'], ['rd.live.image'], after];
}

/** Overlay settings are ours to decide; these come from the ISO or from an earlier rewrite. */
function isOverlayArg(arg: string): boolean {
  return /^rd\.(live\.)?overlay([.=]|$)/.test(arg);
}

/** Arguments that only make sense when booting the ISO file itself. */
function isIsoOnlyArg(arg: string): boolean {
  return arg.startsWith('iso-scan/filename=') || arg.startsWith('findiso=');
}

/**
 * The live command line for one variant: `root=` replaced where it stood, `rw` right before
 * `rd.live.image`, the overlay right after it, `ro` gone, other arguments kept in order, exact
 * duplicates collapsed.
 */
export function rewriteArgs(
  args: readonly string[],
  ctx: BootRewriteContext,
  variant: Variant,
): string[] {
  const [[root, rw], [image], overlay] = argsAround(ctx, variant);
  const out: string[] = [];
  let rootAt = -1;
  let imageAt = -1;
  for (const arg of args) {
    if (arg === 'ro' || arg === 'rw' || isOverlayArg(arg) || isIsoOnlyArg(arg)) continue;
    if (arg.startsWith('root=')) {
      if (rootAt < 0) rootAt = out.push(root!) - 1;
      continue;
    }
    if (arg === image) {
      if (imageAt < 0) imageAt = out.push(image) - 1;
      continue;
    }
    const device = /^([^=]+)=hd:(?:CD)?LABEL=[^:]*(.*)$/.exec(arg);
    if (device) out.push(`${device[1]}=hd:UUID=${ctx.uuid}${device[2]}`);
    else if (arg.startsWith('rootfstype=')) out.push('rootfstype=vfat');
    else out.push(arg);
  }
  if (rootAt < 0) {
    out.unshift(root!);
    rootAt = 0;
    if (imageAt >= 0) imageAt++;
  }
  if (imageAt < 0) {
    imageAt = rootAt + 1;
    out.splice(imageAt, 0, image!);
  }
  out.splice(imageAt + 1, 0, ...overlay);
  out.splice(imageAt, 0, rw!);
  return out.filter((arg, i) => out.indexOf(arg) === i);
}

/** `/isolinux/` at the start of a path (also after `=`, `,` or `)`) becomes `/syslinux/`. */
export function renameIsolinuxDir(token: string): string {
  return token.replace(/(^|[=,)])\/isolinux\//g, `$1${SYSLINUX_DIR}`);
}

/** Replaces the `index`th word of a line, keeping its indent; the line is unchanged when the word is. */
export function replaceToken(
  text: string,
  index: number,
  replace: (token: string) => string,
): string {
  const tokens = tokenize(text.trim());
  const token = tokens[index];
  if (token === undefined) return text;
  const next = replace(token);
  if (next === token) return text;
  tokens[index] = next;
  return indentOf(text) + tokens.join(' ');
}

/** Renames /isolinux/ paths in every word of a line. */
export function renamePathsOnLine(text: string): string {
  const tokens = tokenize(text.trim());
  const renamed = tokens.map(renameIsolinuxDir);
  return renamed.every((t, i) => t === tokens[i]) ? text : indentOf(text) + renamed.join(' ');
}
