// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Verifies an MD5 implanted by isomd5sum's implantisomd5 (what a boot menu's "Test this media"
 * checks), with the same rules as its checkisomd5:
 * - the implanted text lives in the primary volume descriptor's application-use area
 *   ("ISO MD5SUM = <32 hex>;SKIPSECTORS = n;RHLISOSTATUS=…;FRAGMENT SUMS = …;FRAGMENT COUNT = n;");
 * - the hashed range is the volume size from the descriptor's big-endian field minus
 *   SKIPSECTORS × 2048 bytes, read in 32 KiB buffers;
 * - the 512-byte application-use area is hashed as if it held spaces;
 * - with fragment sums, after each buffer that starts in a new fragment the running MD5 is
 *   finalised on a copy, and the first hex digit of each of its first (60 / count) bytes must
 *   match that fragment's characters.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ByteSource } from '../core/byte-source';
import { u32be } from '../core/bytes';
import {
  APPLICATION_USE_SIZE,
  FIRST_DESCRIPTOR_SECTOR,
  OFFSET_APPLICATION_USE,
  SECTOR_SIZE,
  TYPE_PRIMARY,
  TYPE_TERMINATOR,
  MAX_DESCRIPTORS,
} from '../core/iso9660/volume-descriptor';
import { LiveStickError } from '../shared/errors';

const OFFSET_VOLUME_SIZE_BE = 84;
const BUFFER_SIZE = 16 * SECTOR_SIZE;
const FRAGMENT_SUM_SIZE = 60;
const DEFAULT_FRAGMENT_COUNT = 20;

export interface ImplantedMd5 {
  /** Byte offset of the primary volume descriptor. */
  readonly descriptorOffset: number;
  readonly md5: string;
  readonly skipSectors: number;
  readonly fragmentSums: string | null;
  readonly fragmentCount: number;
  /** Volume size from the descriptor, in bytes. */
  readonly isoBytes: number;
}

export interface Md5Progress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface VerifyMd5Options {
  readonly onProgress?: (progress: Md5Progress) => void;
  readonly signal?: AbortSignal;
}

export interface Md5Result {
  readonly ok: boolean;
  readonly expected: string;
  /** Whole-image MD5 as computed; null when a fragment sum failed first. */
  readonly actual: string | null;
  /** 1-based fragment whose sum did not match, or null. */
  readonly failedFragment: number | null;
}

/** Reads the implanted values, or null when the image carries none. */
export async function readImplantedMd5(source: ByteSource): Promise<ImplantedMd5 | null> {
  for (let index = 0; index < MAX_DESCRIPTORS; index++) {
    const offset = (FIRST_DESCRIPTOR_SECTOR + index) * SECTOR_SIZE;
    if (offset + SECTOR_SIZE > source.size) return null;
    const sector = await source.read(offset, SECTOR_SIZE);
    if (sector[0] === TYPE_TERMINATOR) return null;
    if (sector[0] !== TYPE_PRIMARY) continue;
    const area = sector.subarray(
      OFFSET_APPLICATION_USE,
      OFFSET_APPLICATION_USE + APPLICATION_USE_SIZE,
    );
    return parseApplicationUse(area, offset, u32be(sector, OFFSET_VOLUME_SIZE_BE) * SECTOR_SIZE);
  }
  return null;
}

/** Parses the "KEY = value;" text the way checkisomd5 does; MD5 and SKIPSECTORS are required. */
export function parseApplicationUse(
  area: Uint8Array,
  descriptorOffset: number,
  isoBytes: number,
): ImplantedMd5 | null {
  // checkisomd5 treats the area as a C string: the last byte is forced to NUL.
  let text = latin1.decode(area.subarray(0, area.length - 1));
  const nul = text.indexOf('\0');
  if (nul >= 0) text = text.slice(0, nul);
  const md5 = /ISO MD5SUM = ([0-9a-fA-F]{32})/.exec(text)?.[1];
  const skip = /SKIPSECTORS = (\d+);/.exec(text)?.[1];
  if (md5 === undefined || skip === undefined) return null;
  const sums = /FRAGMENT SUMS = ([0-9a-f]{60})/.exec(text)?.[1] ?? null;
  const count = /FRAGMENT COUNT = (\d+);/.exec(text)?.[1];
  return {
    descriptorOffset,
    md5: md5.toLowerCase(),
    skipSectors: Number(skip),
    fragmentSums: sums,
    fragmentCount: count === undefined ? DEFAULT_FRAGMENT_COUNT : Number(count),
    isoBytes,
  };
}

