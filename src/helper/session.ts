// SPDX-License-Identifier: GPL-3.0-or-later
import { lstat, readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CheckedTarget, TargetCheckOptions } from '../engine/target-checks';
import { checkInspectTarget, checkWriteTarget } from '../engine/target-checks';
import { classifyError } from '../engine/classify-error';
import { hostDevices } from '../engine/device/host-devices';
import type { DevicePlatform } from '../engine/device/platform';
import type { InspectReport, JobHooks, WriteJob, WriteResult } from '../engine/jobs';
import { checkMaintainTarget, type MaintenanceJob } from '../engine/run-maintain';
import type { TargetAccess } from '../engine/target';
import { LiveStickError, toWire, type WireError } from '../shared/errors';
import type { MaintenanceResult } from '../shared/ipc';
import { HELPER_EXIT, type HelperExitCode } from './exit-codes';
import {
  ARG_SOCKET,
  ARG_TOKEN_FILE,
  LineDecoder,
  PROTOCOL_VERSION,
  ProtocolError,
  encodeMessage,
  parentMessageSchema,
  type HelperMessage,
  type JobMessage,
  type ParentMessage,
  type ResultMessage,
} from './protocol';

/**
 * One helper process, one job: connect to main's private socket, prove who we are, receive the
 * job, validate it on our own, run it, report, exit. The engine functions are injected so the
 * protocol and lifecycle are testable with the real engine and without it.
 */
export interface JobRunners {
  write(job: WriteJob, hooks: JobHooks, access: TargetAccess): Promise<WriteResult>;
  inspect(target: string, hooks: JobHooks, access: TargetAccess): Promise<InspectReport>;
  maintain(job: MaintenanceJob, hooks: JobHooks, access: TargetAccess): Promise<MaintenanceResult>;
}

export interface HelperOptions {
  readonly runners: JobRunners;
  /** The OS's device layer (default: this machine's; tests run a simulated Windows or macOS). */
  readonly devices?: DevicePlatform;
  readonly checks?: TargetCheckOptions;
  /** How long main has to send the job after the hello. */
  readonly jobTimeoutMs?: number;
  /**
   * After cancel or parent death, how long the job may take to unwind before the helper ends
   * regardless. Main gives the helper 2 s in total, and an elevated helper cannot be killed by
   * its unprivileged parent, so the helper enforces this itself.
   */
  readonly abortGraceMs?: number;
  /** Where one-line diagnostics go when the channel cannot carry them (stderr). */
  readonly diagnose?: (line: string) => void;
}

const DEFAULT_JOB_TIMEOUT_MS = 15_000;
const DEFAULT_ABORT_GRACE_MS = 1_500;

export interface HelperArgs {
  readonly socket: string;
  readonly tokenFile: string;
}

/** The options main passes, named as util.parseArgs names them (without the dashes). */
const SOCKET_OPTION = ARG_SOCKET.replace(/^--/, '');
const TOKEN_FILE_OPTION = ARG_TOKEN_FILE.replace(/^--/, '');
const HELPER_OPTIONS = {
  [SOCKET_OPTION]: { type: 'string' },
  [TOKEN_FILE_OPTION]: { type: 'string' },
} as const;

/** Null unless both options are given with a value and nothing else is. */
export function parseHelperArgs(argv: readonly string[]): HelperArgs | null {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: HELPER_OPTIONS, strict: true }));
  } catch {
    return null;
  }
  const socket = values[SOCKET_OPTION];
  const tokenFile = values[TOKEN_FILE_OPTION];
  return typeof socket === 'string' && socket && typeof tokenFile === 'string' && tokenFile
    ? { socket, tokenFile }
    : null;
}

/**
 * The token proves to main that this process is the one it launched. It lives in a 0600 file
 * inside main's fresh 0700 directory rather than on the command line, because any user on the
 * machine can read another process's argv. We refuse a token whose file or directory others
 * could have read or replaced.
 */
