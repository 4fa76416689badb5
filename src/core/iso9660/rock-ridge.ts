// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * SUSP (IEEE P1281) entries in a directory record's system use area, and the Rock Ridge (RRIP,
 * IEEE P1282) ones we need: NM (real name), PX (mode), SL (symlink target), CL/RE (relocated
 * deep directories), CE (continuation area) and SP/ST (framing).
 */
import { u32be, u32le, u8 } from '../bytes';
import { FormatError } from '../format-error';

const OFFSET_SIGNATURE = 0;
const OFFSET_ENTRY_LENGTH = 2;
const ENTRY_HEADER = 4;

const SP_CHECK_1 = 0xbe;
const SP_CHECK_2 = 0xef;
const SP_LENGTH = 7;
const OFFSET_SP_SKIP = 6;
const CE_LENGTH = 28;
const OFFSET_CE_BLOCK = 4;
const OFFSET_CE_OFFSET = 12;
const OFFSET_CE_LENGTH = 20;
const OFFSET_NM_FLAGS = 4;
const OFFSET_NM_NAME = 5;
const NM_CONTINUE = 0x01;
const NM_CURRENT = 0x02;
const NM_PARENT = 0x04;
const OFFSET_PX_MODE = 4;
const PX_MIN_LENGTH = 36;
const OFFSET_SL_COMPONENTS = 5;
const SL_COMPONENT_CONTINUE = 0x01;
const SL_COMPONENT_CURRENT = 0x02;
const SL_COMPONENT_PARENT = 0x04;
const SL_COMPONENT_ROOT = 0x08;
const OFFSET_CL_BLOCK = 4;
const CL_LENGTH = 12;

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

const latin1 = new TextDecoder('latin1');

export interface Continuation {
  readonly block: number;
  readonly offset: number;
  readonly length: number;
}

/** What one record's SUSP entries say, accumulated across its continuation areas. */
export interface RockRidgeInfo {
  /** NM name bytes joined over CONTINUE entries; null when no NM entry was seen. */
  name: string | null;
  nameParts: Uint8Array[];
  nameComplete: boolean;
  mode: number | null;
  /** Symlink target, or null. */
  symlink: string | null;
  symlinkParts: string[];
  symlinkPending: string;
  /** CL: this entry stands for a directory relocated to this block. */
  childLink: number | null;
  /** RE: this directory is the relocated copy and must be hidden where it physically sits. */
  relocated: boolean;
  /** SP in the root's "." record: bytes to skip at the start of every system use area. */
  spSkip: number | null;
}

export function emptyRockRidgeInfo(): RockRidgeInfo {
  return {
    name: null,
    nameParts: [],
    nameComplete: false,
    mode: null,
    symlink: null,
    symlinkParts: [],
    symlinkPending: '',
    childLink: null,
    relocated: false,
    spSkip: null,
  };
}

/**
 * Parses one system use area (or continuation area) into `info`; returns the CE continuation
 * to read next, if any. `at` is the area's absolute offset, for error messages.
 */
