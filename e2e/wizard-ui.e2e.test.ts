// SPDX-License-Identifier: GPL-3.0-or-later
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../src/bridge/server';
import { launchChromium, startTestBridge } from './browser';
import { captureStep, watchErrors } from './wizard-helpers';
import { createScriptedService, type ScriptedControls } from './wizard-scripted-service';

/**
 * Every screen of the wizard in a known state, through the real renderer in Chromium: light and
 * dark screenshots under test-results/screenshots/, an axe scan of each (no serious or critical
 * violation), and the safety rules a user relies on.
 */
describe('wizard screens (scripted service)', () => {
  let bridge: Bridge;
  let browser: Browser;
  let controls: ScriptedControls;
  let page: Page;
  let errors: string[];
  const a11y: string[] = [];

  beforeAll(async () => {
    bridge = await startTestBridge((emit) => {
      const service = createScriptedService(emit);
      controls = service.controls;
      return service;
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1000, height: 760 } });
    page.setDefaultTimeout(10_000);
    errors = watchErrors(page);
    await page.goto(bridge.url);
  });
  afterAll(async () => {
    await browser?.close();
    await bridge?.close();
  });

  const capture = async (name: string): Promise<void> => {
    a11y.push(...(await captureStep(page, name)));
  };

  it('explains a file that is not a live image in one sentence', async () => {
    await page.getByRole('heading', { name: 'Choose a live image' }).waitFor();
    await capture('image-empty');
    await page.getByText('or type the ISO path').click();
    await page.getByLabel('Path of the ISO file').fill('/home/user/notes.txt');
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain('Not a Fedora live image');
    expect(await alert.innerText()).toContain('notes.txt has no LiveOS/squashfs.img.');
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await capture('image-error');
  });

  it('shows what the chosen image supports', async () => {
    await page.getByRole('button', { name: 'Choose ISO file…' }).click();
    await page.getByText('Fedora-Workstation-Live-x86_64-41.iso').waitFor();
    const facts = await page.locator('.facts').innerText();
    expect(facts).toContain('Fedora-WS-Live-41');
    expect(facts).toContain('Device-mapper snapshot, OverlayFS');
    await capture('image-chosen');
    await page.getByRole('button', { name: 'Next' }).click();
  });

  it('lists sticks without choosing one, and disables the unusable ones with the reason', async () => {
    await page.getByRole('heading', { name: 'Choose the stick' }).waitFor();
    await page.getByText('SanDisk Ultra Fit').waitFor();
    expect(await page.getByRole('radio', { checked: true }).count()).toBe(0);
    expect(await page.getByRole('radio', { name: /SanDisk/ }).isEnabled()).toBe(true);
    const tooSmall = page.getByRole('radio', { name: /Kingston/ });
    expect(await tooSmall.isDisabled()).toBe(true);
    expect(await page.getByText(/Too small: this image needs at least/).count()).toBe(1);
    expect(await page.getByRole('radio', { name: /WD Elements/ }).isDisabled()).toBe(true);
    expect(await page.getByText('Cannot be used: it holds the image you chose.').count()).toBe(1);
    expect(await page.getByText('Samsung SSD').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await capture('drive');
  });

  it('shows system disks only after a warning', async () => {
    await page.getByRole('checkbox', { name: 'Show all drives' }).click();
    await page.getByRole('dialog', { name: 'Show all drives?' }).waitFor();
    await capture('drive-show-all-dialog');
    await page.getByRole('dialog').getByRole('button', { name: 'Show all drives' }).click();
    await page.getByText('Samsung SSD 980 PRO 1TB').waitFor();
    expect(await page.getByText(/Internal and system disks are listed now/).count()).toBe(1);
    await capture('drive-all');
    await page.getByRole('checkbox', { name: 'Show all drives' }).uncheck();
    await page.getByText('Samsung SSD').waitFor({ state: 'detached' });
  });

  it('sizes persistence with a capacity bar that follows the sliders', async () => {
    await page.getByRole('radio', { name: /SanDisk/ }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: 'Persistence' }).waitFor();
    await page.locator('.segment-home.capacity-segment').waitFor();
    const homeWidth = () =>
      page
        .locator('.segment-home.capacity-segment')
        .evaluate((el) => el.getBoundingClientRect().width);
    const before = await homeWidth();
    expect(before).toBeGreaterThan(10);
    await capture('persistence');

    await page.getByLabel('Home (/home) size in MB').fill('2048');
    await page.waitForFunction((width) => {
      const bar = document.querySelector('.segment-home.capacity-segment');
      return bar !== null && bar.getBoundingClientRect().width < width - 5;
    }, before);
    const slider = page.getByRole('slider', { name: 'System changes (overlay)' });
    await slider.focus();
    await page.keyboard.press('End');
    await page.getByText(/An overlay above .* is never used/).waitFor();
    await page.keyboard.press('Home');
    await page.getByText(/An overlay above .* is never used/).waitFor({ state: 'detached' });

    await page.getByLabel('Encrypt home with a passphrase').check();
    const write = page.getByRole('button', { name: 'Write…' });
    expect(await write.isDisabled()).toBe(true);
    await page.getByLabel('Passphrase', { exact: true }).fill('correct horse battery');
    await page.getByLabel('Passphrase again').fill('correct horse');
    await page.getByText('The two passphrases differ.').waitFor();
    expect(await write.isDisabled()).toBe(true);
    await page.getByLabel('Passphrase again').fill('correct horse battery');
    await page.waitForFunction(() => {
      const button = [...document.querySelectorAll('button')].find(
        (b) => b.textContent === 'Write…',
      );
      return button !== undefined && !button.disabled;
    });
    await capture('persistence-encrypted');
  });

  it('confirms with model, size and path, then shows progress and the result', async () => {
    await page.getByRole('button', { name: 'Write…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Erase this drive?' });
    await dialog.waitFor();
    const text = await dialog.innerText();
    expect(text).toContain('SanDisk Ultra Fit');
    expect(text).toContain('28.6 GB');
    expect(text).toContain('/dev/sdb');
    expect(text).toContain('/run/media/user/STICK');
    await capture('confirm');

    controls.holdWriteAfter(3);
    await dialog.getByRole('button', { name: 'Erase and write' }).click();
    await page.getByText('1.5 GB of 2.3 GB').waitFor();
    expect(
      await page
        .getByRole('navigation', { name: 'Steps' })
        .getByRole('button', { name: /Image/ })
        .isDisabled(),
    ).toBe(true);
    await capture('write-progress');
    controls.release();
    await page.getByRole('heading', { name: 'Your stick is ready' }).waitFor();
    await capture('write-done');
  });

  it('shows the checked stick’s overlay usage with a warning near full', async () => {
    await page.getByRole('button', { name: 'Check this stick' }).click();
    await page.getByText('87.5 % of 4.0 GB used').waitFor();
    expect(
      await page
        .getByRole('meter', { name: 'System changes (overlay) usage' })
        .getAttribute('aria-valuenow'),
    ).toBe('88');
    expect(await page.getByText(/The overlay is nearly full/).count()).toBe(1);
    await capture('check');
    await page.getByRole('button', { name: 'Reset overlay…' }).click();
    const reset = page.getByRole('dialog', { name: 'Reset the overlay?' });
    await reset.waitFor();
    await capture('check-reset-dialog');
    await reset.getByRole('button', { name: 'Reset overlay' }).click();
    await page.getByText('The overlay was reset: the next start is a fresh system.').waitFor();
    await page.getByRole('button', { name: 'Make a stick' }).click();
  });

  it('reports a failed write with what to do, and asks again before retrying', async () => {
    await page.getByRole('heading', { name: 'Persistence' }).waitFor();
    // The passphrase went with the finished write; it is not kept for the next one.
    expect(await page.getByLabel('Passphrase', { exact: true }).inputValue()).toBe('');
    await page.getByLabel('Encrypt home with a passphrase').uncheck();
    await page.waitForFunction(() => {
      const button = [...document.querySelectorAll('button')].find(
        (b) => b.textContent === 'Write…',
      );
      return button !== undefined && !button.disabled;
    });
    await page.getByRole('button', { name: 'Write…' }).click();
    controls.failNextWrite('MEDIA_ERROR');
    await page.getByRole('button', { name: 'Erase and write' }).click();
    await page.getByRole('heading', { name: 'Writing failed' }).waitFor();
    const alert = await page.getByRole('alert').innerText();
    expect(alert).toContain('The drive reported an error');
    expect(alert).toContain('The stick may be failing; try another one.');
    await capture('write-failed');
    await page.getByRole('button', { name: 'Try again…' }).click();
    await page.getByRole('dialog', { name: 'Erase this drive?' }).waitFor();
  });

  it('cancels a write only after asking', async () => {
    controls.holdWriteAfter(2);
    await page.getByRole('button', { name: 'Erase and write' }).click();
    await page.getByText('700.0 MB of 2.3 GB').waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('dialog', { name: 'Stop writing?' }).waitFor();
    await capture('write-cancel-dialog');
    await page.getByRole('button', { name: 'Stop writing' }).click();
    await page.getByRole('heading', { name: 'Writing was cancelled' }).waitFor();
    await capture('write-cancelled');
    await page.getByRole('button', { name: 'Start over' }).click();
  });

  it('makes the user type the device name of a system disk', async () => {
    await page.getByRole('button', { name: /Stick/ }).click();
    await page.getByRole('checkbox', { name: 'Show all drives' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Show all drives' }).click();
    await page.getByRole('radio', { name: /Samsung SSD/ }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.waitForFunction(() => {
      const button = [...document.querySelectorAll('button')].find(
        (b) => b.textContent === 'Write…',
      );
      return button !== undefined && !button.disabled;
    });
    await page.getByRole('button', { name: 'Write…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Erase this drive?' });
    await dialog.waitFor();
    const erase = dialog.getByRole('button', { name: 'Erase and write' });
    expect(await erase.isDisabled()).toBe(true);
    await dialog.getByLabel('Device name').fill('/dev/nvme0n');
    expect(await erase.isDisabled()).toBe(true);
    await capture('confirm-typed');
    await dialog.getByLabel('Device name').fill('/dev/nvme0n1');
    expect(await erase.isEnabled()).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('had no accessibility violation and no page or CSP error on any screen', () => {
    expect(a11y).toEqual([]);
    expect(errors).toEqual([]);
  });
});
