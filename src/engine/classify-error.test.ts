// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { LiveStickError } from '../shared/errors';
import { classifyElevationError, classifyError, type ErrorSubject } from './classify-error';

const stick: ErrorSubject = {
  path: '/dev/sdb',
  kind: 'device',
  description: 'SanDisk Ultra, 16 GB',
};
const image: ErrorSubject = { path: '/home/u/stick.img', kind: 'file' };

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: something`), { code });
}

describe('classifyError', () => {
  it.each([
    ['EACCES', stick, 'ACCESS_DENIED'],
    ['EPERM', stick, 'ACCESS_DENIED'],
    ['EROFS', stick, 'WRITE_PROTECTED'],
    ['EROFS', image, 'WRITE_PROTECTED'],
    ['EBUSY', stick, 'DEVICE_BUSY'],
    ['ENXIO', stick, 'DEVICE_UNPLUGGED'],
    ['ENODEV', stick, 'DEVICE_UNPLUGGED'],
    ['ENOMEDIUM', stick, 'DEVICE_UNPLUGGED'],
    ['ENOENT', stick, 'DEVICE_UNPLUGGED'],
    ['ENOENT', image, 'TARGET_REFUSED'],
    ['EIO', stick, 'MEDIA_ERROR'],
    ['EIO', image, 'MEDIA_ERROR'],
    ['ENOSPC', stick, 'MEDIA_ERROR'],
    ['ENOSPC', image, 'DOES_NOT_FIT'],
    ['EFBIG', image, 'DOES_NOT_FIT'],
    ['EISDIR', image, 'TARGET_REFUSED'],
  ] as const)('%s on a %s', (code, subject, expected) => {
    const classified = classifyError(errno(code), subject);
    expect(classified.code).toBe(expected);
    expect(classified.message).toContain(subject.path);
    expect(classified.details).toEqual({ errno: code, path: subject.path });
  });

  it('names the device with its description', () => {
    expect(classifyError(errno('EROFS'), stick).message).toBe(
      '/dev/sdb (SanDisk Ultra, 16 GB) is write-protected.',
    );
  });

  it('passes classified errors through unchanged', () => {
    const original = new LiveStickError('VERIFY_MISMATCH', 'byte 5 differs');
    expect(classifyError(original, stick)).toBe(original);
    expect(classifyError({ code: 'DOES_NOT_FIT', message: 'too big' }).code).toBe('DOES_NOT_FIT');
  });

  it('turns an abort into CANCELLED', () => {
    const controller = new AbortController();
    controller.abort();
    let aborted: unknown;
    try {
      controller.signal.throwIfAborted();
    } catch (error) {
      aborted = error;
    }
    expect(classifyError(aborted).code).toBe('CANCELLED');
  });

  it('keeps unknown failures as INTERNAL with their message', () => {
    const classified = classifyError(new TypeError('x is undefined'));
    expect(classified.code).toBe('INTERNAL');
    expect(classified.message).toBe('x is undefined');
    expect(classifyError(errno('EWEIRD')).details).toEqual({ errno: 'EWEIRD' });
  });
});

describe('classifyElevationError', () => {
  it.each([
    ['User did not grant permission.', /refused/],
    ['No polkit authentication agent found.', /polkit authentication agent/],
    ['Unable to find pkexec or kdesudo.', /neither pkexec nor kdesudo/],
  ])('%s → ELEVATION_DENIED', (message, wording) => {
    const classified = classifyElevationError(new Error(message));
    expect(classified.code).toBe('ELEVATION_DENIED');
    expect(classified.message).toMatch(wording);
  });

  it('leaves other launcher failures to classifyError', () => {
    expect(classifyElevationError(errno('EACCES')).code).toBe('ACCESS_DENIED');
  });
});
