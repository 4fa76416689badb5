// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Linux swap area header, version 1 ("SWAPSPACE2"), as `mkswap` writes it into /LiveOS/swap.img.
 * livesys runs `swapon` on that file at boot (docs/FORMATS.md, "At boot: dracut and livesys"), so the only thing the stick needs
 * is this one page; the rest of the file is never read before the kernel writes to it.
 *
 * Layout of the first page (util-linux include/swapheader.h): bytes 0–1023 are
 * left for a boot sector and must be zero, the v1 fields follow at 1024, and the magic takes the
 * last 10 bytes of the page. The u32 fields are in the kernel's byte order; every Fedora live
 * target is x86_64 or aarch64, both little endian, so they are written little endian.
 */
import { bytesExtent, zeroExtent, type Extent } from '../extent';
import { asciiBytes, equalBytes, setU32le, u32le } from '../bytes';
import { FormatError } from '../format-error';

export const SWAP_BOOTBITS_SIZE = 1024;
export const OFFSET_VERSION = 1024;
export const OFFSET_LAST_PAGE = 1028;
export const OFFSET_NR_BADPAGES = 1032;
export const OFFSET_UUID = 1036;
export const OFFSET_LABEL = 1052;
export const SIZE_UUID = 16;
export const SIZE_LABEL = 16;
/** mkswap keeps the label NUL-terminated inside its 16-byte field, so 15 bytes is the most it writes. */
export const MAX_LABEL_BYTES = SIZE_LABEL - 1;
export const SWAP_VERSION = 1;
export const SWAP_MAGIC = 'SWAPSPACE2';
/** The pre-2.2 format's magic; its page is a bad-page bitmap and no current kernel accepts it. */
const SWAP_MAGIC_V0 = 'SWAP-SPACE';
export const DEFAULT_PAGE_BYTES = 4096;
/** mkswap refuses areas with fewer usable pages than this (util-linux MIN_GOODPAGES). */
export const MIN_SWAP_PAGES = 10;
/** Page sizes libblkid probes for the magic; the kernel's page size decides which one is real. */
const PAGE_SIZES = [4096, 8192, 16384, 32768, 65536] as const;

export interface SwapHeader {
  readonly version: number;
  /** Index of the last usable page: pages − 1. */
  readonly lastPage: number;
  readonly badPages: number;
  readonly uuid: Uint8Array;
  /** Empty when none. */
  readonly label: string;
  /** Page size the magic was found for. */
  readonly pageBytes: number;
}

export interface SwapHeaderOptions {
  readonly sizeBytes: number;
  /** 16 bytes in the order they print (RFC 4122 text order), as `mkswap -U` stores them. */
  readonly uuid: Uint8Array;
  /** At most 15 bytes of UTF-8. */
  readonly label?: string;
  readonly pageBytes?: number;
}

const MAGIC_BYTES = asciiBytes(SWAP_MAGIC);
const MAGIC_V0_BYTES = asciiBytes(SWAP_MAGIC_V0);

