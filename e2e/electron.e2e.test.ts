// SPDX-License-Identifier: GPL-3.0-or-later
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { _electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ROOT, screenshot } from './browser';

/**
 * The packaged-app path: the real Electron main, preload and sandboxed window. It needs the
 * Electron binary, which cannot be downloaded on every machine (our CI cannot); there the test
 * is reported as SKIPPED — never as passed — and says why.
 */
function electronBinary(): string | null {
  try {
    const binary = createRequire(__filename)('electron') as unknown;
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
if (!binary) {
  console.warn(
    '[e2e] SKIPPED: Electron tests need the Electron binary, which is not installed here.',
  );
}

describe.skipIf(!binary)('Electron app (needs the Electron binary)', () => {
  it('opens a sandboxed window with the first wizard step and only the typed API', async () => {
    const app = await _electron.launch({
      executablePath: binary!,
      args: [path.join(ROOT, 'dist', 'main', 'main.cjs')],
      env: { ...process.env, ELECTRON_ENABLE_LOGGING: '0' },
    });
    try {
      const window = await app.firstWindow();
      await window.getByRole('heading', { name: 'Choose a live image' }).waitFor();
      const exposed = await window.evaluate(() => ({
        hasRequire: typeof (globalThis as { require?: unknown }).require,
        hasProcess: typeof (globalThis as { process?: unknown }).process,
        api: Object.keys((globalThis as unknown as { livestick: object }).livestick).sort(),
      }));
      expect(exposed.hasRequire).toBe('undefined');
      expect(exposed.hasProcess).toBe('undefined');
      expect(exposed.api).toContain('startWrite');
      await screenshot(window, 'electron-first-step');
    } finally {
      await app.close();
    }
  });
});
