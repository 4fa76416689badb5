// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * FAT names: validating long names, the short (8.3) alias a long name gets, the NT case flags
 * that let a pure lower-case 8.3 name live without long-name entries, and the LFN checksum.
 * Short names are ASCII only: anything else becomes "_" (a lossy conversion), as Windows does
 * for characters outside the OEM code page, so no code page is needed to read them back.
 */

export const SHORT_NAME_LENGTH = 11;
export const MAX_LONG_NAME_UNITS = 255;
/** NT "reserved" byte 12: the base / the extension was lower case before it was upper-cased. */
export const CASE_LOWER_BASE = 0x08;
export const CASE_LOWER_EXTENSION = 0x10;

const FORBIDDEN_IN_LONG_NAMES = '"*/:<>?\\|';
/** Besides letters and digits; "+,;=[]" and spaces are valid in long names only. */
const SHORT_SPECIALS = "$%'-_@~`!(){}^#&";

/** Why `name` cannot be a FAT long name, or null when it can. */
export function longNameProblem(name: string): string | null {
  if (name.length === 0) return 'the name is empty';
  if (name === '.' || name === '..') return `"${name}" is reserved`;
  if (name.length > MAX_LONG_NAME_UNITS) return `longer than ${MAX_LONG_NAME_UNITS} characters`;
  for (const char of name) {
    if (char.charCodeAt(0) < 0x20 || FORBIDDEN_IN_LONG_NAMES.includes(char)) {
      return `the character ${JSON.stringify(char)} is not allowed on FAT`;
    }
  }
  if (/[. ]$/.test(name)) return 'a FAT name cannot end with a dot or a space';
  return null;
}

const isUpper = (c: string): boolean => c >= 'A' && c <= 'Z';
const isLower = (c: string): boolean => c >= 'a' && c <= 'z';
const isShortChar = (c: string): boolean =>
  isUpper(c) || (c >= '0' && c <= '9') || SHORT_SPECIALS.includes(c);

/** The 11-character space-padded form ("SQUASHFSIMG") of a base and an extension. */
function pack(base: string, extension: string): string {
  return base.padEnd(8, ' ') + extension.padEnd(3, ' ');
}

export interface ShortName {
  /** 11 characters, space padded, as stored in the entry ("OVERLA~1   "). */
  readonly packed: string;
  /** CASE_LOWER_* bits for byte 12 of the entry. */
  readonly caseFlags: number;
  /** Whether long-name entries must precede the short entry. */
  readonly needsLongName: boolean;
}

/**
 * A name that is already a valid 8.3 name in one case per part ("BOOTX64.EFI", "squashfs.img",
 * "BOOT.conf") is stored as such, lower-case parts flagged as Windows NT does; no LFN entries.
 * Returns null for anything else.
 */
export function exactShortName(name: string): ShortName | null {
  const dot = name.indexOf('.');
  const base = dot < 0 ? name : name.slice(0, dot);
  const extension = dot < 0 ? '' : name.slice(dot + 1);
  if (base.length < 1 || base.length > 8 || extension.length > 3) return null;
  if (dot >= 0 && extension.length === 0) return null;
  let caseFlags = 0;
  for (const [part, flag] of [
    [base, CASE_LOWER_BASE],
    [extension, CASE_LOWER_EXTENSION],
  ] as const) {
    let lower = false;
    let upper = false;
    for (const c of part) {
      if (isLower(c)) lower = true;
      else if (isUpper(c)) upper = true;
      else if (!isShortChar(c)) return null;
    }
    if (lower && upper) return null;
    if (lower) caseFlags |= flag;
  }
  return {
    packed: pack(base.toUpperCase(), extension.toUpperCase()),
    caseFlags,
    needsLongName: false,
  };
}

/**
 * The alias of a name that needs long-name entries, following fatgen103's basis-name algorithm:
 * upper-case, drop spaces and leading dots, map characters short names cannot hold to "_",
 * base = up to 8 characters before the last dot (other dots dropped), extension = up to 3
 * after it. A numeric tail "~n" is added when the conversion lost information, the name does
 * not fit 8.3, or the basis is taken; `taken` holds the packed names already in the directory.
 */
export function aliasShortName(name: string, taken: ReadonlySet<string>): ShortName {
  let lossy = false;
  const mapped = Array.from(name, (c) => {
    if (c === ' ' || c === '.') return c;
    const upper = isLower(c) ? c.toUpperCase() : c;
    if (isShortChar(upper)) return upper;
    lossy = true;
    return '_';
  })
    .join('')
    .replace(/ /g, '')
    .replace(/^\.+/, '');
  const lastDot = mapped.lastIndexOf('.');
  const baseFull = (lastDot < 0 ? mapped : mapped.slice(0, lastDot)).replace(/\./g, '');
  const extensionFull = lastDot < 0 ? '' : mapped.slice(lastDot + 1);
  const base = baseFull.slice(0, 8);
  const extension = extensionFull.slice(0, 3);
  const fits = !lossy && name.toUpperCase() === (extension ? `${base}.${extension}` : base);
  if (base.length > 0 && fits && !taken.has(pack(base, extension))) {
    return { packed: pack(base, extension), caseFlags: 0, needsLongName: true };
  }
  const stem = base.length > 0 ? base : '_';
  for (let n = 1; n < 1_000_000; n++) {
    const tail = `~${n}`;
    const packed = pack(stem.slice(0, 8 - tail.length) + tail, extension);
    if (!taken.has(packed)) return { packed, caseFlags: 0, needsLongName: true };
  }
  throw new RangeError(`no free short name for "${name}"`);
}

/** The short-name checksum every LFN entry of the set carries (fatgen103 ChkSum). */
export function lfnChecksum(packed: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < SHORT_NAME_LENGTH; i++) {
    sum = (((sum & 1) << 7) + (sum >> 1) + packed[i]!) & 0xff;
  }
  return sum;
}

/** The name a reader shows for a short entry without LFN, honouring the NT case flags. */
export function displayShortName(packed: string, caseFlags: number): string {
  let base = packed.slice(0, 8).trimEnd();
  let extension = packed.slice(8, 11).trimEnd();
  if (caseFlags & CASE_LOWER_BASE) base = base.toLowerCase();
  if (caseFlags & CASE_LOWER_EXTENSION) extension = extension.toLowerCase();
  return extension ? `${base}.${extension}` : base;
}