export function parseSystemUse(
  area: Uint8Array,
  info: RockRidgeInfo,
  at: number,
): Continuation | null {
  let continuation: Continuation | null = null;
  let offset = 0;
  // Fewer than 4 bytes left is padding (some writers leave a stray byte).
  while (offset + ENTRY_HEADER <= area.length) {
    const sig1 = u8(area, offset + OFFSET_SIGNATURE);
    const sig2 = u8(area, offset + OFFSET_SIGNATURE + 1);
    const length = u8(area, offset + OFFSET_ENTRY_LENGTH);
    if (sig1 === 0 && sig2 === 0) break;
    if (length < ENTRY_HEADER || offset + length > area.length) {
      throw new FormatError('SUSP entry', at + offset, `entry length ${length} does not fit`);
    }
    const entry = area.subarray(offset, offset + length);
    const signature = String.fromCharCode(sig1, sig2);
    switch (signature) {
      case 'ST':
        return continuation;
      case 'SP':
        if (length >= SP_LENGTH && u8(entry, 4) === SP_CHECK_1 && u8(entry, 5) === SP_CHECK_2) {
          info.spSkip = u8(entry, OFFSET_SP_SKIP);
        }
        break;
      case 'CE':
        if (length < CE_LENGTH)
          throw new FormatError('SUSP CE entry', at + offset, `length ${length}`);
        continuation = {
          block: u32le(entry, OFFSET_CE_BLOCK),
          offset: u32le(entry, OFFSET_CE_OFFSET),
          length: u32le(entry, OFFSET_CE_LENGTH),
        };
        break;
      case 'NM':
        parseName(entry, info, at + offset);
        break;
      case 'PX':
        if (length < PX_MIN_LENGTH)
          throw new FormatError('RRIP PX entry', at + offset, `length ${length}`);
        if (u32le(entry, OFFSET_PX_MODE) !== u32be(entry, OFFSET_PX_MODE + 4)) {
          throw new FormatError('RRIP PX entry', at + offset, 'both-endian mode fields differ');
        }
        info.mode = u32le(entry, OFFSET_PX_MODE);
        break;
      case 'SL':
        parseSymlink(entry, info, at + offset);
        break;
      case 'CL':
        if (length < CL_LENGTH)
          throw new FormatError('RRIP CL entry', at + offset, `length ${length}`);
        info.childLink = u32le(entry, OFFSET_CL_BLOCK);
        break;
      case 'RE':
        info.relocated = true;
        break;
      default:
        // ER, ES, PN, TF, RR, AL (xorriso's AAIP) and others say nothing we use.
        break;
    }
    offset += length;
  }
  return continuation;
}

/** Completes `info` after the last area: joins multi-entry names and symlinks. */
export function finishRockRidge(info: RockRidgeInfo): void {
  if (info.nameParts.length > 0) {
    let total = 0;
    for (const part of info.nameParts) total += part.length;
    const joined = new Uint8Array(total);
    let at = 0;
    for (const part of info.nameParts) {
      joined.set(part, at);
      at += part.length;
    }
    info.name = decodeName(joined);
  }
  if (info.symlinkParts.length > 0 || info.symlinkPending !== '') {
    const parts =
      info.symlinkPending === '' ? info.symlinkParts : [...info.symlinkParts, info.symlinkPending];
    info.symlink = parts[0] === '' ? `/${parts.slice(1).join('/')}` : parts.join('/');
  }
}

export function isSymlinkMode(mode: number | null): boolean {
  return mode !== null && (mode & S_IFMT) === S_IFLNK;
}

export function isDirectoryMode(mode: number | null): boolean {
  return mode !== null && (mode & S_IFMT) === S_IFDIR;
}

function parseName(entry: Uint8Array, info: RockRidgeInfo, at: number): void {
  if (entry.length < OFFSET_NM_NAME)
    throw new FormatError('RRIP NM entry', at, `length ${entry.length}`);
  const flags = u8(entry, OFFSET_NM_FLAGS);
  // "." and ".." flags describe the special records, whose names we never use.
  if ((flags & (NM_CURRENT | NM_PARENT)) !== 0 || info.nameComplete) return;
  info.nameParts.push(entry.subarray(OFFSET_NM_NAME));
  if ((flags & NM_CONTINUE) === 0) info.nameComplete = true;
}

function parseSymlink(entry: Uint8Array, info: RockRidgeInfo, at: number): void {
  if (entry.length < OFFSET_SL_COMPONENTS)
    throw new FormatError('RRIP SL entry', at, `length ${entry.length}`);
  let offset = OFFSET_SL_COMPONENTS;
  while (offset + 2 <= entry.length) {
    const flags = u8(entry, offset);
    const length = u8(entry, offset + 1);
    if (offset + 2 + length > entry.length) {
      throw new FormatError('RRIP SL component', at + offset, `length ${length} does not fit`);
    }
    let text: string;
    if (flags & SL_COMPONENT_ROOT) text = '';
    else if (flags & SL_COMPONENT_PARENT) text = '..';
    else if (flags & SL_COMPONENT_CURRENT) text = '.';
    else text = decodeName(entry.subarray(offset + 2, offset + 2 + length));
    info.symlinkPending += text;
    if ((flags & SL_COMPONENT_CONTINUE) === 0) {
      info.symlinkParts.push(info.symlinkPending);
      info.symlinkPending = '';
    }
    offset += 2 + length;
  }
}

/** Rock Ridge names are bytes; Linux tools write UTF-8, older ones Latin-1. */
function decodeName(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}
