// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * How the helper process ends. Main reads these only when the channel could not tell it more
 * (the helper never connected, or died mid-job); a job's own outcome travels as a `result` or
 * `error` message first.
 */
export const HELPER_EXIT = {
  OK: 0,
  /** The job failed; the classified error was sent. */
  JOB_FAILED: 1,
  /** Wrong command line: a launcher bug. */
  USAGE: 2,
  /** The socket or token file was missing, unsafe, or refused the connection. */
  CHANNEL_FAILED: 3,
  /** Main accepted the connection but sent no job in time. */
  NO_JOB: 4,
  /** Main sent something that is not a valid job message. */
  BAD_JOB: 5,
  /** The target checks refused the job before anything was written. */
  TARGET_REFUSED: 6,
  /** The channel closed mid-job: main exited or was killed. The job was aborted. */
  PARENT_GONE: 7,
  CANCELLED: 130,
} as const;

export type HelperExitCode = (typeof HELPER_EXIT)[keyof typeof HELPER_EXIT];

export function describeHelperExit(code: number | null, signal: string | null): string {
  if (signal) return `the helper was killed by ${signal}`;
  const name = Object.entries(HELPER_EXIT).find(([, value]) => value === code)?.[0];
  return name ? `the helper exited with ${name} (${code})` : `the helper exited with code ${code}`;
}
