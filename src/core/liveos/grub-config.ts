// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * A GRUB 2 config of the ISO → the stick's: live `linux`/`initrd` lines get the stick's kernel
 * paths and command line, searches look for the stick's UUID, and the modules to read its
 * partition table and FAT are loaded before the first search.
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
  tokenize,
  unquote,
  type ConfigLine,
  type GrubBlock,
} from './boot-config-entries';
import {
  ADDED_VARIANTS,
  addedEntryTitle,
  checkContext,
  renamePathsOnLine,
  replaceToken,
  rewriteArgs,
  type BootRewriteContext,
  type Variant,
} from './boot-rewrite';

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
  return ADDED_VARIANTS.some((variant) => addedEntryTitle(variant) === title);
}

function grubClone(
  lines: readonly ConfigLine[],
  block: GrubBlock,
  ctx: BootRewriteContext,
  efi: boolean,
  variant: (typeof ADDED_VARIANTS)[number],
): ConfigLine[] {
  const title = addedEntryTitle(variant);
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
  const clones = ADDED_VARIANTS.flatMap((variant) => grubClone(out, first, ctx, opts.efi, variant));
  shiftDefault(out, topLevelIndex(blocks, first) + 1, 2);
  if (first.end === out.length && out[first.end - 1]!.eol === '') {
    out[first.end - 1] = { ...out[first.end - 1]!, eol: '\n' };
    clones[clones.length - 1] = { ...clones[clones.length - 1]!, eol: '' };
  }
  out = [...out.slice(0, first.end), ...clones, ...out.slice(first.end)];
  return joinLines(out);
}