export async function readToken(args: HelperArgs, platform = process.platform): Promise<string> {
  if (platform !== 'win32') {
    const dir = path.dirname(args.tokenFile);
    if (path.dirname(args.socket) !== dir) {
      throw new Error('the socket and the token file are not in the same directory');
    }
    const [dirStat, fileStat] = await Promise.all([lstat(dir), lstat(args.tokenFile)]);
    if (!dirStat.isDirectory() || (dirStat.mode & 0o077) !== 0) {
      throw new Error('the channel directory is not private (0700)');
    }
    if (!fileStat.isFile() || (fileStat.mode & 0o077) !== 0 || fileStat.uid !== dirStat.uid) {
      throw new Error('the token file is not a private (0600) file of the directory owner');
    }
  }
  const token = (await readFile(args.tokenFile, 'utf8')).trim();
  if (!/^[0-9a-f]{64}$/.test(token)) throw new Error('the token file does not hold a token');
  return token;
}

function connectTo(socketPath: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

const delay = (ms: number): Promise<'timeout'> =>
  new Promise((resolve) => setTimeout(() => resolve('timeout'), ms).unref());

export async function runHelper(
  argv: readonly string[],
  options: HelperOptions,
): Promise<HelperExitCode> {
  const diagnose = options.diagnose ?? ((line: string) => process.stderr.write(`${line}\n`));
  const args = parseHelperArgs(argv);
  if (!args) {
    diagnose(`livestick-helper: usage: ${ARG_SOCKET} PATH ${ARG_TOKEN_FILE} PATH`);
    return HELPER_EXIT.USAGE;
  }
  let socket: Socket;
  let token: string;
  try {
    token = await readToken(args);
    socket = await connectTo(args.socket);
  } catch (error) {
    diagnose(`livestick-helper: no channel to LiveStick: ${(error as Error).message}`);
    return HELPER_EXIT.CHANNEL_FAILED;
  }
  return new HelperSession(socket, options).run(token);
}

class HelperSession {
  private readonly controller = new AbortController();
  private readonly decoder = new LineDecoder(parentMessageSchema);
  private parentGone = false;
  private cancelled = false;
  private protocolFailure: string | null = null;
  private deliverJob: (message: JobMessage | null) => void = () => undefined;
  private readonly jobArrived: Promise<JobMessage | null>;

  constructor(
    private readonly socket: Socket,
    private readonly options: HelperOptions,
  ) {
    this.jobArrived = new Promise((resolve) => (this.deliverJob = resolve));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    // A closed channel means main is gone (exited, crashed, killed): stop touching the disk.
    socket.on('close', () => {
      this.parentGone = true;
      this.abort();
    });
    socket.on('error', () => undefined);
  }

  async run(token: string): Promise<HelperExitCode> {
    this.send({ v: PROTOCOL_VERSION, type: 'hello', token, pid: process.pid });
    const job = await Promise.race([
      this.jobArrived,
      delay(this.options.jobTimeoutMs ?? DEFAULT_JOB_TIMEOUT_MS),
    ]);
    if (job === 'timeout' || job === null) {
      return this.finish(
        this.protocolFailure
          ? HELPER_EXIT.BAD_JOB
          : this.parentGone
            ? HELPER_EXIT.PARENT_GONE
            : this.cancelled
              ? HELPER_EXIT.CANCELLED
              : HELPER_EXIT.NO_JOB,
      );
    }
    const running = this.execute(job);
    const settled = await Promise.race([
      running,
      this.aborted().then(() => delay(this.options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS)),
    ]);
    if (settled !== 'timeout') return settled;
    // The engine did not unwind in time. Its first MiB was wiped before anything else, so
    // leaving now cannot leave a half-written stick that looks bootable.
    if (this.parentGone) return this.finish(HELPER_EXIT.PARENT_GONE);
    this.sendError({ code: 'CANCELLED', message: 'The write was cancelled.' });
    return this.finish(HELPER_EXIT.CANCELLED);
  }

  private aborted(): Promise<void> {
    const signal = this.controller.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  }

  private receive(chunk: string): void {
    let messages: ParentMessage[];
    try {
      messages = this.decoder.push(chunk);
    } catch (error) {
      this.protocolFailure = error instanceof ProtocolError ? error.message : String(error);
      this.sendError({
        code: 'INTERNAL',
        message: `Helper protocol error: ${this.protocolFailure}.`,
      });
      this.abort();
      return;
    }
    for (const message of messages) {
      if (message.type === 'cancel') {
        this.cancelled = true;
        this.abort();
      } else {
        this.deliverJob(message);
        // Only one job per process; a second job message is ignored by resolving only once.
      }
    }
  }

  private abort(): void {
    if (!this.controller.signal.aborted) this.controller.abort();
    this.deliverJob(null);
  }

  private hooks(): JobHooks {
    return {
      signal: this.controller.signal,
      onProgress: (progress) => this.send({ v: PROTOCOL_VERSION, type: 'progress', progress }),
      onLog: (message) => this.log(message),
    };
  }

  private log(message: string): void {
    this.send({ v: PROTOCOL_VERSION, type: 'log', message: message.slice(0, 4096) });
  }

  private async execute(message: JobMessage): Promise<HelperExitCode> {
    let checked: CheckedTarget;
    try {
      checked = await this.validate(message);
    } catch (error) {
      this.sendError(toWire(classifyError(error)));
      return this.finish(HELPER_EXIT.TARGET_REFUSED);
    }
    const subject = { path: checked.path, kind: checked.kind };
    const devices = this.devices();
    try {
      this.controller.signal.throwIfAborted();
      // Main's `unmount` is the user's consent: the job releases the volumes itself, for exactly
      // as long as it writes, and gives them back.
      const access = (releaseVolumes: boolean): TargetAccess => ({
        devices,
        ...(this.options.checks ? { checks: this.options.checks } : {}),
        releaseVolumes,
      });
      const v = PROTOCOL_VERSION;
      const answer: ResultMessage =
        message.type === 'write'
          ? {
              v,
              type: 'result',
              job: 'write',
              result: await this.options.runners.write(
                message.job,
                this.hooks(),
                access(message.unmount),
              ),
            }
          : message.type === 'maintain'
            ? {
                v,
                type: 'result',
                job: 'maintain',
                result: await this.options.runners.maintain(
                  message.job,
                  this.hooks(),
                  access(message.unmount),
                ),
              }
            : {
                v,
                type: 'result',
                job: 'inspect',
                result: await this.options.runners.inspect(
                  checked.path,
                  this.hooks(),
                  access(false),
                ),
              };
      if (message.type === 'write' && message.eject && checked.kind === 'device') {
        const warning = await devices.eject(checked.path);
        if (warning) this.log(warning);
      }
      this.send(answer);
      return this.finish(HELPER_EXIT.OK);
    } catch (error) {
      if (this.protocolFailure) return this.finish(HELPER_EXIT.BAD_JOB);
      const classified = this.cancelled
        ? new LiveStickError('CANCELLED', 'The write was cancelled.')
        : classifyError(error, subject);
      this.sendError(toWire(classified));
      if (this.parentGone) return this.finish(HELPER_EXIT.PARENT_GONE);
      return this.finish(
        classified.code === 'CANCELLED' ? HELPER_EXIT.CANCELLED : HELPER_EXIT.JOB_FAILED,
      );
    }
  }

  private devices(): DevicePlatform {
    return this.options.devices ?? hostDevices();
  }

  /**
   * The helper trusts nothing main decided. A target is checked before any job starts; a write or
   * maintenance job then checks it again itself, releases the disk's volumes only after that
   * (so a system disk is never unmounted), and checks once more that nothing is left mounted.
   */
  private async validate(message: JobMessage): Promise<CheckedTarget> {
    const checks: TargetCheckOptions = { ...this.options.checks, devices: this.devices() };
    if (message.type === 'inspect') return checkInspectTarget(message.job.target, checks);
    const { target } = message.job;
    const options = { ...checks, ignoreMounts: message.unmount };
    return message.type === 'maintain'
      ? checkMaintainTarget(target, options)
      : checkWriteTarget(target, message.job.imagePath, options);
  }

  private send(message: HelperMessage): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(encodeMessage(message));
  }

  private sendError(error: WireError): void {
    this.send({ v: PROTOCOL_VERSION, type: 'error', error });
  }

  /** Flushes what was sent, then closes our end. */
  private async finish(code: HelperExitCode): Promise<HelperExitCode> {
    this.socket.removeAllListeners('close');
    if (!this.socket.destroyed) {
      await Promise.race([
        new Promise<void>((resolve) => this.socket.end(() => resolve())),
        delay(500),
      ]);
      this.socket.destroy();
    }
    return code;
  }
}
