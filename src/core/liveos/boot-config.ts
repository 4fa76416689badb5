// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Turns the ISO's boot menus into the stick's (DESIGN §3, liveos-spec §1.8): every live entry
 * boots `root=live:UUID=<FAT serial>` read-write with the persistent overlay, GRUB finds the
 * stick by UUID, and kernel/initrd paths point at files that exist on the stick.
 *
 * This follows livecd-iso-to-disk's effects without its gaps: `rw` and the overlay go on every
 * kernel line (`append`, `linux`, `linuxefi`, `linux16`), not only on `append`/`linuxefi`, since
 * lorax ≥ 43.3 and kiwi use plain `linux` and dracut 044–056 silently drops persistence without
 * `rw` (gotcha 3). Lines that do not boot the live system (memtest, chainloader, menu text) keep
 * their bytes. Rewriting is idempotent, so a stick can be re-rewritten with new settings.
 */
import {
  formatKernelLine,
  GRUB_INITRD_COMMANDS,
  grubBlocks,
  indentOf,
  isLiveArgs,
  joinLines,
  keywordOf,
  parseKernelLine,
  splitLines,
  syslinuxLabelBlocks,
  tokenize,
  unquote,
  type ConfigLine,
  type GrubBlock,
} from './boot-config-entries';

export type OverlayKind = 'dm-snapshot' | 'overlayfs' | 'none';

export interface BootRewriteContext {
  /** FAT volume serial as blkid prints it: `XXXX-XXXX`, upper case. */
  readonly uuid: string;
  /** The ISO's volume label, the CDLABEL the ISO's menus search for. */
  readonly isoLabel: string;
  /** `none`: no persistent overlay, so no `rd.live.overlay`. */
  readonly overlay: OverlayKind;
  readonly partitionTable: 'mbr' | 'gpt';
  /** Where the live kernel and initrd are on the stick, absolute (`/images/pxeboot/vmlinuz`). */
  readonly kernelPaths: { readonly kernel: string; readonly initrd: string };
  /** Add "Start without persistence" and "Reset persistence and start" after the first live entry. */
  readonly persistenceMenu?: boolean;
}

export const NO_PERSISTENCE_TITLE = 'Start without persistence';
export const RESET_PERSISTENCE_TITLE = 'Reset persistence and start';
/** syslinux label names of the added entries; unlikely to clash with an ISO's own labels. */
const NO_PERSISTENCE_LABEL = 'livestick-nopersist';
const RESET_PERSISTENCE_LABEL = 'livestick-reset';
/** dracut zeroes the DM COW header / empties the OverlayFS upper dir before use (spec §2.2). */
const OVERLAY_RESET_ARG = 'rd.live.overlay.reset';
const SYSLINUX_DIR = '/syslinux/';

type Variant = 'persistent' | 'no-persistence' | 'reset';

