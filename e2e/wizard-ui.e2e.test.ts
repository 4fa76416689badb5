// SPDX-License-Identifier: GPL-3.0-or-later
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../src/bridge/server';
import { launchChromium, startTestBridge } from './browser';
import { captureStep, developerWordsOnScreen, VIEWPORTS, watchErrors } from './wizard-helpers';
import { createScriptedService, type ScriptedControls } from './wizard-scripted-service';

/**
 * Every screen of the wizard in a known state, through the real renderer in Chromium: light and
 * dark screenshots at 1280×800 and 800×600 under test-results/screenshots/, an axe scan of each
 * (no violation of any impact), and the safety rules a user relies on. The walk through the
 * real service, with what a first-time user stumbled on, is first-time-user.e2e.test.ts.
 */
describe('wizard screens (scripted service)', () => {
  let bridge: Bridge;
  let browser: Browser;
  let controls: ScriptedControls;
  let page: Page;
  let errors: string[];
  const problems: string[] = [];

  beforeAll(async () => {
    bridge = await startTestBridge((emit) => {
      const service = createScriptedService(emit);
      controls = service.controls;
      return service;
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: VIEWPORTS[0] });
    page.setDefaultTimeout(10_000);
    errors = watchErrors(page);
    await page.goto(bridge.url);
  });
  afterAll(async () => {
    await browser?.close();
    await bridge?.close();
  });

  /** Screenshots and scans the screen, and checks its words are a person's. */
  const capture = async (name: string): Promise<void> => {
    problems.push(...(await captureStep(page, name)));
    problems.push(...(await developerWordsOnScreen(page)).map((problem) => `${name}: ${problem}`));
  };
  const writeEnabled = (): Promise<unknown> =>
    page.waitForFunction(() => {
      const button = [...document.querySelectorAll('button')].find(
        (b) => b.textContent === 'Write…',
      );
      return button !== undefined && !button.disabled;
    });

  it('explains a file that is not a live image in one sentence', async () => {
    await page.getByRole('heading', { level: 1, name: 'Choose a live image' }).waitFor();
    expect(await page.title()).toBe('Choose a live image — LiveStick');
    await capture('image-empty');
    await page.getByText('or type the path of the ISO file').click();
    await page.getByLabel('Path of the ISO file').fill('/home/user/notes.txt');
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain('Not a Fedora live image');
    expect(await alert.innerText()).toContain('“notes.txt” holds no Fedora live system.');
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await capture('image-error');
  });

  it('shows what the chosen image offers', async () => {
    await page.getByRole('button', { name: 'Choose ISO file…' }).click();
    await page.getByText('Fedora-Workstation-Live-x86_64-41.iso').waitFor();
    const facts = await page.locator('.facts').innerText();
    expect(facts).toContain('Fedora-WS-Live-41');
    expect(facts).toContain('UEFI and BIOS computers');
    await capture('image-chosen');
    await page.getByRole('button', { name: 'Next' }).click();
  });

  it('lists sticks without choosing one, and disables the unusable ones with the reason', async () => {
    await page.getByRole('heading', { name: 'Choose the stick' }).waitFor();
    await page.getByText('SanDisk Ultra Fit').waitFor();
    expect(await page.getByRole('radio', { checked: true }).count()).toBe(0);
    expect(await page.getByRole('radio', { name: /SanDisk/ }).isEnabled()).toBe(true);
    expect(await page.getByText('28.6 GiB · USB').count()).toBe(1);
    const tooSmall = page.getByRole('radio', { name: /Kingston/ });
    expect(await tooSmall.isDisabled()).toBe(true);
    expect(await page.getByText(/Too small: this image needs at least 2\.1 GiB/).count()).toBe(1);
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

  it('sizes persistence on one screen, with Write in view at 1280×800', async () => {
    await page.getByRole('radio', { name: /SanDisk/ }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { level: 1, name: 'Persistence' }).waitFor();
    await page.locator('.segment-home.capacity-segment').waitFor();
    await writeEnabled();
    const write = await page.getByRole('button', { name: 'Write…' }).boundingBox();
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    expect(write!.y + write!.height).toBeLessThanOrEqual(VIEWPORTS[0].height);
    // The expert choices wait behind "Advanced"; FAT32's limit is explained once.
    expect(await page.getByRole('radio', { name: /Automatic/ }).isVisible()).toBe(false);
    expect(await page.getByText(/FAT32 holds files of up to 4 GiB/).count()).toBe(1);
    await capture('persistence');

    const homeWidth = () =>
      page
        .locator('.segment-home.capacity-segment')
        .evaluate((el) => el.getBoundingClientRect().width);
    const before = await homeWidth();
    await page.getByLabel('Home (your files), size in GiB').fill('2');
    await page.waitForFunction((width) => {
      const bar = document.querySelector('.segment-home.capacity-segment');
      return bar !== null && bar.getBoundingClientRect().width < width - 5;
    }, before);
    // This image's system is 2 GiB: the overlay's slider ends where a snapshot stops using it.
    const slider = page.getByRole('slider', { name: 'System changes (overlay)' });
    expect(Number(await slider.getAttribute('max'))).toBeLessThanOrEqual(202);
    await page.getByText(/snapshot overlay never uses more than the system/).waitFor();

    await page.getByText('Advanced: overlay type and swap').click();
    await page.getByRole('radio', { name: /Automatic/ }).waitFor();
    await capture('persistence-advanced');
    await page.getByText('Advanced: overlay type and swap').click();

    await page.getByLabel('Encrypt home with a passphrase').check();
    const writeButton = page.getByRole('button', { name: 'Write…' });
    expect(await writeButton.isDisabled()).toBe(true);
    await page.getByLabel('Passphrase', { exact: true }).fill('correct horse battery');
    await page.getByLabel('Passphrase again').fill('correct horse');
    await page.getByText('The two passphrases differ.').waitFor();
    expect(await writeButton.isDisabled()).toBe(true);
    await page.getByLabel('Passphrase again').fill('correct horse battery');
    await writeEnabled();
    await capture('persistence-encrypted');
  });

  it('marks a size that cannot be used on its own field', async () => {
    const field = page.getByLabel('Home (your files), size in GiB');
    await field.fill('6144');
    const problem = page.locator('.field-error');
    await problem.waitFor();
    expect(await problem.count()).toBe(1);
    expect(await problem.innerText()).toBe('At most 4.0 GiB: FAT32 cannot hold a larger file.');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('button', { name: 'Write…' }).isDisabled()).toBe(true);
    await capture('persistence-invalid');
    await field.fill('2');
    await problem.waitFor({ state: 'detached' });
    await writeEnabled();
  });

  it('confirms with model, size and path, then shows overall progress and the result', async () => {
    await page.getByRole('button', { name: 'Write…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Erase this drive?' });
    await dialog.waitFor();
    const text = await dialog.innerText();
    expect(text).toContain('SanDisk Ultra Fit');
    expect(text).toContain('28.6 GiB');
    expect(text).toContain('/dev/sdb');
    expect(text).toContain('/run/media/user/STICK');
    await capture('confirm');

    controls.holdWriteAfter(1);
    await dialog.getByRole('button', { name: 'Erase and write' }).click();
    await page.getByText('Nothing has been written to the stick yet.').waitFor();
    expect(await page.locator('progress').getAttribute('value')).toBeNull();
    await capture('write-preparing');
    controls.holdWriteAfter(3);
    controls.release();
    await page.getByText('1.5 GiB of 2.3 GiB written').waitFor();
    expect(
      await page
        .getByRole('navigation', { name: 'Steps' })
        .getByRole('button', { name: /Image/ })
        .isDisabled(),
    ).toBe(true);
    // Writing is the first half of the bar: 1.5 of 2.3 GiB written is 31 % overall.
    expect(await page.locator('.progress-percent').innerText()).toBe('31 %');
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
    await capture('write-progress');
    controls.release();
    await page.getByRole('heading', { name: 'Your stick is ready' }).waitFor();
    expect(await page.getByRole('status').innerText()).toContain('Written and verified');
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
    await capture('write-done');
  });

  it('shows the checked stick’s overlay usage with a warning near full', async () => {
    await page.getByRole('button', { name: 'Check this stick' }).click();
    await page.getByText('87.5 % of 4.0 GiB used').waitFor();
    expect(
      await page
        .getByRole('meter', { name: 'System changes (overlay) usage' })
        .getAttribute('aria-valuenow'),
    ).toBe('88');
    expect(await page.getByText(/The overlay is nearly full/).count()).toBe(1);
    await capture('check');
    await page.getByText('Technical details').click();
    await page.getByText('rd.live.overlay=UUID=4A1C-2F3B', { exact: false }).waitFor();
    await page.getByText('Technical details').click();
    await page.getByRole('button', { name: 'Grow overlay or home…' }).click();
    const grow = page.getByRole('dialog', { name: 'Grow the overlay or home' });
    await grow.waitFor();
    await capture('check-grow-dialog');
    await grow.getByRole('button', { name: 'Cancel' }).click();
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
    await writeEnabled();
    await page.getByRole('button', { name: 'Write…' }).click();
    controls.failNextWrite('MEDIA_ERROR');
    await page.getByRole('button', { name: 'Erase and write' }).click();
    await page.getByRole('heading', { name: 'Writing failed' }).waitFor();
    const alert = await page.getByRole('alert').innerText();
    expect(alert).toContain('The stick reported an error');
    expect(alert).toContain('The stick may be failing: try another one.');
    await capture('write-failed');
    await page.getByRole('button', { name: 'Try again…' }).click();
    await page.getByRole('dialog', { name: 'Erase this drive?' }).waitFor();
  });

  it('cancels a write only after asking, and says what the stick holds', async () => {
    controls.holdWriteAfter(2);
    await page.getByRole('button', { name: 'Erase and write' }).click();
    await page.getByText('700 MiB of 2.3 GiB written').waitFor();
    await page.getByRole('button', { name: 'Cancel…' }).click();
    const ask = page.getByRole('dialog', { name: 'Stop writing?' });
    await ask.waitFor();
    expect(await ask.innerText()).toContain('The stick is partly written.');
    await capture('write-cancel-dialog');
    await page.getByRole('button', { name: 'Stop writing' }).click();
    await page.getByRole('heading', { name: 'Writing was cancelled' }).waitFor();
    expect(await page.getByText(/The stick is partly written and will not start/).count()).toBe(1);
    await capture('write-cancelled');
    await page.getByRole('button', { name: 'Back to the settings' }).click();
  });

  it('shows a write that completed before the cancel could stop it as done', async () => {
    await writeEnabled();
    await page.getByRole('button', { name: 'Write…' }).click();
    controls.holdWriteAfter(5);
    await page.getByRole('button', { name: 'Erase and write' }).click();
    await page.getByText('Finishing').waitFor();
    controls.finishDespiteCancel();
    await page.getByRole('button', { name: 'Cancel…' }).click();
    await page.getByRole('button', { name: 'Stop writing' }).click();
    await page.getByRole('heading', { name: 'Your stick is ready' }).waitFor();
    expect(
      await page.getByText('The write had already finished when you asked to stop it.').count(),
    ).toBe(1);
    await page.getByRole('button', { name: 'Make another stick' }).click();
  });

  it('makes the user type the device name of a system disk', async () => {
    await page.getByRole('checkbox', { name: 'Show all drives' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Show all drives' }).click();
    await page.getByRole('radio', { name: /Samsung SSD/ }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await writeEnabled();
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

  it('had no accessibility violation, no developer word and no page or CSP error anywhere', () => {
    expect(problems).toEqual([]);
    expect(errors).toEqual([]);
  });
});
