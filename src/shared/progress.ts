// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * One progress shape for the helper, the CLI and the wizard (docs/ARCHITECTURE.md, "Contracts
 * between processes").
 */
export const WRITE_PHASES = ['preparing', 'writing', 'verifying', 'finalizing'] as const;
export type WritePhase = (typeof WRITE_PHASES)[number];

export interface Progress {
  readonly phase: WritePhase;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** Over a sliding window, computed where the bytes move (the helper), not in the UI. */
  readonly speedBps: number;
  /** Null while the speed is not yet known. */
  readonly etaSeconds: number | null;
}

export function progressFraction(progress: Progress): number {
  return progress.bytesTotal > 0 ? Math.min(1, progress.bytesDone / progress.bytesTotal) : 0;
}
