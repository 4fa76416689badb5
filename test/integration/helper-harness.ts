// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Shared setup for the helper tests: the real helper bundle built with esbuild from
 * src/helper/main.ts (as scripts/build.mjs does), run on this Node as a child process.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import type { LaunchSpec, LaunchedHelper } from '../../src/main/elevate';
import type { HelperLocation } from '../../src/main/helper-client';

export const ROOT = path.resolve(__dirname, '..', '..');

export async function buildHelper(outDir: string): Promise<string> {
  const outfile = path.join(outDir, 'helper.cjs');
  await build({
    entryPoints: [path.join(ROOT, 'src/helper/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
  });
  return outfile;
}

export function nodeLocation(script: string): HelperLocation {
  return { executable: process.execPath, script, runAsNode: false, copyScript: false };
}

/** A direct launcher that also records the helper's pid and everything it prints. */
export function recordingLauncher(): {
  launch: (spec: LaunchSpec) => LaunchedHelper;
  output: () => string;
  pid: () => number | undefined;
} {
  let output = '';
  let pid: number | undefined;
  return {
    launch: (spec) => {
      const child = spawn(spec.executable, [...spec.args], {
        env: { ...spec.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      pid = child.pid;
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      return {
        exited: new Promise((resolve) =>
          child.once('exit', (code, signal) => resolve({ kind: 'exited', code, signal })),
        ),
        kill: () => child.kill('SIGKILL'),
      };
    },
    output: () => output,
    pid: () => pid,
  };
}

/** Running, not merely a zombie waiting for a reaper (an orphan's reaper may be slow). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export async function waitUntil(predicate: () => boolean, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (!predicate()) {
    if (performance.now() - start > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performance.now() - start;
}