function checkContext(ctx: BootRewriteContext): void {
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
function rewriteArgs(args: readonly string[], ctx: BootRewriteContext, variant: Variant): string[] {
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

// ---------------------------------------------------------------------------------------------
// syslinux

/** Directives whose arguments are file names, resolved against the config's directory. */
const SYSLINUX_PATH_DIRECTIVES = new Set([
  'kernel',
  'linux',
  'initrd',
  'include',
  'display',
  'font',
  'ui',
  'config',
  ...Array.from({ length: 12 }, (_, i) => `f${i + 1}`),
]);
const SYSLINUX_MENU_PATH_DIRECTIVES = /^\s*menu\s+(background|include)\s/i;

function renameIsolinuxDir(token: string): string {
  return token.replace(/(^|[=,)])\/isolinux\//g, `$1${SYSLINUX_DIR}`);
}

/** syslinux resolves relative names against /syslinux/, where the stick keeps the ISO's /isolinux/. */
function syslinuxPathFor(written: string, wanted: string): string {
  const renamed = renameIsolinuxDir(written);
  const resolved = renamed.startsWith('/') ? renamed : SYSLINUX_DIR + renamed;
  return resolved === wanted ? renamed : wanted;
}

function replaceToken(text: string, index: number, replace: (token: string) => string): string {
  const tokens = tokenize(text.trim());
  const token = tokens[index];
  if (token === undefined) return text;
  const next = replace(token);
  if (next === token) return text;
  tokens[index] = next;
  return indentOf(text) + tokens.join(' ');
}

function renamePathsOnLine(text: string): string {
  const tokens = tokenize(text.trim());
  const renamed = tokens.map(renameIsolinuxDir);
  return renamed.every((t, i) => t === tokens[i]) ? text : indentOf(text) + renamed.join(' ');
}

function rewriteSyslinuxLine(
  text: string,
  ctx: BootRewriteContext,
  liveBlock: boolean,
  variant: Variant,
): string {
  const keyword = keywordOf(text);
  const kernelLine = parseKernelLine(text, 'syslinux');
  if (kernelLine) {
    if (!isLiveArgs(kernelLine.args)) return text;
    const args = rewriteArgs(kernelLine.args, ctx, variant).map((arg) =>
      arg.startsWith('initrd=')
        ? 'initrd=' +
          arg
            .slice('initrd='.length)
            .split(',')
            .map((path, i) =>
              i === 0 ? syslinuxPathFor(path, ctx.kernelPaths.initrd) : renameIsolinuxDir(path),
            )
            .join(',')
        : arg,
    );
    return formatKernelLine({ ...kernelLine, args });
  }
  if (liveBlock && (keyword === 'kernel' || keyword === 'linux')) {
    return replaceToken(text, 1, (path) => syslinuxPathFor(path, ctx.kernelPaths.kernel));
  }
  if (liveBlock && keyword === 'initrd') {
    return replaceToken(text, 1, (path) => syslinuxPathFor(path, ctx.kernelPaths.initrd));
  }
  if (SYSLINUX_PATH_DIRECTIVES.has(keyword) || SYSLINUX_MENU_PATH_DIRECTIVES.test(text)) {
    return renamePathsOnLine(text);
  }
  return text;
}

function isLiveSyslinuxBlock(lines: readonly ConfigLine[], start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const line = parseKernelLine(lines[i]!.text, 'syslinux');
    if (line && isLiveArgs(line.args)) return true;
  }
  return false;
}

function syslinuxClone(
  lines: readonly ConfigLine[],
  start: number,
  end: number,
  ctx: BootRewriteContext,
  variant: Variant,
): ConfigLine[] {
  const [name, title] =
    variant === 'reset'
      ? [RESET_PERSISTENCE_LABEL, RESET_PERSISTENCE_TITLE]
      : [NO_PERSISTENCE_LABEL, NO_PERSISTENCE_TITLE];
  const eol = lines[start]!.eol;
  const out: ConfigLine[] = [{ text: '', eol }];
  let inHelp = false;
  let labelled = false;
  for (let i = start; i < end; i++) {
    const text = lines[i]!.text;
    if (inHelp) {
      inHelp = !/^\s*endtext\b/i.test(text);
      continue;
    }
    if (/^\s*text\s+help\b/i.test(text)) {
      inHelp = true;
    } else if (i === start) {
      out.push({ text: `${indentOf(text)}label ${name}`, eol });
    } else if (/^\s*menu\s+label\s/i.test(text)) {
      out.push({ text: `${indentOf(text)}menu label ${title}`, eol });
      labelled = true;
    } else if (!/^\s*menu\s+default\b/i.test(text)) {
      out.push({ text: rewriteSyslinuxLine(text, ctx, true, variant), eol });
    }
  }
  if (!labelled) out.splice(2, 0, { text: `  menu label ${title}`, eol });
  return out;
}

/** isolinux.cfg (from the ISO, or an earlier syslinux.cfg) → the stick's /syslinux/syslinux.cfg. */
export function rewriteSyslinuxConfig(isolinuxCfg: string, ctx: BootRewriteContext): string {
  checkContext(ctx);
  let lines = splitLines(isolinuxCfg);
  // Drop entries an earlier rewrite added (with the blank line put before each), to re-add them fresh.
  for (const block of syslinuxLabelBlocks(lines).reverse()) {
    if (block.name !== NO_PERSISTENCE_LABEL && block.name !== RESET_PERSISTENCE_LABEL) continue;
    const from =
      block.start > 0 && lines[block.start - 1]!.text.trim() === '' ? block.start - 1 : block.start;
    lines = [...lines.slice(0, from), ...lines.slice(block.end)];
  }

  const blocks = syslinuxLabelBlocks(lines);
  const liveLines = new Set<number>();
  for (const block of blocks) {
    if (!isLiveSyslinuxBlock(lines, block.start, block.end)) continue;
    for (let i = block.start; i < block.end; i++) liveLines.add(i);
  }
  const rewritten = lines.map((line, i) => ({
    text: rewriteSyslinuxLine(line.text, ctx, liveLines.has(i), 'persistent'),
    eol: line.eol,
  }));

  const first = blocks.find((block) => liveLines.has(block.start));
  if (!ctx.persistenceMenu || ctx.overlay === 'none' || !first) return joinLines(rewritten);
  const clones = (['no-persistence', 'reset'] as const).flatMap((variant) =>
    syslinuxClone(rewritten, first.start, first.end, ctx, variant),
  );
  if (first.end === rewritten.length && rewritten[first.end - 1]!.eol === '') {
    rewritten[first.end - 1] = { ...rewritten[first.end - 1]!, eol: clones[0]!.eol };
    clones[clones.length - 1] = { ...clones[clones.length - 1]!, eol: '' };
  }
  return joinLines([...rewritten.slice(0, first.end), ...clones, ...rewritten.slice(first.end)]);
}

// ---------------------------------------------------------------------------------------------
// GRUB 2

/** kiwi's ISO id file (`/boot/0x<mbrid>`, or `/boot/mbrid`), which the stick does not carry. */
const KIWI_ID_FILE = /^\/boot\/(0x[0-9a-fA-F]+|mbrid)$/;
const GRUB_PATH_COMMANDS = new Set(['source', 'configfile', 'loadfont', 'background_image']);

/**
 * `search … -l '<ISO label>'`, kiwi's `search --file /boot/0x…` and any UUID search become a
 * search for the stick's UUID. Hints name ISO devices and go. A search that sets no variable
 * or looks for other files is not ours to change.
 */
function rewriteSearch(text: string, ctx: BootRewriteContext): string | null {
  const tokens = tokenize(text.trim()).slice(1);
  let type: 'file' | 'label' | 'uuid' = 'file';
  let variable: string | undefined;
  let name: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '-l' || token === '--label') type = 'label';
    else if (token === '-u' || token === '--fs-uuid') type = 'uuid';
    else if (token === '-f' || token === '--file') type = 'file';
    else if (token === '-s' || token === '--set') variable = 'root';
    else if (token.startsWith('--set=')) variable = unquote(token.slice('--set='.length));
    else if (token === '--hint' || /^--hint-[a-z]+$/.test(token)) i++;
    else if (!token.startsWith('-')) name ??= unquote(token);
  }
  if (variable === undefined || name === undefined) return null;
  if (type === 'file' && !KIWI_ID_FILE.test(name)) return null;
  return `${indentOf(text)}search --no-floppy --set=${variable} -u '${ctx.uuid}'`;
}

