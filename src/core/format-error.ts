// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Raised by pure decoders when bytes do not form the structure they claim to be. It names the
 * structure, the byte offset and what was expected versus seen, so a bug report pinpoints the
 * bad field. Callers at the edge of the engine translate it into a LiveStickError code
 * (usually SOURCE_CORRUPT).
 */
export class FormatError extends Error {
  override readonly name = 'FormatError';
  constructor(
    readonly structure: string,
    readonly offset: number,
    readonly problem: string,
  ) {
    super(`${structure} at byte ${offset}: ${problem}`);
  }
}

/** Throws when a stored checksum does not match the one computed over the structure. */
export function checkChecksum(
  structure: string,
  offset: number,
  stored: number,
  computed: number,
  name = 'checksum',
): void {
  if (stored !== computed) {
    throw new FormatError(
      structure,
      offset,
      `${name} 0x${stored.toString(16)}, computed 0x${computed.toString(16)}`,
    );
  }
}
