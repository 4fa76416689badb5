// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * GUIDs as GPT stores them. The text form is big-endian throughout, but on disk the first three
 * groups are little-endian and the last two stay in text order ("mixed endian"). This module is
 * the only place that knows it; everything else passes canonical upper-case strings around.
 */
import { FormatError } from '../format-error';

export const GUID_SIZE = 16;

/** Microsoft basic data: what Windows, macOS and Linux all mount as a plain FAT partition. */
export const GPT_TYPE_MICROSOFT_BASIC_DATA = 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7';
export const GUID_ZERO = '00000000-0000-0000-0000-000000000000';

const GUID_PATTERN = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/i;

/** Text position of each on-disk byte: the first three groups reversed, the rest as written. */
const DISK_TO_TEXT_BYTE = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15] as const;

function textBytes(guid: string): number[] {
  if (!GUID_PATTERN.test(guid)) throw new RangeError(`not a GUID: "${guid}"`);
  const digits = guid.replace(/-/g, '');
  return Array.from({ length: GUID_SIZE }, (_, i) => parseInt(digits.slice(i * 2, i * 2 + 2), 16));
}

function formatText(text: readonly number[]): string {
  const digits = text
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
  return [8, 12, 16, 20, 32]
    .map((end, i, ends) => digits.slice(i === 0 ? 0 : ends[i - 1], end))
    .join('-');
}

export function isGuid(text: string): boolean {
  return GUID_PATTERN.test(text);
}

/** The 16 on-disk bytes of a GUID given in text form. */
export function encodeGuid(guid: string): Uint8Array {
  const text = textBytes(guid);
  return Uint8Array.from(DISK_TO_TEXT_BYTE, (textIndex) => text[textIndex]!);
}

/** The canonical upper-case text form of the 16 bytes at `offset`. */
export function decodeGuid(bytes: Uint8Array, offset = 0): string {
  if (offset < 0 || offset + GUID_SIZE > bytes.length) {
    throw new FormatError(
      'GUID',
      offset,
      `needs ${GUID_SIZE} bytes, ${bytes.length - offset} left`,
    );
  }
  const text = new Array<number>(GUID_SIZE);
  DISK_TO_TEXT_BYTE.forEach((textIndex, diskIndex) => {
    text[textIndex] = bytes[offset + diskIndex]!;
  });
  return formatText(text);
}

/** A random (version 4, RFC 4122 variant) GUID from the caller's random source. */
export function randomGuid(random: (n: number) => Uint8Array): string {
  const bytes = random(GUID_SIZE);
  if (bytes.length !== GUID_SIZE) {
    throw new RangeError(`random(${GUID_SIZE}) returned ${bytes.length} bytes`);
  }
  const text = Array.from(bytes);
  text[6] = (text[6]! & 0x0f) | 0x40;
  text[8] = (text[8]! & 0x3f) | 0x80;
  return formatText(text);
}
