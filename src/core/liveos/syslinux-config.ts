// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * isolinux.cfg → the stick's /syslinux/syslinux.cfg. Only `append` lines of live entries change
 * (and the kernel/initrd paths of those entries, where the stick keeps the files elsewhere);
 * everything else keeps its bytes, apart from /isolinux/ paths becoming /syslinux/.
 */
import {
  formatKernelLine,
  indentOf,
  isLiveArgs,
  joinLines,
  keywordOf,
  parseKernelLine,
  splitLines,
  syslinuxLabelBlocks,
  type ConfigLine,
} from './boot-config-entries';
import {
  ADDED_VARIANTS,
  addedEntryTitle,
  checkContext,
  renameIsolinuxDir,
  renamePathsOnLine,
  replaceToken,
  rewriteArgs,
  SYSLINUX_DIR,
  type BootRewriteContext,
  type Variant,
} from './boot-rewrite';

/** syslinux label names of the added entries; unlikely to clash with an ISO's own labels. */
const NO_PERSISTENCE_LABEL = 'livestick-nopersist';
const RESET_PERSISTENCE_LABEL = 'livestick-reset';

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

/** syslinux resolves relative names against /syslinux/, where the stick keeps the ISO's /isolinux/. */
function syslinuxPathFor(written: string, wanted: string): string {
  const renamed = renameIsolinuxDir(written);
  const resolved = renamed.startsWith('/') ? renamed : SYSLINUX_DIR + renamed;
  return resolved === wanted ? renamed : wanted;
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
  variant: (typeof ADDED_VARIANTS)[number],
): ConfigLine[] {
  const name = variant === 'reset' ? RESET_PERSISTENCE_LABEL : NO_PERSISTENCE_LABEL;
  const title = addedEntryTitle(variant);
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
  const clones = ADDED_VARIANTS.flatMap((variant) =>
    syslinuxClone(rewritten, first.start, first.end, ctx, variant),
  );
  if (first.end === rewritten.length && rewritten[first.end - 1]!.eol === '') {
    rewritten[first.end - 1] = { ...rewritten[first.end - 1]!, eol: clones[0]!.eol };
    clones[clones.length - 1] = { ...clones[clones.length - 1]!, eol: '' };
  }
  return joinLines([...rewritten.slice(0, first.end), ...clones, ...rewritten.slice(first.end)]);
}