/** The first page of a swap area of `sizeBytes`; identical to what `mkswap -U uuid -L label` writes. */
export function encodeSwapHeader(options: SwapHeaderOptions): Uint8Array {
  const pageBytes = options.pageBytes ?? DEFAULT_PAGE_BYTES;
  if (!(PAGE_SIZES as readonly number[]).includes(pageBytes)) {
    throw new RangeError(`swap page size ${pageBytes} is not one of ${PAGE_SIZES.join(', ')}`);
  }
  if (!Number.isSafeInteger(options.sizeBytes) || options.sizeBytes < 0) {
    throw new RangeError(`swap size ${options.sizeBytes} is not a byte count`);
  }
  const pages = Math.floor(options.sizeBytes / pageBytes);
  if (pages < MIN_SWAP_PAGES) {
    throw new RangeError(
      `swap area of ${options.sizeBytes} bytes has ${pages} pages; at least ${MIN_SWAP_PAGES} are needed`,
    );
  }
  if (pages - 1 > 0xffffffff) {
    throw new RangeError(`swap area of ${pages} pages does not fit the 32-bit last_page field`);
  }
  if (options.uuid.length !== SIZE_UUID) {
    throw new RangeError(`swap UUID must be ${SIZE_UUID} bytes, got ${options.uuid.length}`);
  }
  const label = new TextEncoder().encode(options.label ?? '');
  if (label.length > MAX_LABEL_BYTES) {
    throw new RangeError(
      `swap label "${options.label}" is ${label.length} bytes; at most ${MAX_LABEL_BYTES}`,
    );
  }

  const page = new Uint8Array(pageBytes);
  setU32le(page, OFFSET_VERSION, SWAP_VERSION);
  setU32le(page, OFFSET_LAST_PAGE, pages - 1);
  setU32le(page, OFFSET_NR_BADPAGES, 0);
  page.set(options.uuid, OFFSET_UUID);
  page.set(label, OFFSET_LABEL);
  page.set(MAGIC_BYTES, pageBytes - MAGIC_BYTES.length);
  return page;
}

/**
 * Reads a v1 swap header from the start of an area. `bytes` must hold at least the first page;
 * the page size is the one whose last 10 bytes carry the magic.
 */
export function decodeSwapHeader(bytes: Uint8Array): SwapHeader {
  if (bytes.length < PAGE_SIZES[0]) {
    throw new FormatError(
      'swap header',
      0,
      `need at least ${PAGE_SIZES[0]} bytes, got ${bytes.length}`,
    );
  }
  let pageBytes = 0;
  for (const size of PAGE_SIZES) {
    if (size > bytes.length) break;
    const at = size - MAGIC_BYTES.length;
    const magic = bytes.subarray(at, size);
    if (equalBytes(magic, MAGIC_BYTES)) {
      pageBytes = size;
      break;
    }
    if (equalBytes(magic, MAGIC_V0_BYTES)) {
      throw new FormatError('swap header', at, 'version 0 swap area (SWAP-SPACE) is not supported');
    }
  }
  if (pageBytes === 0) {
    throw new FormatError(
      'swap header',
      PAGE_SIZES[0] - MAGIC_BYTES.length,
      `expected magic "${SWAP_MAGIC}" at the end of a ${PAGE_SIZES.join('/')}-byte page, found none`,
    );
  }
  const version = u32le(bytes, OFFSET_VERSION);
  if (version !== SWAP_VERSION) {
    throw new FormatError(
      'swap header',
      OFFSET_VERSION,
      `expected version ${SWAP_VERSION} (little endian), got 0x${version.toString(16)}`,
    );
  }
  const labelBytes = bytes.subarray(OFFSET_LABEL, OFFSET_LABEL + SIZE_LABEL);
  const end = labelBytes.indexOf(0);
  return {
    version,
    lastPage: u32le(bytes, OFFSET_LAST_PAGE),
    badPages: u32le(bytes, OFFSET_NR_BADPAGES),
    uuid: bytes.slice(OFFSET_UUID, OFFSET_UUID + SIZE_UUID),
    label: new TextDecoder().decode(end < 0 ? labelBytes : labelBytes.subarray(0, end)),
    pageBytes,
  };
}

export interface SwapFilePlanOptions extends SwapHeaderOptions {
  /** Also zero the rest of the file (privacy); otherwise only the header page is written. */
  readonly zeroFill?: boolean;
}

/** The writes that turn an allocated file of `sizeBytes` into a swap area; offsets are file-relative. */
export function planSwapFile(options: SwapFilePlanOptions): Extent[] {
  const header = encodeSwapHeader(options);
  const extents = [bytesExtent(0, header, 'swap.img header')];
  if (options.zeroFill && options.sizeBytes > header.length) {
    extents.push(
      zeroExtent(header.length, options.sizeBytes - header.length, 'swap.img zero fill'),
    );
  }
  return extents;
}
