// SPDX-License-Identifier: GPL-3.0-or-later
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { RawHandle } from '../block-io';

/**
 * What the device implementations need from the machine besides plain file access: running the
 * OS's disk tools and opening raw disk devices. The real one runs processes and opens devices;
 * the simulated Windows and macOS of the tests replace only the device opener and point the
 * tool paths at their fake tools, so everything else here runs for real.
 */
export interface HostSystem {
  /** Runs a tool to its end; resolves with its stdout, rejects with a ToolError otherwise. */
  run(tool: string, args: readonly string[]): Promise<string>;
  /** Starts a tool that keeps running, reporting in lines on stdout, until it is stopped. */
  start(tool: string, args: readonly string[]): RunningTool;
  openDevice(path: string, flags: number): Promise<RawHandle>;
}

export interface RunningTool {
  /** The next line on the tool's stdout; null once it has ended. */
  nextLine(): Promise<string | null>;
  /** Ends the tool (TerminateProcess on Windows) and waits until it is gone. */
  stop(): Promise<void>;
  /** What it printed on stderr so far, for error messages. */
  stderr(): string;
}

export class ToolError extends Error {
  override readonly name = 'ToolError';
  constructor(
    readonly tool: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    cause?: unknown,
  ) {
    super(
      `${tool} ${exitCode === null ? 'could not run' : `exited with ${exitCode}`}${stderr.trim() ? `: ${stderr.trim()}` : ''}`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/**
 * The failure of a release or eject tool in words: its own stderr says best what was in the way
 * (a program with files open, an unknown disk).
 */
export function toolFailureText(error: unknown): string {
  if (error instanceof ToolError) {
    return error.stderr.trim() || error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs tools with stdin closed: a piped stdin that is never closed can keep Windows PowerShell
 * from exiting, and no tool run this way reads it.
 */
function run(tool: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, [...args], { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => reject(new ToolError(tool, null, stderr, error)));
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new ToolError(tool, code, stderr)),
    );
  });
}

function start(tool: string, args: readonly string[]): RunningTool {
  const child = spawn(tool, [...args], { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let running = true;
  const exited = new Promise<void>((resolve) => {
    child.on('error', (error) => {
      stderr += error.message;
      running = false;
      resolve();
    });
    child.on('close', () => {
      running = false;
      resolve();
    });
  });
  const lines: string[] = [];
  const waiting: ((line: string | null) => void)[] = [];
  let closed = false;
  const reader = createInterface({ input: child.stdout, crlfDelay: Infinity });
  reader.on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else lines.push(line);
  });
  reader.on('close', () => {
    closed = true;
    for (const next of waiting.splice(0)) next(null);
  });
  return {
    nextLine: () => {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (closed) return Promise.resolve(null);
      return new Promise((resolve) => waiting.push(resolve));
    },
    stop: () => {
      if (running) child.kill();
      return exited;
    },
    stderr: () => stderr,
  };
}

export const nodeHostSystem: HostSystem = {
  run,
  start,
  openDevice: (path, flags) => open(path, flags),
};
