// SPDX-License-Identifier: GPL-3.0-or-later
import { PHASE_NAMES } from '../shared/messages';
import {
  progressFraction,
  type DownloadPhase,
  type Progress,
  type WritePhase,
} from '../shared/progress';
import { formatBytes, formatDuration } from '../shared/units';

export type AnyPhase = WritePhase | DownloadPhase;

/** One terminal line: "Writing   [#######-------]  48%  31.2 MB/s  1 min 05 s left". */
export function progressLine(progress: Progress<AnyPhase>, columns: number): string {
  const percent = `${Math.floor(progressFraction(progress) * 100)}%`.padStart(4);
  const speed = progress.speedBps > 0 ? `${formatBytes(progress.speedBps)}/s` : '';
  const eta = progress.etaSeconds !== null ? `${formatDuration(progress.etaSeconds)} left` : '';
  const tail = [percent, speed, eta].filter(Boolean).join('  ');
  const name = PHASE_NAMES[progress.phase].padEnd(10);
  const width = Math.max(10, Math.min(40, columns - name.length - tail.length - 6));
  const filled = Math.round(progressFraction(progress) * width);
  return `${name}[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]  ${tail}`;
}
