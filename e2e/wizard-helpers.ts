// SPDX-License-Identifier: GPL-3.0-or-later
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { screenshot } from './browser';

export const THEMES = ['light', 'dark'] as const;

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

let axeSource: string | null = null;

/**
 * Runs axe-core on the page as it is and returns every violation, whatever its impact, one line
 * each. axe is evaluated through the DevTools protocol: the app's CSP rightly refuses a
 * <script> element the page did not ship.
 */
export async function a11yViolations(page: Page): Promise<string[]> {
  axeSource ??= await readFile(createRequire(__filename).resolve('axe-core/axe.min.js'), 'utf8');
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } })
      .axe;
    const result = await axe.run();
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
  return violations.map(
    (v) =>
      `${v.impact ?? 'no impact'} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

/** The window sizes every screen is checked and shown at: a laptop, and a small window. */
export const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 800, height: 600 },
] as const;

/**
 * Screenshots the page in the light and the dark scheme at each of VIEWPORTS (named
 * `<name>-<width>x<height>-<scheme>`), and scans each scheme for accessibility problems, since
 * contrast differs per scheme (and the layout per size). Returns the problems found
 * (violations and horizontal overflow), prefixed with the screen, size and scheme. Leaves the
 * page at the first size, in the light scheme.
 */
export async function captureStep(page: Page, name: string): Promise<string[]> {
  const problems: string[] = [];
  for (const [index, viewport] of VIEWPORTS.entries()) {
    await page.setViewportSize(viewport);
    const size = `${viewport.width}x${viewport.height}`;
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    if (overflow > 0) problems.push(`${name}/${size}: the page is ${overflow}px too wide`);
    for (const colorScheme of THEMES) {
      await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
      await screenshot(page, `${name}-${size}-${colorScheme}`);
      // Every scheme at the first size; the small window in one scheme (its colours are the same).
      if (index === 0 || colorScheme === 'light') {
        for (const violation of await a11yViolations(page)) {
          problems.push(`${name}/${size}/${colorScheme}: ${violation}`);
        }
      }
    }
  }
  await page.setViewportSize(VIEWPORTS[0]);
  await page.emulateMedia({ colorScheme: 'light' });
  return problems;
}

/** Collects page errors and console errors (CSP violations land there). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return errors;
}

/**
 * What must never reach a person on a screen of the wizard: command-line options, errno names,
 * raw byte counts, engine jargon, and sizes in any unit but the wizard's (GiB, MiB, KiB).
 */
const DEVELOPER_WORDS: readonly [RegExp, string][] = [
  [/(^|\s)--[a-z]/m, 'a command-line option'],
  [/\bE[A-Z]{3,}\b/, 'an errno name'],
  [/\d{7,}/, 'a raw byte count'],
  [/\b\d+(?:\.\d+)? (?:MB|GB|KB|TB)\b/, 'a size in an unlabelled unit'],
  [/LUKS|upper and work|dracut|squashfs|rootfs|FormatError|undefined|NaN/, 'engine jargon'],
];

/** Every problem with the text the page shows now (hidden and collapsed text excluded). */
export async function developerWordsOnScreen(page: Page): Promise<string[]> {
  const text = await page.evaluate(() => document.body.innerText);
  return DEVELOPER_WORDS.flatMap(([pattern, what]) => {
    const match = pattern.exec(text);
    return match
      ? [`${what}: "${text.slice(Math.max(0, match.index - 40), match.index + 40)}"`]
      : [];
  });
}
