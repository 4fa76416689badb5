// SPDX-License-Identifier: GPL-3.0-or-later
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { concatBytes, hex, u16le, u32le } from '../../../../src/core/bytes';
import { ENTRY_CREATE_TENTHS } from '../../../../src/core/fat32/directory';
import { entriesFor } from '../../../unit/core/fat32/directory-entries';

const dir = mkdtempSync(join(tmpdir(), 'livestick-fatdir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Timestamps are the tool's "now"; everything else must be equal. */
function withoutTimes(entries: Uint8Array): string {
  const copy = entries.slice();
  for (let at = 0; at < copy.length; at += 32) {
    if (copy[at + 11] === 0x0f) continue;
    copy.fill(0, at + ENTRY_CREATE_TENTHS, at + 20);
    copy.fill(0, at + 22, at + 26);
  }
  return hex(copy);
}

describe('directory entries against mtools', () => {
  it('are what mtools writes for the same names', () => {
    const image = join(dir, 'mtools.img');
    execFileSync('mkfs.fat', ['-F', '32', '-s', '8', '-C', image, String(300 * 1024)]);
    const names = [
      'squashfs.img',
      'overlay-LIVE-1A2B-3C4D',
      'grubx64.efi',
      'BOOTX64.EFI',
      'Fedora-Legal-README.txt',
      'BOOT.conf',
      'my file (1).txt',
    ];
    const ours: Uint8Array[] = [];
    for (const [i, name] of names.entries()) {
      const local = join(dir, 'in');
      writeFileSync(local, 'x'.repeat(i + 1));
      execFileSync('mcopy', ['-i', image, local, `::/${name}`]);
      ours.push(entriesFor(name, i + 1, 3 + i));
    }
    const bytes = new Uint8Array(readFileSync(image));
    const rootStart = (u16le(bytes, 14) + bytes[16]! * u32le(bytes, 36)) * 512;
    const expected = concatBytes(ours);
    expect(withoutTimes(bytes.subarray(rootStart, rootStart + expected.length))).toBe(
      withoutTimes(expected),
    );
  });
});
