// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The Zstandard frame header (RFC 8878 §3.1.1.1), read for what it declares before any data is
 * decoded: the decoded size (Frame_Content_Size) and the window, so a corrupt header cannot make
 * the decoder allocate more than the caller allows.
 */
import { u16le, u32le, u64le, u8 } from '../bytes';
import { FormatError } from '../format-error';

export const ZSTD_MAGIC = 0xfd2fb528;
const OFFSET_DESCRIPTOR = 4;
const DESCRIPTOR_RESERVED_BIT = 0x08;
const DICTIONARY_ID_BYTES = [0, 1, 2, 4] as const;
/** Frame_Content_Size field bytes by its flag; flag 0 means 1 byte with Single_Segment, else none. */
const CONTENT_SIZE_BYTES = [0, 2, 4, 8] as const;
/** A 2-byte Frame_Content_Size is stored minus 256. */
const TWO_BYTE_CONTENT_SIZE_BIAS = 256;
const MIN_WINDOW_LOG = 10;

export interface ZstdFrameHeader {
  /** Decoded bytes the frame declares, or null when it does not say. */
  readonly contentSize: number | null;
  /** Bytes of history the decoder must keep (the content size for single-segment frames). */
  readonly windowBytes: number;
  readonly hasChecksum: boolean;
  /** Length of the header, magic included. */
  readonly headerBytes: number;
}

export function decodeZstdFrameHeader(bytes: Uint8Array): ZstdFrameHeader {
  const S = 'zstd frame header';
  if (bytes.length < OFFSET_DESCRIPTOR + 1)
    throw new FormatError(S, 0, `only ${bytes.length} bytes`);
  const magic = u32le(bytes, 0);
  if (magic !== ZSTD_MAGIC) {
    throw new FormatError(S, 0, `magic 0x${magic.toString(16)}, expected 0xfd2fb528`);
  }
  const descriptor = u8(bytes, OFFSET_DESCRIPTOR);
  if (descriptor & DESCRIPTOR_RESERVED_BIT) {
    throw new FormatError(S, OFFSET_DESCRIPTOR, 'reserved descriptor bit set');
  }
  const contentSizeFlag = descriptor >>> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  const hasChecksum = (descriptor & 0x04) !== 0;
  const dictionaryIdBytes = DICTIONARY_ID_BYTES[descriptor & 0x03]!;
  const contentSizeBytes =
    contentSizeFlag === 0 ? (singleSegment ? 1 : 0) : CONTENT_SIZE_BYTES[contentSizeFlag]!;
  let at = OFFSET_DESCRIPTOR + 1;
  const headerBytes = at + (singleSegment ? 0 : 1) + dictionaryIdBytes + contentSizeBytes;
  if (bytes.length < headerBytes) {
    throw new FormatError(S, 0, `${headerBytes}-byte header in ${bytes.length} bytes`);
  }
  let windowBytes = 0;
  if (!singleSegment) {
    const window = u8(bytes, at++);
    const base = 2 ** (MIN_WINDOW_LOG + (window >>> 3));
    windowBytes = base + (base / 8) * (window & 0x07);
  }
  at += dictionaryIdBytes;
  let contentSize: number | null = null;
  if (contentSizeBytes === 1) contentSize = u8(bytes, at);
  else if (contentSizeBytes === 2) contentSize = u16le(bytes, at) + TWO_BYTE_CONTENT_SIZE_BIAS;
  else if (contentSizeBytes === 4) contentSize = u32le(bytes, at);
  else if (contentSizeBytes === 8) {
    const size = u64le(bytes, at);
    if (size > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new FormatError(S, at, `content size ${size} is out of range`);
    }
    contentSize = Number(size);
  }
  if (singleSegment) windowBytes = contentSize!;
  return { contentSize, windowBytes, hasChecksum, headerBytes };
}
