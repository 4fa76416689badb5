// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Extended attributes stored inside the inode, in the space after i_extra_isize (96 bytes in a
 * 256-byte inode with the usual 32 extra bytes). The area starts with the magic 0xEA020000, then
 * entries (name length, name index, value offset, value inode, value size, hash, name; each
 * padded to 4 bytes) closed by a zero word, and the values packed from the end of the area, each
 * padded to 4 bytes. Value offsets count from the first entry. The kernel stores e_hash = 0 for
 * in-inode entries (hashes only matter for shared xattr blocks) and so do we.
 */
import { setU16le, setU32le, setU8, u16le, u32le, u8 } from '../bytes';
import { FormatError } from '../format-error';

export const XATTR_MAGIC = 0xea020000;
export const HEADER_SIZE = 4;
export const ENTRY_HEADER_SIZE = 16;
export const OFFSET_E_NAME_LEN = 0;
export const OFFSET_E_NAME_INDEX = 1;
export const OFFSET_E_VALUE_OFFS = 2;
export const OFFSET_E_VALUE_INUM = 4;
export const OFFSET_E_VALUE_SIZE = 8;
export const OFFSET_E_HASH = 12;
export const OFFSET_E_NAME = 16;
const TERMINATOR_SIZE = 4;

/** Name indexes (EXT4_XATTR_INDEX_*): whole names first, then prefixes. */
const WHOLE_NAMES: readonly (readonly [string, number])[] = [
  ['system.posix_acl_access', 2],
  ['system.posix_acl_default', 3],
  ['system.richacl', 8],
];
const PREFIXES: readonly (readonly [string, number])[] = [
  ['user.', 1],
  ['trusted.', 4],
  ['security.', 6],
  ['system.', 7],
];

const encoder = new TextEncoder();
const round4 = (n: number): number => (n + 3) & ~3;

interface SplitName {
  readonly index: number;
  readonly suffix: Uint8Array;
}

function splitName(name: string): SplitName {
  for (const [whole, index] of WHOLE_NAMES) {
    if (name === whole) return { index, suffix: new Uint8Array(0) };
  }
  for (const [prefix, index] of PREFIXES) {
    if (name.startsWith(prefix) && name.length > prefix.length) {
      const suffix = encoder.encode(name.slice(prefix.length));
      if (suffix.length > 255) throw new RangeError(`xattr name "${name}" is too long`);
      return { index, suffix };
    }
  }
  throw new RangeError(`xattr "${name}" has no namespace ext4 knows (user., security., …)`);
}

function joinName(index: number, suffix: string): string {
  const whole = WHOLE_NAMES.find(([, i]) => i === index);
  if (whole) return whole[0];
  const prefix = PREFIXES.find(([, i]) => i === index);
  if (!prefix) throw new RangeError(`unknown xattr name index ${index}`);
  return prefix[0] + suffix;
}

/** Bytes the in-inode area needs for these attributes (0 when there are none). */
export function inodeXattrBytes(xattrs: Readonly<Record<string, Uint8Array>>): number {
  const names = Object.keys(xattrs);
  if (names.length === 0) return 0;
  let size = HEADER_SIZE + TERMINATOR_SIZE;
  for (const name of names) {
    size += round4(ENTRY_HEADER_SIZE + splitName(name).suffix.length);
    size += round4(xattrs[name]!.length);
  }
  return size;
}

/**
 * The in-inode xattr area of `areaBytes` bytes (an all-zero area when there are no attributes,
 * which is what an inode without xattrs holds). Throws when they do not fit: this writer never
 * spills to an xattr block.
 */
export function encodeInodeXattrs(
  xattrs: Readonly<Record<string, Uint8Array>>,
  areaBytes: number,
): Uint8Array {
  const area = new Uint8Array(areaBytes);
  const items = Object.entries(xattrs)
    .map(([name, value]) => ({ ...splitName(name), value }))
    .sort((a, b) => a.index - b.index || compareBytes(a.suffix, b.suffix));
  if (items.length === 0) return area;
  const needed = inodeXattrBytes(xattrs);
  if (needed > areaBytes) {
    throw new RangeError(
      `extended attributes need ${needed} bytes but the inode has ${areaBytes} for them`,
    );
  }
  setU32le(area, 0, XATTR_MAGIC);
  const first = HEADER_SIZE;
  let entryAt = first;
  let valueEnd = areaBytes;
  for (const item of items) {
    valueEnd -= round4(item.value.length);
    area.set(item.value, valueEnd);
    setU8(area, entryAt + OFFSET_E_NAME_LEN, item.suffix.length);
    setU8(area, entryAt + OFFSET_E_NAME_INDEX, item.index);
    setU16le(area, entryAt + OFFSET_E_VALUE_OFFS, item.value.length === 0 ? 0 : valueEnd - first);
    setU32le(area, entryAt + OFFSET_E_VALUE_INUM, 0);
    setU32le(area, entryAt + OFFSET_E_VALUE_SIZE, item.value.length);
    setU32le(area, entryAt + OFFSET_E_HASH, 0);
    area.set(item.suffix, entryAt + OFFSET_E_NAME);
    entryAt += round4(ENTRY_HEADER_SIZE + item.suffix.length);
  }
  return area;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Reads the attributes of an in-inode area; an area without the magic has none. */
export function decodeInodeXattrs(area: Uint8Array): Record<string, Uint8Array> {
  const structure = 'ext4 in-inode xattrs';
  const out: Record<string, Uint8Array> = {};
  if (area.length < HEADER_SIZE + TERMINATOR_SIZE || u32le(area, 0) !== XATTR_MAGIC) return out;
  const decoder = new TextDecoder('utf-8');
  const first = HEADER_SIZE;
  let at = first;
  while (at + TERMINATOR_SIZE <= area.length && u32le(area, at) !== 0) {
    if (at + ENTRY_HEADER_SIZE > area.length) {
      throw new FormatError(structure, at, 'entry runs past the inode');
    }
    const nameLen = u8(area, at + OFFSET_E_NAME_LEN);
    const index = u8(area, at + OFFSET_E_NAME_INDEX);
    const offs = u16le(area, at + OFFSET_E_VALUE_OFFS);
    const inum = u32le(area, at + OFFSET_E_VALUE_INUM);
    const size = u32le(area, at + OFFSET_E_VALUE_SIZE);
    const next = at + round4(ENTRY_HEADER_SIZE + nameLen);
    if (next > area.length) throw new FormatError(structure, at, 'name runs past the inode');
    if (inum !== 0) {
      throw new FormatError(structure, at + OFFSET_E_VALUE_INUM, 'value in an EA inode');
    }
    if (first + offs + size > area.length) {
      throw new FormatError(
        structure,
        at + OFFSET_E_VALUE_OFFS,
        `value [${offs}, +${size}) past the inode`,
      );
    }
    const suffix = decoder.decode(area.subarray(at + OFFSET_E_NAME, at + OFFSET_E_NAME + nameLen));
    out[joinName(index, suffix)] = area.slice(first + offs, first + offs + size);
    at = next;
  }
  return out;
}
