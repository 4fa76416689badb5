// SPDX-License-Identifier: GPL-3.0-or-later
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/cli';
import type { DevicePlatform } from '../../src/engine/device/platform';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real CLI in-process, as `livestick <args>` would, capturing its output; `devices`
 * runs it on a simulated Windows or macOS (./simulated-os).
 */
export async function livestick(
  args: readonly string[],
  options: { signal?: AbortSignal; devices?: DevicePlatform } = {},
): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await runCli(args, {
    stdout,
    stderr,
    stdin: new PassThrough(),
    signal: options.signal ?? new AbortController().signal,
    ...(options.devices ? { devices: options.devices } : {}),
  });
  return { code, stdout: out, stderr: err };
}
