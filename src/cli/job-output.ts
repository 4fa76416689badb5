// SPDX-License-Identifier: GPL-3.0-or-later
import { LiveStickError, toWire } from '../shared/errors';
import type { Progress } from '../shared/progress';
import { formatBytes } from '../shared/units';
import type { JobHooks } from '../engine/jobs';
import { EXIT } from './exit-codes';
import { println, type CliIo } from './io';
import { progressLine } from './progress-bar';
import { ask } from './prompt';

/**
 * Asks before a destructive step. Without a terminal the only way to say yes is `--yes`, so a
 * script can never erase a disk by accident.
 */
export async function confirmOrRefuse(
  io: CliIo,
  options: { yes: boolean; question: string; refusal: string; declined: string },
): Promise<void> {
  if (options.yes) return;
  if (!io.stdin.isTTY) {
    throw new LiveStickError(
      'TARGET_REFUSED',
      `${options.refusal}; run on a terminal or add --yes`,
    );
  }
  const answer = await ask(io, `${options.question} Type "yes" to continue: `);
  if (answer.trim() !== 'yes') throw new LiveStickError('CANCELLED', options.declined);
}

export interface JobOutcome {
  readonly summary: readonly string[];
  readonly bytesWritten: number;
  readonly verified: boolean;
}

/**
 * Runs an engine job with the CLI's output conventions: a progress bar on a terminal, phase
 * names otherwise, or with `--json` one object per line (progress events when asked for, then
 * one `{"type":"result",…}`, also on failure, before the error reaches the exit code).
 */
export async function runJob<T extends JobOutcome>(
  io: CliIo,
  options: { json: boolean; jsonProgress: boolean },
  job: (hooks: JobHooks) => Promise<T>,
): Promise<number> {
  const tty = !options.json && io.stdout.isTTY === true;
  let lastPhase = '';
  const onProgress = (progress: Progress): void => {
    if (options.json) {
      if (options.jsonProgress)
        println(io.stdout, JSON.stringify({ type: 'progress', ...progress }));
    } else if (tty) {
      io.stdout.write(`\r${progressLine(progress, io.stdout.columns ?? 80)}`);
    } else if (progress.phase !== lastPhase) {
      println(io.stdout, `${progress.phase}…`);
    }
    lastPhase = progress.phase;
  };
  try {
    const result = await job({ signal: io.signal, onProgress, onLog: () => undefined });
    if (tty) io.stdout.write('\n');
    if (options.json) {
      println(io.stdout, JSON.stringify({ type: 'result', ok: true, ...result }));
    } else {
      for (const line of result.summary) println(io.stdout, line);
      println(
        io.stdout,
        `${formatBytes(result.bytesWritten)} written${result.verified ? ' and verified' : ''}.`,
      );
    }
    return EXIT.OK;
  } catch (error) {
    if (tty) io.stdout.write('\n');
    if (options.json)
      println(io.stdout, JSON.stringify({ type: 'result', ok: false, error: toWire(error) }));
    throw error;
  }
}
