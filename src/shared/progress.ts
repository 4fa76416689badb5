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
