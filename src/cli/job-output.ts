// SPDX-License-Identifier: GPL-3.0-or-later
import { LiveStickError, toWire } from '../shared/errors';
import type { Progress } from '../shared/progress';
import { formatBytes } from '../shared/units';
import type { JobHooks } from '../engine/jobs';
import { EXIT } from './exit-codes';
import { println, type CliIo } from './io';
import { progressLine, type AnyPhase } from './progress-bar';
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

export interface ProgressPrinter {
  onProgress(progress: Progress<AnyPhase>): void;
  /** Ends the terminal's progress line before anything else is printed. */
  finish(): void;
}

/**
 * The CLI's progress conventions: a progress bar on a terminal, phase names otherwise, or with
 * `--json` one `{"type":"progress",…}` object per line when asked for.
 */
export function progressPrinter(
  io: CliIo,
  options: { json: boolean; jsonProgress: boolean },
): ProgressPrinter {
  const tty = !options.json && io.stdout.isTTY === true;
  let lastPhase = '';
  return {
    onProgress(progress) {
      if (options.json) {
        if (options.jsonProgress)
          println(io.stdout, JSON.stringify({ type: 'progress', ...progress }));
      } else if (tty) {
        io.stdout.write(`\r${progressLine(progress, io.stdout.columns ?? 80)}`);
      } else if (progress.phase !== lastPhase) {
        println(io.stdout, `${progress.phase}…`);
      }
      lastPhase = progress.phase;
    },
    finish() {
      if (tty && lastPhase !== '') io.stdout.write('\n');
      lastPhase = '';
    },
  };
}

/**
 * Runs an engine job with the CLI's output conventions (see progressPrinter); with `--json` the
 * last line is one `{"type":"result",…}`, also on failure, before the error reaches the exit
 * code.
 */
export async function runJob<T extends JobOutcome>(
  io: CliIo,
  options: { json: boolean; jsonProgress: boolean },
  job: (hooks: JobHooks) => Promise<T>,
): Promise<number> {
  const printer = progressPrinter(io, options);
  try {
    const result = await job({
      signal: io.signal,
      onProgress: (progress) => printer.onProgress(progress),
      onLog: () => undefined,
    });
    printer.finish();
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
    printer.finish();
    if (options.json)
      println(io.stdout, JSON.stringify({ type: 'result', ok: false, error: toWire(error) }));
    throw error;
  }
}
