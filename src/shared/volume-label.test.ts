// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { volumeLabelProblem, volumeLabelSchema } from './volume-label';

describe('the volume label rule', () => {
  it('names the character or the length that is refused', () => {
    expect(volumeLabelProblem('LIVE.1')).toMatch(/"\."/);
    expect(volumeLabelProblem('Fedora-40')).toBeNull();
    expect(volumeLabelProblem('MY STICK')).toMatch(/" "/);
    expect(volumeLabelProblem('TWELVE_CHARS')).toMatch(/longer than 11/);
    expect(volumeLabelProblem('')).toBeNull();
  });

  it('is the rule the request and job schemas apply', () => {
    expect(volumeLabelSchema.safeParse('USB_2').success).toBe(true);
    const refused = volumeLabelSchema.safeParse('MY STICK');
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe(`label ${volumeLabelProblem('MY STICK')}`);
  });
});
