// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Reading the boot menus of a LiveOS image or stick: isolinux/syslinux configs and GRUB 2
 * configs (docs/FORMATS.md, "Live ISO layouts by era"). Shared by the rewriter (boot-config.ts) and by `info`/`inspect`,
 * which show the entries and their kernel command lines.
 *
 * Both languages are line based. Only what Fedora's lorax and kiwi templates use is modelled:
 * syslinux `label` blocks with `kernel`/`linux`, `append` and `initrd`; GRUB `menuentry` and
 * `submenu` blocks delimited by braces, with `linux*`/`initrd*` commands inside.
 */

export type BootConfigKind = 'syslinux' | 'grub';

export interface BootEntry {
  readonly title: string;
  /** The kernel command line, without syslinux's `initrd=` (reported as `initrd`). */
  readonly kernelArgs: string;
  readonly kernel?: string;
  readonly initrd?: string;
}

/** One line without its terminator, which is kept apart so CRLF files stay CRLF. */
export interface ConfigLine {
  text: string;
  readonly eol: string;
}

export function splitLines(text: string): ConfigLine[] {
  const lines: ConfigLine[] = [];
  const pattern = /([^\r\n]*)(\r\n|\n|$)/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if (match[0] === '') break;
    lines.push({ text: match[1]!, eol: match[2]! });
  }
  return lines;
}

export function joinLines(lines: readonly ConfigLine[]): string {
  return lines.map((line) => line.text + line.eol).join('');
}

/**
 * Splits on blanks outside quotes; quotes stay in the token, so joining the tokens with single
 * spaces gives back an equivalent line.
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quote = '';
  for (const ch of text) {
    if (quote) {
      current += ch;
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") {
      current += ch;
      quote = ch;
    } else if (ch === ' ' || ch === '\t') {
      if (current) tokens.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

export function unquote(token: string): string {
  return token.replace(/'([^']*)'|"((?:[^"\\]|\\.)*)"/g, (_m, single?: string, double?: string) =>
    single !== undefined ? single : double!.replace(/\\(.)/g, '$1'),
  );
}

export function indentOf(text: string): string {
  return /^\s*/.exec(text)![0];
}

/** First word, lower-cased: syslinux keywords are case-insensitive, GRUB's are not but are lower case. */
export function keywordOf(text: string): string {
  return (/^\s*(\S+)/.exec(text)?.[1] ?? '').toLowerCase();
}

export const GRUB_KERNEL_COMMANDS = new Set(['linux', 'linuxefi', 'linux16']);
export const GRUB_INITRD_COMMANDS = new Set(['initrd', 'initrdefi', 'initrd16']);

/** A line that loads a kernel with arguments: syslinux `append`, GRUB `linux`/`linuxefi`/`linux16`. */
export interface KernelLine {
  readonly indent: string;
  /** The command word as written (`APPEND` stays `APPEND`). */
  readonly command: string;
  /** GRUB only: the kernel path, the first word after the command. */
  readonly path?: string;
  readonly args: string[];
}

export function parseKernelLine(text: string, kind: BootConfigKind): KernelLine | null {
  const tokens = tokenize(text.trim());
  const command = tokens[0];
  if (command === undefined) return null;
  const indent = indentOf(text);
  if (kind === 'syslinux') {
    if (command.toLowerCase() !== 'append') return null;
    return { indent, command, args: tokens.slice(1) };
  }
  if (!GRUB_KERNEL_COMMANDS.has(command) || tokens.length < 2) return null;
  return { indent, command, path: tokens[1]!, args: tokens.slice(2) };
}

export function formatKernelLine(line: KernelLine): string {
  return [
    line.indent + line.command,
    ...(line.path === undefined ? [] : [line.path]),
    ...line.args,
  ].join(' ');
}

/** Lines that boot the live system, as opposed to memtest, chainloaders or `append -`. */
export function isLiveArgs(args: readonly string[]): boolean {
  return args.some((arg) => arg.startsWith('root=') || arg === 'rd.live.image');
}

/** A syslinux `label` block: from its `label` line to before the next label or menu boundary. */
export interface LabelBlock {
  readonly name: string;
  readonly start: number;
  /** Exclusive; trailing blank and comment lines are not part of the block. */
  readonly end: number;
}

const SYSLINUX_BOUNDARY = /^\s*(label\s|menu\s+(begin|end|separator)\b)/i;

