// SPDX-License-Identifier: GPL-3.0-or-later
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startBridge, type Bridge } from '../src/bridge/server';
import type { Service } from '../src/main/service';
import type { EventName, Events } from '../src/shared/ipc';

export const ROOT = path.resolve(__dirname, '..');
export const SCREENSHOT_DIR = path.join(ROOT, 'test-results', 'screenshots');

const CHROMIUM = process.env.LIVESTICK_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's chromium, never a downloaded browser (none can be fetched on these machines). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's "chromium" package (.ci/run does).`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
}

/** The built renderer behind the bridge; `npm test` builds before the e2e tier runs. */
export async function startTestBridge(
  createService: (emit: <E extends EventName>(event: E, payload: Events[E]) => void) => Service,
): Promise<Bridge> {
  const dist = path.join(ROOT, 'dist');
  const shimFile = path.join(dist, 'bridge', 'web-shim.js');
  if (!existsSync(path.join(dist, 'renderer', 'index.html')) || !existsSync(shimFile)) {
    throw new Error('dist/ is not built: run "npm run build" before the e2e tier.');
  }
  return startBridge({ rendererDir: path.join(dist, 'renderer'), shimFile, createService });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
