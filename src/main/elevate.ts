// SPDX-License-Identifier: GPL-3.0-or-later
import { spawn } from 'node:child_process';
import { exec as sudoExec } from '@vscode/sudo-prompt';
import { classifyElevationError } from '../engine/classify-error';
import { LiveStickError } from '../shared/errors';

/**
 * Starting the helper, elevated or not. Main itself never runs privileged. @vscode/sudo-prompt
 * takes one command string and hands it to a shell (pkexec's `bash -c` on Linux, a script run
 * by the macOS applet, a .bat file on Windows), so every argument is quoted here for exactly
 * those shells: paths with spaces, quotes, `$(…)`, backticks, `;` or newlines arrive as the same
 * argument and are never interpreted.
 */
export interface LaunchSpec {
  readonly executable: string;
  readonly args: readonly string[];
  /** Only what the helper needs; never main's whole environment when elevating. */
  readonly env: Readonly<Record<string, string>>;
}

export interface LaunchedHelper {
  /** Settles when the process ends, with its exit code or launcher failure. */
  readonly exited: Promise<HelperExit>;
  /** Available only for unelevated helpers: a root process cannot be signalled by its user. */
  readonly kill: (() => void) | null;
}

export type HelperExit =
  | { readonly kind: 'exited'; readonly code: number | null; readonly signal: string | null }
  | { readonly kind: 'launch-failed'; readonly error: LiveStickError };

/** POSIX shell single quoting: everything literal; a ' closes, is escaped, and reopens. */
export function posixQuote(arg: string): string {
  if (arg === '') return "''";
  if (/^[A-Za-z0-9_\-+=./:,@%]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function posixCommandLine(argv: readonly string[]): string {
  return argv.map(posixQuote).join(' ');
}

/**
 * sudo-prompt on Linux embeds our command in `/bin/bash -c "…"`, itself run by /bin/sh, escaping
 * only `"`. Inside those double quotes the outer shell would still expand `$`, backticks and
 * backslashes, so they are escaped once more for that layer; bash then sees the single-quoted
 * command line unchanged.
 */
export function forPkexecDoubleQuotes(commandLine: string): string {
  return commandLine.replace(/[\\$`]/g, (char) => `\\${char}`);
}

/**
 * Windows: quote for CommandLineToArgvW (what Node and the CRT use to split the command line),
 * then escape for cmd.exe, which runs sudo-prompt's .bat file. Every cmd metacharacter,
 * including the quotes themselves, gets a caret so cmd never enters its quoted mode; `%` is
 * doubled because carets do not protect it in batch files.
 */
export function windowsQuoteArg(arg: string): string {
  if (/[\r\n\0]/.test(arg)) {
    throw new LiveStickError(
      'INTERNAL',
      'A path with a line break cannot be passed on a Windows command line.',
    );
  }
  if (arg !== '' && !/[\s"]/.test(arg)) return arg;
  let quoted = '"';
  let backslashes = 0;
  for (const char of arg) {
    if (char === '\\') {
      backslashes++;
      continue;
    }
    if (char === '"') {
      quoted += '\\'.repeat(backslashes * 2 + 1) + '"';
    } else {
      quoted += '\\'.repeat(backslashes) + char;
    }
    backslashes = 0;
  }
  return `${quoted}${'\\'.repeat(backslashes * 2)}"`;
}

export function windowsBatchCommandLine(argv: readonly string[]): string {
  return argv
    .map(windowsQuoteArg)
    .join(' ')
    .replace(/%/g, '%%')
    .replace(/[()!^"<>&|]/g, (char) => `^${char}`);
}

/** The one string handed to sudo-prompt on each OS. */
export function elevatedCommand(argv: readonly string[], platform: NodeJS.Platform): string {
  switch (platform) {
    case 'win32':
      return windowsBatchCommandLine(argv);
    case 'darwin':
      return posixCommandLine(argv);
    default:
      return forPkexecDoubleQuotes(posixCommandLine(argv));
  }
}

/** The name the OS prompt shows ("LiveStick wants to make changes"); letters only. */
const PROMPT_NAME = 'LiveStick';

export function launchElevated(spec: LaunchSpec, platform = process.platform): LaunchedHelper {
  const exited = new Promise<HelperExit>((resolve) => {
    let command: string;
    try {
      command = elevatedCommand([spec.executable, ...spec.args], platform);
    } catch (error) {
      resolve({ kind: 'launch-failed', error: classifyElevationError(error) });
      return;
    }
    sudoExec(command, { name: PROMPT_NAME, env: { ...spec.env } }, (error) => {
      if (!error) {
        resolve({ kind: 'exited', code: 0, signal: null });
        return;
      }
      const status = (error as { code?: unknown }).code;
      const classified = classifyElevationError(error);
      resolve(
        classified.code === 'ELEVATION_DENIED' || typeof status !== 'number'
          ? { kind: 'launch-failed', error: classified }
          : { kind: 'exited', code: status, signal: null },
      );
    });
  });
  return { exited, kill: null };
}

/** Image files and an already-root main need no prompt: a plain child with an argv array. */
export function launchDirect(spec: LaunchSpec): LaunchedHelper {
  const child = spawn(spec.executable, [...spec.args], {
    env: { ...spec.env },
    stdio: ['ignore', 'ignore', 'inherit'],
    windowsHide: true,
  });
  const exited = new Promise<HelperExit>((resolve) => {
    child.once('error', (error) =>
      resolve({ kind: 'launch-failed', error: classifyElevationError(error) }),
    );
    child.once('exit', (code, signal) => resolve({ kind: 'exited', code, signal }));
  });
  return { exited, kill: () => child.kill('SIGKILL') };
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
