// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { asciiBytes } from '../../../../src/core/bytes';
import {
  CASE_LOWER_BASE,
  CASE_LOWER_EXTENSION,
  aliasShortName,
  displayShortName,
  exactShortName,
  lfnChecksum,
  longNameProblem,
} from '../../../../src/core/fat32/names';

/** What Windows (and mtools, checked by directory.test.ts) stores for a name in an empty directory. */
function shortFor(
  name: string,
  taken: string[] = [],
): { packed: string; caseFlags: number; lfn: boolean } {
  const short = exactShortName(name) ?? aliasShortName(name, new Set(taken));
  return { packed: short.packed, caseFlags: short.caseFlags, lfn: short.needsLongName };
}

describe('short names', () => {
  it.each([
    ['squashfs.img', 'SQUASHFSIMG', CASE_LOWER_BASE | CASE_LOWER_EXTENSION, false],
    ['grubx64.efi', 'GRUBX64 EFI', CASE_LOWER_BASE | CASE_LOWER_EXTENSION, false],
    ['BOOTX64.EFI', 'BOOTX64 EFI', 0, false],
    ['EFI', 'EFI        ', 0, false],
    ['BOOT.efi', 'BOOT    EFI', CASE_LOWER_EXTENSION, false],
    ['home.IMG', 'HOME    IMG', CASE_LOWER_BASE, false],
    ['overlay-LIVE-1A2B-3C4D', 'OVERLA~1   ', 0, true],
    ['Fedora-Legal-README.txt', 'FEDORA~1TXT', 0, true],
    ['LiveOS', 'LIVEOS     ', 0, true],
    ['Readme.txt', 'README  TXT', 0, true],
    ['BOOT.conf', 'BOOT~1  CON', 0, true],
    ['my file (1).txt', 'MYFILE~1TXT', 0, true],
    ['.disk-info', 'DISK-I~1   ', 0, true],
    ['Grüße.txt', 'GR__E~1 TXT', 0, true],
    ['a+b.c', 'A_B~1   C  ', 0, true],
    ['archive.tar.gz', 'ARCHIV~1GZ ', 0, true],
  ])('%s → %s', (name, packed, caseFlags, lfn) => {
    expect(shortFor(name)).toEqual({ packed, caseFlags, lfn });
  });

  it('counts the numeric tail up past taken names, shortening the basis', () => {
    const taken = ['OVERLA~1   ', 'OVERLA~2   '];
    expect(shortFor('overlay-LIVE-0000-0000', taken).packed).toBe('OVERLA~3   ');
    const many = Array.from({ length: 9 }, (_, i) => `OVERLA~${i + 1}   `);
    expect(shortFor('overlay-x', many).packed).toBe('OVERL~10   ');
    expect(shortFor('Readme.txt', ['README  TXT']).packed).toBe('README~1TXT');
  });

  it('shows short names with the NT case flags applied', () => {
    expect(displayShortName('SQUASHFSIMG', 0x18)).toBe('squashfs.img');
    expect(displayShortName('BOOT    EFI', CASE_LOWER_EXTENSION)).toBe('BOOT.efi');
    expect(displayShortName('EFI        ', 0)).toBe('EFI');
  });
});

describe('long names', () => {
  it('accept what Windows accepts and say why not otherwise', () => {
    expect(longNameProblem('overlay-LIVE-1A2B-3C4D')).toBeNull();
    expect(longNameProblem('a'.repeat(255))).toBeNull();
    expect(longNameProblem('a'.repeat(256))).toMatch(/longer than 255/);
    expect(longNameProblem('a:b')).toMatch(/":"/);
    expect(longNameProblem('trailing.')).toMatch(/end with a dot/);
    expect(longNameProblem('..')).toMatch(/reserved/);
    expect(longNameProblem('')).toMatch(/empty/);
  });
});

describe('LFN checksum', () => {
  it.each([
    ['OVERLA~1   ', 0x55],
    ['FEDORA~1TXT', 0xc9],
    ['SQUASHFSIMG', 0xb3],
  ])('of %s is %i', (packed, checksum) => {
    expect(lfnChecksum(asciiBytes(packed))).toBe(checksum);
  });
});
