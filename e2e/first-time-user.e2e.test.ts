// SPDX-License-Identifier: GPL-3.0-or-later
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../src/bridge/server';
import { ensureImageFileDrives, imageFileDrives } from '../src/engine/drives';
import { createService } from '../src/main/service';
import type { Envelope, Events } from '../src/shared/ipc';
import type { WritePhase } from '../src/shared/progress';
import { MiB } from '../src/shared/units';
import { nodeLocation, recordingLauncher } from '../test/integration/helper-harness';
import { makeLiveIso, makeRootTree, run } from '../test/integration/iso-fixtures';
import { extractPartition, fsckFat } from '../test/integration/stick-tools';
import { launchChromium, ROOT, SCREENSHOT_DIR, startTestBridge } from './browser';
import { captureStep, developerWordsOnScreen, VIEWPORTS, watchErrors } from './wizard-helpers';

const STICK_BYTES = 1024 * MiB;
/** Incompressible data stored uncompressed beside rootfs.img: writing it takes a moment. */
const PADDING_BYTES = 192 * MiB;
const SMALL_BYTES = 4 * MiB;
const WRITE_TIMEOUT_MS = 120_000;
const MODERN_LABEL = 'Fedora-WS-Live-40';
const F24_LABEL = 'Fedora-WS-Live-24-1-2';

/**
 * An F24-style squashfs.img (LiveOS/rootfs.img, 24 MiB of ext4, inside) padded with random data
 * so a write lasts long enough for the helper to be held in each phase.
 */
function bulkyNestedSquashfs(work: string): string {
  const tree = path.join(work, 'bulky-squashfs-tree');
  const content = path.join(work, 'bulky-rootfs-content');
  mkdirSync(path.join(tree, 'LiveOS'), { recursive: true });
  makeRootTree(content);
  run('mkfs.ext4', [
    '-q',
    '-F',
    '-L',
    'Anaconda',
    '-d',
    content,
    path.join(tree, 'LiveOS', 'rootfs.img'),
    '24M',
  ]);
  const padding = path.join(tree, 'LiveOS', 'padding.bin');
  for (let written = 0; written < PADDING_BYTES; written += 16 * MiB) {
    appendFileSync(padding, randomBytes(16 * MiB));
  }
  const image = path.join(work, 'bulky-squashfs.img');
  run('mksquashfs', [
    tree,
    image,
    '-noappend',
    '-quiet',
    '-no-progress',
    '-noI',
    '-noD',
    '-noF',
    '-noX',
  ]);
  rmSync(tree, { recursive: true, force: true });
  rmSync(content, { recursive: true, force: true });
  return image;
}

/**
 * The wizard as a first-time user finds it, through `npm run web`'s bridge in Chromium with the
 * real service, helper and engine, image files standing in for sticks. Each numbered `describe`
 * is one thing first-time users stumbled on before, and asserts the behaviour that replaced it.
 * The helper is held (SIGSTOP) at chosen phases so reloads and cancels land where they must,
 * whatever the machine's speed.
 */
