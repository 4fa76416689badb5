// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * One progress shape for the helper, the CLI and the wizard (docs/ARCHITECTURE.md, "Contracts
 * between processes").
 */
export const WRITE_PHASES = ['preparing', 'writing', 'verifying', 'finalizing'] as const;
export type WritePhase = (typeof WRITE_PHASES)[number];

/** A Fedora download: fetching and checking the catalog and CHECKSUM, the bytes, the SHA-256. */
export const DOWNLOAD_PHASES = ['preparing', 'downloading', 'verifying'] as const;
export type DownloadPhase = (typeof DOWNLOAD_PHASES)[number];

export interface Progress<Phase extends string = WritePhase> {
  readonly phase: Phase;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** Over a sliding window, computed where the bytes move (the helper), not in the UI. */
  readonly speedBps: number;
  /** Null while the speed is not yet known. */
  readonly etaSeconds: number | null;
}

export type DownloadProgress = Progress<DownloadPhase>;

export function progressFraction(progress: Progress<string>): number {
  return progress.bytesTotal > 0 ? Math.min(1, progress.bytesDone / progress.bytesTotal) : 0;
}

/**
 * How far a whole write is, across its phases, weighted by bytes: writing and reading back each
 * move the same bytes, so with verification on each is half of the bar. Null while preparing,
 * when no byte has moved yet and the amount still to move is unknown (an indeterminate bar).
 */
export function overallWriteFraction(
  progress: Progress,
  options: { readonly verify: boolean },
): number | null {
  const phaseFraction = progressFraction(progress);
  switch (progress.phase) {
    case 'preparing':
      return null;
    case 'writing':
      return options.verify ? phaseFraction / 2 : phaseFraction;
    case 'verifying':
      return 0.5 + phaseFraction / 2;
    case 'finalizing':
      return 1;
  }
}
