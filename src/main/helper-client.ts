// SPDX-License-Identifier: GPL-3.0-or-later
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { HELPER_EXIT, describeHelperExit } from '../helper/exit-codes';
import {
  PROTOCOL_VERSION,
  type JobMessage,
  type JobResults,
  type ResultMessage,
} from '../helper/protocol';
import { LiveStickError, fromWire } from '../shared/errors';
import type { Progress } from '../shared/progress';
import {
  isRoot,
  launchDirect,
  launchElevated,
  type HelperExit,
  type LaunchSpec,
  type LaunchedHelper,
} from './elevate';
import { openHelperChannel, type HelperConnection } from './helper-channel';

/**
 * Runs one job in a helper process and turns its messages into callbacks and one outcome. The
 * lifecycle rules: the helper is started only after the channel listens; cancel is a message
 * (an elevated helper cannot be signalled), and if the helper has not ended 2 s later we drop
 * the channel, which the helper treats as "parent gone" and aborts on its own.
 */
export interface HelperLocation {
  /** The runtime: Electron's binary (run as Node) or Node itself in tests and the bridge. */
  readonly executable: string;
  /** dist/helper/helper.cjs, or its copy outside an AppImage's FUSE mount. */
  readonly script: string;
  /** Electron builds need ELECTRON_RUN_AS_NODE=1 so the binary acts as Node. */
  readonly runAsNode: boolean;
  /** Copy the script next to the socket first: root cannot read a user's FUSE mount. */
  readonly copyScript: boolean;
}

export interface PackagingFacts {
  readonly execPath: string;
  /** Electron's process.resourcesPath, when packaged. */
  readonly resourcesPath: string | null;
  /** $APPIMAGE: the AppImage file, when running from one. */
  readonly appImage: string | null;
  /** Where unpackaged builds find dist/ (the directory of dist/main/main.cjs). */
  readonly distDir: string;
  readonly isElectron: boolean;
}

/**
 * Where the helper is and what runs it. Packaged builds ship it outside the asar archive
 * (electron-builder extraResources → resources/helper/helper.cjs). An AppImage's files live on a
 * FUSE mount only its user can read, so for an elevated run the script is copied into the
 * channel directory and the AppImage file itself is the executable: root mounts its own copy
 * and the runtime execs Electron, which ELECTRON_RUN_AS_NODE turns into Node.
 */
export function locateHelper(facts: PackagingFacts): HelperLocation {
  const script = facts.resourcesPath
    ? path.join(facts.resourcesPath, 'helper', 'helper.cjs')
    : path.join(facts.distDir, 'helper', 'helper.cjs');
  return {
    executable: facts.appImage ?? facts.execPath,
    script,
    runAsNode: facts.isElectron,
    copyScript: facts.appImage !== null,
  };
}

export interface HelperJobCallbacks {
  onProgress(progress: Progress): void;
  onLog(message: string): void;
}

export interface HelperJob<Result> {
  /** The job's result, checked against its schema; rejects with a LiveStickError. */
  readonly outcome: Promise<Result>;
  /** Asks the helper to stop; resolves when it has ended (at most ~2 s). */
  cancel(): Promise<void>;
}

/** Cancel and parent-death budget of the issue: the helper is gone within this. */
export const HELPER_STOP_BUDGET_MS = 2_000;

export interface StartHelperJobOptions<Message extends JobMessage = JobMessage> {
  readonly location: HelperLocation;
  readonly message: Message;
  /** Raw devices need administrator rights unless main already has them. */
  readonly elevate: boolean;
  readonly callbacks: HelperJobCallbacks;
  /** Replaces the real launchers (tests). */
  readonly launch?: (spec: LaunchSpec, elevate: boolean) => LaunchedHelper;
}

type MessageOf<T extends JobMessage['type']> = Extract<JobMessage, { type: T }>;

export function startWriteJob(
  options: StartHelperJobOptions<MessageOf<'write'>>,
): HelperJob<JobResults['write']> {
  return runHelperJob(options, (answer) => (answer.job === 'write' ? answer.result : null));
}

export function startInspectJob(
  options: StartHelperJobOptions<MessageOf<'inspect'>>,
): HelperJob<JobResults['inspect']> {
  return runHelperJob(options, (answer) => (answer.job === 'inspect' ? answer.result : null));
}

/** A maintenance job's answer must also name the action that was asked for. */
export function startMaintainJob(
  options: StartHelperJobOptions<MessageOf<'maintain'>>,
): HelperJob<JobResults['maintain']> {
  const { action } = options.message.job;
  return runHelperJob(options, (answer) =>
    answer.job === 'maintain' && answer.result.action === action ? answer.result : null,
  );
}

/** Any job, for callers that hold a job message of either kind (the helper's own tests). */
export function startHelperJob(
  options: StartHelperJobOptions,
): HelperJob<JobResults[keyof JobResults]> {
  const { message } = options;
  switch (message.type) {
    case 'write':
      return startWriteJob({ ...options, message });
    case 'inspect':
      return startInspectJob({ ...options, message });
    case 'maintain':
      return startMaintainJob({ ...options, message });
  }
}

/**
 * `accept` picks the job's result out of the helper's answer: the answer was checked against its
 * job's schema on arrival (src/helper/protocol.ts); an answer to another job is refused.
 */
