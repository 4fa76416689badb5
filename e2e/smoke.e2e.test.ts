// SPDX-License-Identifier: GPL-3.0-or-later
import { existsSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Bridge } from '../src/bridge/server';
import { createService } from '../src/main/service';
import { launchChromium, screenshot, startTestBridge } from './browser';

describe('renderer through the browser bridge', () => {
  let bridge: Bridge;
  let browser: Browser;

  beforeAll(async () => {
    bridge = await startTestBridge((emit) =>
      createService({ emit, chooseImageFile: async () => null }),
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await bridge?.close();
  });

  it('shows the first wizard step and has the API from the shim', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(bridge.url);
    await expect(
      page.getByRole('heading', { name: 'Choose a live image' }).isVisible(),
    ).resolves.toBe(true);
    const methods = await page.evaluate(() =>
      Object.keys((window as unknown as { livestick: object }).livestick),
    );
    expect(methods).toContain('openImage');
    const chosen = await page.evaluate(() =>
      (
        window as unknown as { livestick: { chooseImage(r: object): Promise<unknown> } }
      ).livestick.chooseImage({}),
    );
    expect(chosen).toEqual({ ok: true, value: { kind: 'cancelled' } });
    const file = await screenshot(page, 'smoke-first-step');
    expect(existsSync(file) && statSync(file).size > 1000).toBe(true);
    expect(errors).toEqual([]);
  });
});
