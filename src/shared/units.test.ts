import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, GiB, MiB, parseSize } from './units';

describe('parseSize', () => {
  it.each([
    ['4096', 4096],
    ['16G', 16 * GiB],
    ['16GiB', 16 * GiB],
    ['512m', 512 * MiB],
    ['1.5G', 1.5 * GiB],
    ['2T', 2 * 1024 * GiB],
  ])('%s → %d bytes', (text, bytes) => expect(parseSize(text)).toBe(bytes));

  it('reads bare numbers as MiB when asked', () => expect(parseSize('100', 'M')).toBe(100 * MiB));

  it.each(['', 'G', '-1G', '12X', '1e3', 'ten'])('rejects %j', (text) =>
    expect(parseSize(text)).toBeNull(),
  );
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KB'],
    [16 * GiB - 4 * MiB, '16.0 GB'],
    [15.4 * GiB, '15.4 GB'],
  ])('%d → %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe('formatDuration', () => {
  it.each([
    [42.4, '42 s'],
    [185, '3 min 05 s'],
    [3720, '1 h 02 min'],
  ])('%d s → %s', (seconds, text) => expect(formatDuration(seconds)).toBe(text));
});