function runHelperJob<Result>(
  options: StartHelperJobOptions,
  accept: (answer: ResultMessage) => Result | null,
): HelperJob<Result> {
  const cancelRequested = new AbortController();
  let ended: Promise<void> = Promise.resolve();
  const outcome = (async () => {
    const channel = await openHelperChannel();
    try {
      let script = options.location.script;
      if (options.location.copyScript) {
        script = path.join(channel.dir, 'helper.cjs');
        await copyFile(options.location.script, script);
      }
      const spec: LaunchSpec = {
        executable: options.location.executable,
        args: [script, ...channel.helperArgs],
        env: helperEnvironment(options.location, options.elevate),
      };
      const launch =
        options.launch ??
        ((s: LaunchSpec, elevate: boolean) =>
          elevate && !isRoot() ? launchElevated(s) : launchDirect(s));
      const helper = launch(spec, options.elevate);
      ended = helper.exited.then(() => undefined);
      const accepting = new AbortController();
      const connection = await Promise.race([
        channel.accept(accepting.signal),
        helper.exited.then((exit) => {
          throw launchFailure(exit);
        }),
        abortedPromise(cancelRequested.signal).then(() => {
          throw new LiveStickError('CANCELLED', 'The write was cancelled before it started.');
        }),
      ]).finally(() => accepting.abort());
      return await converse(connection, helper, options, accept, cancelRequested.signal);
    } finally {
      await channel.close();
    }
  })();
  return {
    outcome,
    cancel: async () => {
      cancelRequested.abort();
      await Promise.race([
        outcome.then(
          () => undefined,
          () => undefined,
        ),
        sleep(HELPER_STOP_BUDGET_MS + 500),
      ]);
      await Promise.race([ended, sleep(500)]);
    },
  };
}

/**
 * pkexec and sudo start from a clean environment, so the helper gets exactly what it needs.
 * Unelevated, it keeps PATH and locale so it finds udisksctl and words errors as the user's.
 */
function helperEnvironment(location: HelperLocation, elevate: boolean): Record<string, string> {
  const env: Record<string, string> = {};
  if (!elevate) {
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && !key.startsWith('ELECTRON_')) env[key] = value;
    }
  }
  if (location.runAsNode) env.ELECTRON_RUN_AS_NODE = '1';
  // sudo-prompt refuses an empty env object.
  if (Object.keys(env).length === 0) env.LIVESTICK_HELPER = '1';
  return env;
}

function launchFailure(exit: HelperExit): LiveStickError {
  if (exit.kind === 'launch-failed') return exit.error;
  if (exit.code === HELPER_EXIT.CHANNEL_FAILED) {
    return new LiveStickError(
      'INTERNAL',
      'The helper could not reach LiveStick over its private channel.',
    );
  }
  return new LiveStickError(
    'INTERNAL',
    `The helper ended before it connected: ${describeHelperExit(exit.code, exit.signal)}.`,
  );
}

function converse<Result>(
  connection: HelperConnection,
  helper: LaunchedHelper,
  options: StartHelperJobOptions,
  accept: (answer: ResultMessage) => Result | null,
  cancelRequested: AbortSignal,
): Promise<Result> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (action: () => void): void => {
      if (settled) return;
      settled = true;
      action();
    };
    connection.onMessage((message) => {
      switch (message.type) {
        case 'progress':
          options.callbacks.onProgress(message.progress);
          break;
        case 'log':
          options.callbacks.onLog(message.message);
          break;
        case 'result': {
          const result = accept(message);
          settle(() =>
            result === null
              ? reject(
                  new LiveStickError(
                    'INTERNAL',
                    `The helper's ${message.job} result does not answer the ${options.message.type} job it was given.`,
                  ),
                )
              : resolve(result),
          );
          break;
        }
        case 'error':
          settle(() => reject(fromWire(message.error)));
          break;
        case 'hello':
          settle(() => reject(new LiveStickError('INTERNAL', 'The helper said hello twice.')));
          connection.close();
          break;
      }
    });
    connection.onClose((protocolError) => {
      settle(() => {
        if (cancelRequested.aborted) {
          reject(new LiveStickError('CANCELLED', 'The write was cancelled.'));
          return;
        }
        void helper.exited.then((exit) =>
          reject(
            new LiveStickError(
              'INTERNAL',
              protocolError
                ? `The helper broke the protocol: ${protocolError}.`
                : `The helper ended without a result: ${
                    exit.kind === 'exited'
                      ? describeHelperExit(exit.code, exit.signal)
                      : exit.error.message
                  }.`,
            ),
          ),
        );
      });
    });
    connection.send({ ...options.message, v: PROTOCOL_VERSION });
    const onCancel = (): void => {
      connection.send({ v: PROTOCOL_VERSION, type: 'cancel' });
      // The helper has its own grace period; past the budget, drop the channel (it aborts on
      // that) and, where we may, kill it.
      setTimeout(() => {
        if (settled) return;
        connection.close();
        helper.kill?.();
      }, HELPER_STOP_BUDGET_MS).unref();
    };
    if (cancelRequested.aborted) onCancel();
    else cancelRequested.addEventListener('abort', onCancel, { once: true });
  });
}

function abortedPromise(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms).unref());
