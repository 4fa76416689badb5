// SPDX-License-Identifier: GPL-3.0-or-later
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../src/bridge/server';
import { ensureImageFileDrives, imageFileDrives } from '../src/engine/drives';
import { createService } from '../src/main/service';
import { ERROR_TEXT } from '../src/shared/messages';
import { MiB } from '../src/shared/units';
import { FIXTURE_LABELS, getFixtureIso } from '../test/boot/fixtures';
import { nodeLocation, recordingLauncher } from '../test/integration/helper-harness';
import { extractPartition, fsckFat } from '../test/integration/stick-tools';
import { launchChromium, ROOT, screenshot, startTestBridge } from './browser';
import { watchErrors } from './wizard-helpers';

const STICK_BYTES = 512 * MiB;
const SMALL_BYTES = 16 * MiB;
const WRITE_TIMEOUT_MS = 180_000;

/**
 * The whole wizard against the real service, engine and helper, with image files standing in for
 * USB sticks: what a first-time user does, checked afterwards by dosfstools.
 */
describe('wizard through the real service', () => {
  let work: string;
  let iso: string;
  let stick: string;
  let bridge: Bridge;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const recorder = recordingLauncher();
  /** Set by a test to hold the helper at its first written byte. */
  let onWriting: (() => void) | null = null;

  beforeAll(async () => {
    iso = await getFixtureIso('modern');
    work = mkdtempSync(path.join(tmpdir(), 'livestick-wizard-'));
    stick = path.join(work, 'stick.img');
    const drives = [
      { path: stick, sizeBytes: STICK_BYTES },
      { path: path.join(work, 'small.img'), sizeBytes: SMALL_BYTES },
    ];
    await ensureImageFileDrives(drives);
    writeFileSync(path.join(work, 'notes.txt'), 'Shopping list: milk, bread.\n');
    bridge = await startTestBridge((emit) =>
      createService({
        emit: (event, payload) => {
          if (event === 'writeProgress' && onWriting) {
            const { progress } = payload as { progress: { phase: string; bytesDone: number } };
            if (progress.phase === 'writing' && progress.bytesDone > 0) {
              onWriting();
              onWriting = null;
            }
          }
          emit(event, payload);
        },
        chooseImageFile: async () => iso,
        drives: imageFileDrives(drives),
        drivePollMs: 500,
        helper: nodeLocation(path.join(ROOT, 'dist', 'helper', 'helper.cjs')),
        launch: recorder.launch,
        log: () => undefined,
      }),
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1000, height: 760 } });
    page.setDefaultTimeout(20_000);
    errors = watchErrors(page);
    await page.goto(bridge.url);
  });
  afterAll(async () => {
    await browser?.close();
    await bridge?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const waitForWriteButton = (): Promise<unknown> =>
    page.waitForFunction(() => {
      const button = [...document.querySelectorAll('button')].find(
        (b) => b.textContent === 'Write…',
      );
      return button !== undefined && !button.disabled;
    });

  it('says in one sentence why a file that is not an ISO cannot be used', async () => {
    await page.getByText('or type the ISO path').click();
    await page.getByLabel('Path of the ISO file').fill(path.join(work, 'notes.txt'));
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = await alert.innerText();
    expect(
      Object.values(ERROR_TEXT).some(({ title }) => text.startsWith(title)),
      text,
    ).toBe(true);
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await screenshot(page, 'real-image-error');
  });

  it('opens the fixture ISO and shows its label', async () => {
    await page.getByRole('button', { name: 'Choose ISO file…' }).click();
    await page.getByText(FIXTURE_LABELS.modern).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
  });

  it('shows a stick that is too small, disabled with the reason', async () => {
    await page.getByText('Image file stick.img').waitFor();
    const small = page.getByRole('radio', { name: /small\.img/ });
    expect(await small.isDisabled()).toBe(true);
    expect(await page.getByText(/Too small: this image needs at least/).count()).toBe(1);
    expect(await page.getByRole('radio', { checked: true }).count()).toBe(0);
    await screenshot(page, 'real-drive');
  });

  it('writes the stick, and the result passes fsck.fat -n', async () => {
    await page.getByRole('radio', { name: /stick\.img/ }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: 'Persistence' }).waitFor();
    await page.getByLabel('System changes (overlay) size in MB').fill('64');
    await page.getByLabel('Home (/home) size in MB').fill('64');
    await waitForWriteButton();
    await screenshot(page, 'real-persistence');
    await page.getByRole('button', { name: 'Write…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Erase this drive?' });
    expect(await dialog.innerText()).toContain(stick);
    await dialog.getByRole('button', { name: 'Erase and write' }).click();
    await page
      .getByRole('heading', { name: 'Your stick is ready' })
      .waitFor({ timeout: WRITE_TIMEOUT_MS });
    await screenshot(page, 'real-write-done');

    const partition = path.join(work, 'partition.img');
    extractPartition(stick, partition);
    const fsck = fsckFat(partition);
    expect(fsck.code, fsck.output).toBe(0);
    rmSync(partition);
  });

  it('shows the written stick on the check screen', async () => {
    await page.getByRole('button', { name: 'Check this stick' }).click();
    await page.getByRole('heading', { name: 'Check a stick' }).waitFor();
    await page.locator('[role=meter], [role=alert]').first().waitFor();
    const alerts = await page.getByRole('alert').allInnerTexts();
    expect(alerts, 'the check screen reported an error').toEqual([]);
    const meter = page.getByRole('meter', { name: 'System changes (overlay) usage' });
    expect(Number(await meter.getAttribute('aria-valuenow'))).toBeLessThan(5);
    await screenshot(page, 'real-check');
  });

  it('cancels a write in the middle, after asking', async () => {
    await page.getByRole('button', { name: 'Make a stick' }).click();
    await page.getByRole('heading', { name: 'Persistence' }).waitFor();
    await waitForWriteButton();
    // Hold the helper at its first written chunk so the cancel lands mid-write, whatever the
    // machine's speed; it resumes once the cancel was sent.
    const held = new Promise<void>((resolve) => {
      onWriting = () => {
        process.kill(recorder.pid()!, 'SIGSTOP');
        resolve();
      };
    });
    await page.getByRole('button', { name: 'Write…' }).click();
    await page.getByRole('button', { name: 'Erase and write' }).click();
    await held;
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('dialog', { name: 'Stop writing?' }).waitFor();
    await page.getByRole('button', { name: 'Stop writing' }).click();
    await page.getByText('Cancelling…').waitFor();
    process.kill(recorder.pid()!, 'SIGCONT');
    await page
      .getByRole('heading', { name: 'Writing was cancelled' })
      .waitFor({ timeout: WRITE_TIMEOUT_MS });
    await screenshot(page, 'real-write-cancelled');
  });

  it('raised no page or CSP error', () => {
    expect(errors).toEqual([]);
  });
});
