import { describe, expect, it } from 'vitest';
import { GiB, MiB } from '../../shared/units';
import { fieldText, formatSize, hundredthsToMiB, mibToHundredths, parseFieldText } from './sizes';

describe('wizard sizes', () => {
  it.each([
    [0, '0 bytes'],
    [512 * 1024, '512 KiB'],
    [497 * MiB, '497 MiB'],
    [4 * GiB - 512, '4.0 GiB'],
    [30_752_636_928, '28.6 GiB'],
    [2_000_365_289_472, '1.8 TiB'],
  ])('%d bytes read %s', (bytes, text) => expect(formatSize(bytes)).toBe(text));

  it.each([
    ['4', 400],
    ['4.0', 400],
    ['2.5', 250],
    ['0,25', 25],
    [' 12 ', 1200],
  ])('reads the field text %j as %d hundredths of a GiB', (text, hundredths) =>
    expect(parseFieldText(text)).toBe(hundredths),
  );

  it.each(['', '-5', '1e3', '1.234', '4 GiB', 'abc', '.5', '99999999'])('refuses %j', (text) =>
    expect(parseFieldText(text)).toBeNull(),
  );

  it('shows what it reads back: the field round-trips through MiB', () => {
    for (const hundredths of [0, 10, 25, 100, 205, 399, 400]) {
      const mib = hundredthsToMiB(hundredths);
      expect(parseFieldText(fieldText(mib))).toBe(hundredths);
      expect(mibToHundredths(mib)).toBe(hundredths);
    }
    expect(hundredthsToMiB(400)).toBe(4096);
    expect(fieldText(4096)).toBe('4.0');
    expect(fieldText(2056)).toBe('2.01');
  });
});
