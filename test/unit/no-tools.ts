// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Setup file of the unit tier: it stays pure and fast (docs/ARCHITECTURE.md, "Test tiers"), so
 * starting any program from a unit test fails at once and says where such a test belongs.
 */
import type * as ChildProcess from 'node:child_process';
import { vi } from 'vitest';

const SPAWNING = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'];

async function refusingChildProcess(
  importOriginal: () => Promise<typeof ChildProcess>,
): Promise<Record<string, unknown>> {
  const actual = await importOriginal();
  const refusing: Record<string, unknown> = { ...actual };
  for (const name of SPAWNING) {
    refusing[name] = (file: unknown) => {
      throw new Error(
        `a unit test started a program (child_process.${name} ${String(file)}); tests that run tools belong in test/integration/`,
      );
    };
  }
  return { ...refusing, default: refusing };
}

vi.mock('node:child_process', refusingChildProcess);
vi.mock('child_process', refusingChildProcess);