/**
 * Recomputes the implanted MD5 over the whole image (sequential 32 KiB reads). A mismatch is a
 * result, not an error; it throws SOURCE_CORRUPT when nothing is implanted (check
 * LiveImage.implantedMd5 first) or the file is shorter than its descriptor, CANCELLED on abort.
 */
export async function verifyImplantedMd5(
  source: ByteSource,
  options: VerifyMd5Options = {},
): Promise<Md5Result> {
  const implanted = await readImplantedMd5(source);
  if (implanted === null) {
    throw new LiveStickError(
      'SOURCE_CORRUPT',
      'The ISO image carries no implanted MD5 (isomd5sum) to check.',
    );
  }
  const total = implanted.isoBytes - implanted.skipSectors * SECTOR_SIZE;
  if (total <= 0 || implanted.isoBytes > source.size) {
    throw new LiveStickError(
      'SOURCE_CORRUPT',
      'the file is shorter than its volume descriptor says (truncated download?)',
      { volumeBytes: implanted.isoBytes, fileBytes: source.size },
    );
  }
  const fragmentSize = Math.floor(total / (implanted.fragmentCount + 1));
  const fragmentChars =
    implanted.fragmentCount > 0 ? Math.floor(FRAGMENT_SUM_SIZE / implanted.fragmentCount) : 0;
  const checkFragments =
    implanted.fragmentSums !== null && implanted.fragmentCount > 0 && fragmentSize > 0;
  const appStart = implanted.descriptorOffset + OFFSET_APPLICATION_USE;
  const appEnd = appStart + APPLICATION_USE_SIZE;
  const hash = createHash('md5');
  let previousFragment = 0;
  options.onProgress?.({ bytesDone: 0, bytesTotal: total });
  for (let offset = 0; offset < total;) {
    if (options.signal?.aborted)
      throw new LiveStickError('CANCELLED', 'The media check was cancelled.');
    const length = Math.min(BUFFER_SIZE, total - offset);
    let chunk = await source.read(offset, length);
    if (offset < appEnd && offset + length > appStart) {
      chunk = chunk.slice();
      chunk.fill(0x20, Math.max(appStart - offset, 0), Math.min(appEnd - offset, length));
    }
    hash.update(chunk);
    if (checkFragments) {
      const fragment = Math.floor(offset / fragmentSize);
      if (fragment !== previousFragment) {
        if (!fragmentMatches(hash, fragment, fragmentChars, implanted.fragmentSums!)) {
          return { ok: false, expected: implanted.md5, actual: null, failedFragment: fragment };
        }
        previousFragment = fragment;
      }
    }
    offset += length;
    options.onProgress?.({ bytesDone: offset, bytesTotal: total });
  }
  const actual = hash.digest('hex');
  return { ok: actual === implanted.md5, expected: implanted.md5, actual, failedFragment: null };
}

/** A fragment sum character is the first hex digit of a digest byte as printf("%x") writes it. */
function fragmentMatches(hash: Hash, fragment: number, chars: number, sums: string): boolean {
  const digest = hash.copy().digest();
  const start = (fragment - 1) * chars;
  for (let i = 0; i < Math.min(chars, digest.length); i++) {
    if (digest[i]!.toString(16)[0] !== sums[start + i]) return false;
  }
  return true;
}

const latin1 = new TextDecoder('latin1');