function partitionModule(ctx: BootRewriteContext): string {
  return ctx.partitionTable === 'gpt' ? 'part_gpt' : 'part_msdos';
}

function grubPathFor(line: string, wanted: string): string {
  return replaceToken(line, 1, () => wanted);
}

interface GrubLineState {
  /** The last kernel line seen was a live one, so the initrd that follows is the live initrd. */
  liveKernel: boolean;
}

function rewriteGrubLine(
  text: string,
  ctx: BootRewriteContext,
  efi: boolean,
  variant: Variant,
  state: GrubLineState,
): string | null {
  const keyword = keywordOf(text);
  if (keyword === '' || keyword.startsWith('#')) return text;
  if (keyword === 'menuentry' || keyword === 'submenu' || text.trim() === '}') {
    state.liveKernel = false;
    return text;
  }
  const kernelLine = parseKernelLine(text, 'grub');
  if (kernelLine) {
    state.liveKernel = isLiveArgs(kernelLine.args);
    if (!state.liveKernel) return renamePathsOnLine(text);
    const command = efi
      ? kernelLine.command.replace(/^linux16$/, 'linux')
      : kernelLine.command.replace(/^linuxefi$/, 'linux');
    return formatKernelLine({
      ...kernelLine,
      command,
      path: ctx.kernelPaths.kernel,
      args: rewriteArgs(kernelLine.args, ctx, variant),
    });
  }
  // ISO-file boot helpers (`set findiso=…`, `search … $findiso`) mean nothing on a stick.
  if (/(^|[\s$={])findiso\b/.test(text)) return null;
  if (GRUB_INITRD_COMMANDS.has(keyword)) {
    if (!state.liveKernel) return renamePathsOnLine(text);
    const command = efi
      ? keyword.replace(/^initrd16$/, 'initrd')
      : keyword.replace(/^initrdefi$/, 'initrd');
    return grubPathFor(
      `${indentOf(text)}${command} ${text.trim().slice(keyword.length).trim()}`,
      ctx.kernelPaths.initrd,
    );
  }
  if (keyword === 'search') return rewriteSearch(text, ctx) ?? text;
  if (keyword === 'insmod') {
    const module = tokenize(text.trim())[1];
    if (module === 'part_gpt' || module === 'part_msdos')
      return `${indentOf(text)}insmod ${partitionModule(ctx)}`;
    if (module === 'ext2') return `${indentOf(text)}insmod fat`;
    return text;
  }
  if (GRUB_PATH_COMMANDS.has(keyword)) return renamePathsOnLine(text);
  return text;
}

function rewriteGrubLines(
  lines: readonly ConfigLine[],
  ctx: BootRewriteContext,
  efi: boolean,
  variant: Variant,
): ConfigLine[] {
  const state: GrubLineState = { liveKernel: false };
  const out: ConfigLine[] = [];
  const seenModules = new Set<string>();
  for (const line of lines) {
    const text = rewriteGrubLine(line.text, ctx, efi, variant, state);
    if (text === null) continue;
    // Two ISO insmods can map to one stick module (ext2 and fat → fat); load it once.
    const module = /^\s*insmod\s+(part_gpt|part_msdos|fat)\s*$/.exec(text)?.[1];
    if (module) {
      if (seenModules.has(module)) continue;
      seenModules.add(module);
    }
    out.push({ text, eol: line.eol });
  }
  return out;
}

/** Top-level entries only: that is what a numeric `set default` counts. */
function topLevelIndex(blocks: readonly GrubBlock[], block: GrubBlock): number {
  return blocks.filter((b) => b.depth === 0 && b.start < block.start).length;
}

const DEFAULT_LINE = /^(\s*set\s+default=)(["']?)(\d+)\2(\s*)$/;

function shiftDefault(lines: ConfigLine[], from: number, by: number): void {
  for (const line of lines) {
    const match = DEFAULT_LINE.exec(line.text);
    if (!match || Number(match[3]) < from) continue;
    line.text = `${match[1]}${match[2]}${Number(match[3]) + by}${match[2]}${match[4]}`;
  }
}

function isGeneratedTitle(title: string): boolean {
  return title === NO_PERSISTENCE_TITLE || title === RESET_PERSISTENCE_TITLE;
}

function grubClone(
  lines: readonly ConfigLine[],
  block: GrubBlock,
  ctx: BootRewriteContext,
  efi: boolean,
  variant: Exclude<Variant, 'persistent'>,
): ConfigLine[] {
  const title = variant === 'reset' ? RESET_PERSISTENCE_TITLE : NO_PERSISTENCE_TITLE;
  const body = rewriteGrubLines(lines.slice(block.start, block.end), ctx, efi, variant);
  const head = body[0]!;
  const [, ...rest] = tokenize(head.text.trim()).slice(1);
  body[0] = { text: `${indentOf(head.text)}menuentry '${title}' ${rest.join(' ')}`, eol: head.eol };
  return body;
}

/** Makes sure the stick's partition table and filesystem can be read before the first search. */
function ensureSearchModules(lines: ConfigLine[], ctx: BootRewriteContext): ConfigLine[] {
  const searchAt = lines.findIndex((line) => /^\s*search\s.*\s-u\s/.test(line.text));
  if (searchAt < 0) return lines;
  const loaded = new Set(
    lines.slice(0, searchAt).flatMap((line) => /^\s*insmod\s+(\S+)\s*$/.exec(line.text)?.[1] ?? []),
  );
  const indent = indentOf(lines[searchAt]!.text);
  const eol = lines[searchAt]!.eol || '\n';
  const missing = [partitionModule(ctx), 'fat']
    .filter((module) => !loaded.has(module))
    .map((module) => ({ text: `${indent}insmod ${module}`, eol }));
  return [...lines.slice(0, searchAt), ...missing, ...lines.slice(searchAt)];
}

/**
 * A GRUB config of the ISO (EFI/BOOT/grub.cfg, BOOT.conf, boot/grub2/grub.cfg, kiwi's EFI stub)
 * → the stick's. `efi` says which GRUB reads it: BIOS GRUB has no `linuxefi`, and EFI GRUB has
 * no `linux16`, so live entries use the command the platform has.
 */
export function rewriteGrubConfig(
  grubCfg: string,
  ctx: BootRewriteContext,
  opts: { readonly efi: boolean },
): string {
  checkContext(ctx);
  let lines = splitLines(grubCfg);
  // Drop entries an earlier rewrite added (and un-shift the default), to re-add them fresh.
  for (const block of grubBlocks(lines).reverse()) {
    if (block.kind !== 'menuentry' || block.depth !== 0 || !isGeneratedTitle(block.title)) continue;
    const index = topLevelIndex(grubBlocks(lines), block);
    lines = [...lines.slice(0, block.start), ...lines.slice(block.end)];
    shiftDefault(lines, index + 1, -1);
  }

  let out = ensureSearchModules(rewriteGrubLines(lines, ctx, opts.efi, 'persistent'), ctx);
  if (!ctx.persistenceMenu || ctx.overlay === 'none') return joinLines(out);

  const blocks = grubBlocks(out);
  const first = blocks.find(
    (block) =>
      block.kind === 'menuentry' &&
      block.depth === 0 &&
      out.slice(block.start, block.end).some((line) => {
        const kernel = parseKernelLine(line.text, 'grub');
        return kernel !== null && isLiveArgs(kernel.args);
      }),
  );
  if (!first) return joinLines(out);
  const clones = [
    ...grubClone(out, first, ctx, opts.efi, 'no-persistence'),
    ...grubClone(out, first, ctx, opts.efi, 'reset'),
  ];
  shiftDefault(out, topLevelIndex(blocks, first) + 1, 2);
  if (first.end === out.length && out[first.end - 1]!.eol === '') {
    out[first.end - 1] = { ...out[first.end - 1]!, eol: '\n' };
    clones[clones.length - 1] = { ...clones[clones.length - 1]!, eol: '' };
  }
  out = [...out.slice(0, first.end), ...clones, ...out.slice(first.end)];
  return joinLines(out);
}