describe('the wizard for a first-time user', () => {
  let work: string;
  let modernIso: string;
  let f24Iso: string;
  let stick: string;
  let bridge: Bridge;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let home: string | undefined;
  /** Accessibility, overflow and developer-word findings on every screen visited. */
  const problems: string[] = [];
  const recorder = recordingLauncher();
  let hold: { phase: WritePhase; minBytes: number; reached: () => void } | null = null;

  /** Stops the helper at the first progress of `phase` (with at least `minBytes` done). */
  const holdAt = (phase: WritePhase, minBytes = 0): Promise<void> =>
    new Promise((reached) => (hold = { phase, minBytes, reached }));
  const resume = (): void => void process.kill(recorder.pid()!, 'SIGCONT');

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'livestick-first-time-'));
    modernIso = makeLiveIso(work, { era: 'modern', label: MODERN_LABEL });
    f24Iso = makeLiveIso(work, { era: 'f24', squashfsImage: bulkyNestedSquashfs(work) });
    mkdirSync(path.join(work, 'isos'));
    writeFileSync(path.join(work, 'notes.txt'), 'Shopping list: milk, bread.\n');
    stick = path.join(work, 'stick.img');
    const drives = [
      { path: stick, sizeBytes: STICK_BYTES },
      { path: path.join(work, 'small.img'), sizeBytes: SMALL_BYTES },
    ];
    await ensureImageFileDrives(drives);
    // Typed paths starting with ~ name this folder.
    home = process.env.HOME;
    process.env.HOME = work;
    bridge = await startTestBridge((emit) =>
      createService({
        emit: (event, payload) => {
          if (event === 'writeProgress' && hold) {
            const { progress } = payload as Events['writeProgress'];
            if (progress.phase === hold.phase && progress.bytesDone >= hold.minBytes) {
              process.kill(recorder.pid()!, 'SIGSTOP');
              hold.reached();
              hold = null;
            }
          }
          emit(event, payload);
        },
        // As `npm run web` runs it: a page has no native file dialog.
        chooseImageFile: null,
        drives: imageFileDrives(drives),
        drivePollMs: 500,
        helper: nodeLocation(path.join(ROOT, 'dist', 'helper', 'helper.cjs')),
        launch: recorder.launch,
        log: () => undefined,
      }),
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: VIEWPORTS[0] });
    page.setDefaultTimeout(20_000);
    errors = watchErrors(page);
    await page.goto(bridge.url);
  });
  afterEach(async ({ task }) => {
    // What the page showed when a step failed, for whoever reads the failure.
    if (task.result?.state === 'fail') {
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `failed-${task.id}.png`) });
    }
  });
  afterAll(async () => {
    process.env.HOME = home;
    await browser?.close();
    await bridge?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const capture = async (name: string): Promise<void> => {
    problems.push(...(await captureStep(page, `first-time-${name}`)));
    await plainWords(name);
  };
  const plainWords = async (name: string): Promise<void> => {
    problems.push(...(await developerWordsOnScreen(page)).map((problem) => `${name}: ${problem}`));
  };
  const openTyped = async (typed: string): Promise<void> => {
    await page.getByLabel('Path of the ISO file').fill(typed);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
  };
  const writeEnabled = (): Promise<unknown> =>
    page.waitForFunction(() => {
      const button = [...document.querySelectorAll('button')].find(
        (b) => b.textContent === 'Write…',
      );
      return button !== undefined && !button.disabled;
    });
  const field = (name: string) => page.getByLabel(`${name}, size in GiB`);
  /** Calls the service as the page's own code would, and returns the raw envelope. */
  const callService = (method: string, request: object): Promise<Envelope<unknown>> =>
    page.evaluate(
      ([name, payload]) =>
        (window as unknown as Record<string, Record<string, (r: object) => Promise<unknown>>>)
          .livestick![name as string]!(payload as object) as Promise<Envelope<unknown>>,
      [method, request] as const,
    );
  const eraseAndWrite = async (): Promise<void> => {
    await writeEnabled();
    await page.getByRole('button', { name: 'Write…' }).click();
    await page.getByRole('button', { name: 'Erase and write' }).click();
  };

  describe('13. in the browser, choosing an image', () => {
    it('asks for the typed path when there is no file chooser', async () => {
      await page.getByRole('heading', { level: 1, name: 'Choose a live image' }).waitFor();
      await page.getByRole('button', { name: 'Choose ISO file…' }).click();
      await page.getByText('This browser window cannot open a file chooser.').waitFor();
      await page.waitForFunction(() => document.activeElement?.id === 'iso-path');
    });
  });

  describe('3. words a person reads, where opening an image fails', () => {
    it('says what is wrong with a missing file, a folder and a file that is no image', async () => {
      await openTyped('~/missing.iso');
      await page.getByText('There is no file at “~/missing.iso”.').waitFor();
      await capture('image-missing');
      await openTyped(work);
      await page.getByText(`“${work}” is a folder, not an ISO file.`).waitFor();
      await plainWords('image-folder');
      await openTyped('~/notes.txt');
      await page.getByText('“notes.txt” holds no Fedora live system.').waitFor();
      await plainWords('image-not-live');
      expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    });
  });

  describe('13. a typed path', () => {
    it('expands ~, and a failed open keeps the image that worked', async () => {
      await openTyped(`~/${path.basename(modernIso)}`);
      await page.getByText(MODERN_LABEL).waitFor();
      await openTyped('~/missing.iso');
      await page.getByText('There is no file at “~/missing.iso”.').waitFor();
      expect(await page.getByText(MODERN_LABEL).count()).toBe(1);
      expect(
        await page.getByText(`LiveStick still uses ${path.basename(modernIso)}.`).count(),
      ).toBe(1);
      expect(await page.getByRole('button', { name: 'Next' }).isEnabled()).toBe(true);
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('radio', { name: /stick\.img/ }).check();
      expect(await page.getByRole('radio', { name: /small\.img/ }).isDisabled()).toBe(true);
      await capture('drive');
      await page.getByRole('button', { name: 'Next' }).click();
    });
  });

  describe('9. the persistence page', () => {
    it('fits 1280×800 with Write in view, keeps the expert choices behind Advanced', async () => {
      await page.getByRole('heading', { level: 1, name: 'Persistence' }).waitFor();
      expect(await page.title()).toBe('Persistence — LiveStick');
      await writeEnabled();
      const write = (await page.getByRole('button', { name: 'Write…' }).boundingBox())!;
      expect(await page.evaluate(() => window.scrollY)).toBe(0);
      expect(write.y + write.height).toBeLessThanOrEqual(VIEWPORTS[0].height);
      expect(await page.getByRole('radio', { name: /OverlayFS/ }).isVisible()).toBe(false);
      expect(await page.getByText(/FAT32 holds files of up to 4 GiB/).count()).toBe(1);
      await capture('persistence');
    });
  });

  describe('4. what can be changed later', () => {
    it('is said as it is, not promised wholesale', async () => {
      const text = await page.locator('main').innerText();
      expect(text).not.toContain('You can change these later');
      expect(text).toContain('any other change needs a new write');
    });
  });

  describe('2. typing 0 into the overlay field', () => {
    it('keeps the overlay control, to raise it again', async () => {
      await field('System changes (overlay)').fill('0');
      await page.getByText('None: the stick starts fresh every time').waitFor();
      await page.locator('.segment-overlay.capacity-segment').waitFor({ state: 'detached' });
      await field('System changes (overlay)').fill('0.2');
      await page.locator('.segment-overlay.capacity-segment').waitFor();
      expect(await field('System changes (overlay)').inputValue()).toBe('0.2');
    });
  });

  describe('5. size fields', () => {
    it('mark what cannot be used on the field itself, once, and block the write', async () => {
      const home = field('Home (your files)');
      for (const [typed, words] of [
        ['6144', /^At most 0\.\d+ GiB: that is what is free on the stick\.$/],
        ['99999999', /^Type a size in GiB, such as 2\.5, or 0 for none\.$/],
        ['-5', /^Type a size in GiB/],
        ['1e3', /^Type a size in GiB/],
        ['1.5', /^At most 0\.\d+ GiB/],
        ['0.05', /^Type 0 for none, or at least 0\.1 GiB\.$/],
      ] as const) {
        await home.fill(typed);
        await page.locator('.field-error').waitFor();
        expect(await page.getByRole('alert').count(), typed).toBe(1);
        expect(await page.locator('.field-error').innerText(), typed).toMatch(words);
        expect(await home.getAttribute('aria-invalid'), typed).toBe('true');
        expect(await page.getByRole('button', { name: 'Write…' }).isDisabled(), typed).toBe(true);
        if (typed === '6144') await capture('persistence-invalid');
      }
      await home.fill('0.2');
      await page.locator('.field-error').waitFor({ state: 'detached' });
      await writeEnabled();
    });
  });

  describe('11. keyboard and headings', () => {
    it('moves a slider a tenth of a GiB per arrow press', async () => {
      await page.getByRole('slider', { name: 'Home (your files)' }).focus();
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction(
        () =>
          (
            document.querySelector(
              '[aria-label="Home (your files), size in GiB"]',
            ) as HTMLInputElement
          ).value === '0.3',
      );
      expect(await page.locator('h1').allInnerTexts()).toEqual(['Persistence']);
    });
  });

  describe('7. choosing another image', () => {
    it('keeps the sizes that still fit, and says which had to change', async () => {
      await page
        .getByRole('navigation', { name: 'Steps' })
        .getByRole('button', { name: /Image/ })
        .click();
      await openTyped(f24Iso);
      await page.getByText(F24_LABEL).waitFor();
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('button', { name: 'Next' }).click();
      // A snapshot overlay of this image's small system never uses 0.2 GiB: that size changes.
      await page
        .getByText(
          'The overlay size from before did not fit this image and stick, so LiveStick chose a new one. Your other sizes were kept.',
        )
        .waitFor();
      expect(await field('Home (your files)').inputValue()).toBe('0.3');
      await plainWords('persistence-kept');
    });
  });

  describe('9. an F24-style image', () => {
    it('offers an overlay only as large as a snapshot of its system can use', async () => {
      // Its system image is 24 MiB: a snapshot overlay never uses more than about that.
      const slider = page.getByRole('slider', { name: 'System changes (overlay)' });
      expect(Number(await slider.getAttribute('max'))).toBeLessThanOrEqual(10);
      await page.getByText(/snapshot overlay never uses more than the system/).waitFor();
      await capture('persistence-f24');
    });
  });

  describe('1. a reload during a write', () => {
    it('shows the running write again, with its progress and Cancel', async () => {
      const writing = holdAt('writing');
      await eraseAndWrite();
      await writing;
      await page.getByRole('heading', { level: 1, name: 'Writing' }).waitFor();
      // 11: focus stays on the screen, never falls to the page.
      expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');

      const asked = new Promise<string>((resolve) =>
        page.once('dialog', (dialog) => {
          resolve(dialog.type());
          void dialog.accept();
        }),
      );
      await page.reload();
      expect(await asked).toBe('beforeunload');
      await page.getByRole('heading', { level: 1, name: 'Writing' }).waitFor();
      await page.getByText('written', { exact: false }).first().waitFor();
      expect(await page.getByRole('button', { name: 'Cancel…' }).isEnabled()).toBe(true);
      expect(await page.getByRole('button', { name: 'Check a stick' }).isDisabled()).toBe(true);
      expect(
        await page
          .getByRole('navigation', { name: 'Steps' })
          .getByRole('button', { name: /Image/ })
          .isDisabled(),
      ).toBe(true);
      expect(await page.locator('.progress-percent').innerText()).toMatch(/^\d+ %$/);
      await capture('write-after-reload');
    });

    it('refuses to check or write the stick meanwhile, as LiveStick’s own write', async () => {
      const inspect = await callService('inspect', { device: stick });
      expect(inspect).toMatchObject({
        ok: false,
        error: { code: 'DEVICE_BUSY', details: { reason: 'livestick-writing', device: stick } },
      });
      const again = await callService('startWrite', {
        imagePath: f24Iso,
        device: stick,
        sizing: { overlayType: 'auto', encryptedHome: false, partitionTable: 'mbr' },
        verify: true,
      });
      expect(again).toMatchObject({
        ok: false,
        error: { code: 'DEVICE_BUSY', details: { reason: 'livestick-writing' } },
      });
    });
  });

  describe('8. progress', () => {
    it('is one bar over all phases, and the done screen says the stick was verified', async () => {
      const verifying = holdAt('verifying');
      resume();
      await verifying;
      await page.locator('.progress-phase', { hasText: 'Verifying' }).waitFor();
      // Verifying is the second half of the one bar.
      const percent = Number((await page.locator('.progress-percent').innerText()).split(' ')[0]);
      expect(percent).toBeGreaterThanOrEqual(50);
      expect(
        await page
          .locator('.facts-inline dd')
          .first()
          .evaluate((dd) => getComputedStyle(dd).whiteSpace),
      ).toBe('nowrap');
      resume();
      await page
        .getByRole('heading', { name: 'Your stick is ready' })
        .waitFor({ timeout: WRITE_TIMEOUT_MS });
      expect(await page.getByRole('status').innerText()).toMatch(/^Written and verified: /);
      expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
      await capture('write-done');

      const partition = path.join(work, 'partition.img');
      extractPartition(stick, partition);
      const fsck = fsckFat(partition);
      expect(fsck.code, fsck.output).toBe(0);
      rmSync(partition);
    });
  });

  describe('10. one unit convention', () => {
    it('shows the same free space on the done screen and the check screen', async () => {
      const line = await page.getByText(/^Free space for your files: /).innerText();
      const done = line.replace('Free space for your files: ', '');
      expect(done).toMatch(/^\d+ MiB$/);
      await page.getByRole('button', { name: 'Check this stick' }).click();
      await page.getByRole('meter', { name: 'Home usage' }).waitFor();
      const facts = page.locator('.report > dl.facts');
      expect(await facts.innerText()).toContain(`Free space for files\n${done}`);
      expect(await page.getByRole('alert').count()).toBe(0);
      await capture('check');
    });
  });

  describe('4. Grow', () => {
    it('shows the size now, the largest possible and the free space, and refuses useless growth', async () => {
      await page.getByRole('button', { name: 'Grow overlay or home…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Grow the overlay or home' });
      await dialog.waitFor();
      expect(await dialog.innerText()).toMatch(/Free on the stick now: \d+ MiB/);
      // An F24-style overlay already has all a snapshot of its system can use.
      const overlay = dialog.getByLabel(/^System changes \(overlay\): now /);
      expect(await overlay.isDisabled()).toBe(true);
      expect(await dialog.innerText()).toContain(
        'It is already as large as a snapshot overlay of this system can use.',
      );
      const home = dialog.getByLabel(/^Home: now 0\.3 GiB; new size in GiB$/);
      await home.fill('5000');
      await dialog.getByText(/^At most 0\.\d+ GiB\.$/).waitFor();
      expect(await dialog.getByRole('button', { name: 'Grow' }).isDisabled()).toBe(true);
      await capture('check-grow-refused');
      await home.fill('0.4');
      await dialog.getByRole('button', { name: 'Grow' }).click();
      await page.getByText('Home now holds 0.4 GiB.').waitFor();
      await page.getByRole('meter', { name: 'Home usage' }).waitFor();
      expect(await page.getByText(/wasted/).count()).toBe(0);
      await plainWords('check-grown');
    });
  });

  describe('6. Cancel', () => {
    it('says that stopping while preparing leaves the stick as it was, and it does', async () => {
      await page.getByRole('button', { name: 'Make a stick' }).click();
      await page.getByRole('heading', { level: 1, name: 'Persistence' }).waitFor();
      const preparing = holdAt('preparing');
      await eraseAndWrite();
      await preparing;
      await page.getByText('Nothing has been written to the stick yet.').waitFor();
      // 8: while preparing the bar is indeterminate, with no "0 B of 0 B".
      expect(await page.locator('progress').getAttribute('value')).toBeNull();
      await page.getByRole('button', { name: 'Cancel…' }).click();
      const ask = page.getByRole('dialog', { name: 'Stop writing?' });
      expect(await ask.innerText()).toContain(
        'Nothing has been written to the stick yet. If you stop now, it stays as it is.',
      );
      await capture('write-cancel-preparing');
      await ask.getByRole('button', { name: 'Stop writing' }).click();
      await page.getByText('Stopping…').waitFor();
      resume();
      await page
        .getByRole('heading', { name: 'Writing was cancelled' })
        .waitFor({ timeout: WRITE_TIMEOUT_MS });
      expect(
        await page.getByText('Nothing was written: the stick is as it was before.').count(),
      ).toBe(1);
      await capture('write-cancelled-unchanged');

      // And the stick is indeed as it was: a healthy LiveStick.
      await page.getByRole('button', { name: 'Back to the settings' }).click();
      await page.getByRole('button', { name: 'Check a stick' }).click();
      await page.locator('#check-device').selectOption(stick);
      await page.getByRole('button', { name: 'Check', exact: true }).click();
      await page.getByRole('meter', { name: 'Home usage' }).waitFor();
      expect(await page.getByRole('alert').count()).toBe(0);
    });

    it('says that stopping while writing leaves a partly written stick', async () => {
      await page.getByRole('button', { name: 'Make a stick' }).click();
      await page.getByRole('heading', { level: 1, name: 'Persistence' }).waitFor();
      const writing = holdAt('writing');
      await eraseAndWrite();
      await writing;
      await page.getByRole('button', { name: 'Cancel…' }).click();
      const ask = page.getByRole('dialog', { name: 'Stop writing?' });
      expect(await ask.innerText()).toContain('The stick is partly written.');
      await ask.getByRole('button', { name: 'Stop writing' }).click();
      await page.getByText('Stopping…').waitFor();
      resume();
      await page
        .getByRole('heading', { name: 'Writing was cancelled' })
        .waitFor({ timeout: WRITE_TIMEOUT_MS });
      expect(
        await page.getByText(/The stick is partly written and will not start a computer/).count(),
      ).toBe(1);
    });
  });

  describe('12. a drive that is not a LiveStick', () => {
    it('is said to be so, offers only restoring, and shows no empty cards', async () => {
      await page.getByRole('button', { name: 'Back to the settings' }).click();
      await page.getByRole('button', { name: 'Check a stick' }).click();
      await page.locator('#check-device').selectOption(stick);
      await page.getByRole('button', { name: 'Check', exact: true }).click();
      await page.getByText('Not a LiveStick').waitFor();
      expect(await page.getByRole('button', { name: 'Grow overlay or home…' }).count()).toBe(0);
      await capture('check-not-livestick');
      await page.getByRole('button', { name: 'Restore to an ordinary drive…' }).click();
      await page.getByRole('button', { name: 'Erase and restore' }).click();
      await page.getByText('The drive is now an ordinary empty drive.').waitFor();
      await page
        .getByText(/^This drive holds no LiveStick: it is an ordinary drive with /)
        .waitFor();
      expect(await page.getByRole('heading', { name: 'System changes (overlay)' }).count()).toBe(0);
      expect(await page.getByRole('heading', { name: 'Home' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Grow overlay or home…' }).count()).toBe(0);
      await capture('check-ordinary-drive');
    });
  });

  describe('3, 11 and every screen', () => {
    it('showed no developer word, no accessibility problem and no page or CSP error', () => {
      expect(problems).toEqual([]);
      expect(errors).toEqual([]);
    });
  });
});
