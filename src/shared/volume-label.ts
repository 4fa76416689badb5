// SPDX-License-Identifier: GPL-3.0-or-later
import { z } from 'zod';

/** The FAT boot sector's label field holds 11 bytes. */
export const VOLUME_LABEL_MAX_CHARS = 11;

/**
 * The one rule for a stick's FAT volume label, wherever a label enters: the CLI, the wizard's
 * requests, the helper's job and the FAT volume planner. FAT itself would take spaces and most
 * punctuation, but dracut names the overlay file after the label (`overlay-<LABEL>-<UUID>`), so
 * only characters that are safe in a file name and on a kernel command line are accepted. The
 * empty label means a volume without one. Returns why `label` is refused, or null.
 */
export function volumeLabelProblem(label: string): string | null {
  if (label.length > VOLUME_LABEL_MAX_CHARS) {
    return `longer than ${VOLUME_LABEL_MAX_CHARS} characters`;
  }
  for (const char of label) {
    if (!/^[A-Za-z0-9_-]$/.test(char)) {
      return `the character ${JSON.stringify(char)} is not allowed (only A-Z, a-z, 0-9, _ and -)`;
    }
  }
  return null;
}

/** The same rule for the request and job schemas. */
export const volumeLabelSchema = z.string().superRefine((label, ctx) => {
  const problem = volumeLabelProblem(label);
  if (problem) ctx.addIssue({ code: 'custom', message: `label ${problem}` });
});
