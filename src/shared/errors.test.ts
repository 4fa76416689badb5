// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { LiveStickError, fromWire, shortfall, toWire, wireErrorSchema } from './errors';

describe('error details', () => {
  it('say a shortfall as what is missing and what there is', () => {
    expect(shortfall(5000, 3000)).toEqual({ missingBytes: 2000, availableBytes: 3000 });
  });

  it('have one shape per code on the wire', () => {
    const fit = { code: 'DOES_NOT_FIT', message: 'No room.', details: shortfall(2, 1) };
    expect(wireErrorSchema.parse(fit)).toEqual(fit);
    const renamed = { ...fit, details: { neededBytes: 2, availableBytes: 1 } };
    expect(wireErrorSchema.safeParse(renamed).success).toBe(false);
    const cancelled = { code: 'CANCELLED', message: 'Stopped.', details: { errno: 'EINTR' } };
    expect(wireErrorSchema.safeParse(cancelled).success).toBe(false);
    const download = {
      code: 'SOURCE_UNREADABLE',
      message: 'Offline.',
      details: { reason: 'offline', url: 'https://example.org/x.iso', errno: null },
    };
    expect(wireErrorSchema.parse(download)).toEqual(download);
  });

  it('survive the round trip through the wire', () => {
    const error = new LiveStickError('VERIFY_MISMATCH', 'Differs.', {
      offset: 512,
      length: 4096,
      region: 'FAT',
    });
    expect(fromWire(toWire(error))).toMatchObject({
      code: 'VERIFY_MISMATCH',
      message: 'Differs.',
      details: { offset: 512, length: 4096, region: 'FAT' },
    });
    expect(toWire(new TypeError('x is undefined'))).toEqual({
      code: 'INTERNAL',
      message: 'x is undefined',
    });
  });

  it('narrow to one code', () => {
    const error: unknown = new LiveStickError('DOES_NOT_FIT', 'No room.', shortfall(2, 1));
    expect(LiveStickError.is(error, 'DOES_NOT_FIT')).toBe(true);
    expect(LiveStickError.is(error, 'FAT32_FILE_LIMIT')).toBe(false);
    expect(LiveStickError.is(new Error('x'), 'DOES_NOT_FIT')).toBe(false);
  });
});