export function syslinuxLabelBlocks(lines: readonly ConfigLine[]): LabelBlock[] {
  const blocks: LabelBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const match = /^\s*label\s+(\S+)/i.exec(lines[i]!.text);
    if (!match) continue;
    let end = i + 1;
    while (end < lines.length && !SYSLINUX_BOUNDARY.test(lines[end]!.text)) end++;
    while (end > i + 1 && /^\s*(#.*)?$/.test(lines[end - 1]!.text)) end--;
    blocks.push({ name: match[1]!, start: i, end });
  }
  return blocks;
}

/** A GRUB `menuentry` or `submenu` block, by line range (end exclusive) and nesting depth. */
export interface GrubBlock {
  readonly kind: 'menuentry' | 'submenu';
  readonly title: string;
  readonly start: number;
  readonly end: number;
  readonly depth: number;
}

/** Net braces on a line, outside quotes and comments. */
function braceDelta(text: string): number {
  let delta = 0;
  let quote = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#') break;
    else if (ch === '{') delta++;
    else if (ch === '}') delta--;
  }
  return delta;
}

export function grubBlocks(lines: readonly ConfigLine[]): GrubBlock[] {
  const blocks: GrubBlock[] = [];
  const open: { kind: GrubBlock['kind']; title: string; start: number; depth: number }[] = [];
  let depth = 0;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.text;
    const keyword = keywordOf(text);
    const delta = braceDelta(text);
    if ((keyword === 'menuentry' || keyword === 'submenu') && delta > 0) {
      const titleToken = tokenize(text.trim())[1] ?? '';
      open.push({ kind: keyword, title: unquote(titleToken), start: i, depth });
    }
    const before = depth;
    depth += delta;
    while (open.length > 0 && depth <= open[open.length - 1]!.depth && depth < before) {
      const block = open.pop()!;
      blocks.push({ ...block, end: i + 1 });
    }
  }
  return blocks.sort((a, b) => a.start - b.start);
}

function syslinuxEntries(lines: readonly ConfigLine[]): BootEntry[] {
  return syslinuxLabelBlocks(lines).map((block) => {
    let title = block.name;
    let kernel: string | undefined;
    let initrd: string | undefined;
    let args: string[] = [];
    for (let i = block.start + 1; i < block.end; i++) {
      const text = lines[i]!.text;
      const menuLabel = /^\s*menu\s+label\s+(.*?)\s*$/i.exec(text);
      const keyword = keywordOf(text);
      if (menuLabel) title = menuLabel[1]!.replace(/\^/g, '');
      else if (keyword === 'kernel' || keyword === 'linux') kernel = tokenize(text.trim())[1];
      else if (keyword === 'initrd') initrd = tokenize(text.trim())[1];
      else if (keyword === 'append') {
        args = parseKernelLine(text, 'syslinux')!.args.filter((arg) => {
          if (!arg.startsWith('initrd=')) return arg !== '-';
          initrd = arg.slice('initrd='.length);
          return false;
        });
      }
    }
    return {
      title,
      kernelArgs: args.join(' '),
      ...(kernel === undefined ? {} : { kernel }),
      ...(initrd === undefined ? {} : { initrd }),
    };
  });
}

function grubEntries(lines: readonly ConfigLine[]): BootEntry[] {
  return grubBlocks(lines)
    .filter((block) => block.kind === 'menuentry')
    .map((block) => {
      let kernel: string | undefined;
      let initrd: string | undefined;
      let args: string[] = [];
      for (let i = block.start + 1; i < block.end - 1; i++) {
        const text = lines[i]!.text;
        const line = parseKernelLine(text, 'grub');
        if (line) {
          kernel = line.path;
          args = line.args;
        } else if (GRUB_INITRD_COMMANDS.has(keywordOf(text))) {
          initrd = tokenize(text.trim())[1];
        }
      }
      return {
        title: block.title,
        kernelArgs: args.join(' '),
        ...(kernel === undefined ? {} : { kernel }),
        ...(initrd === undefined ? {} : { initrd }),
      };
    });
}

/** Every menu entry in document order, with what it boots. Entries inside submenus are included. */
export function parseBootEntries(text: string, kind: BootConfigKind): BootEntry[] {
  const lines = splitLines(text);
  return kind === 'syslinux' ? syslinuxEntries(lines) : grubEntries(lines);
}
