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
