// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { LiveStickError } from '../../../../src/shared/errors';
import { parseChecksumFile } from '../../../../src/core/download/checksum-file';

const OSB = '8d3cb4d99f27eb932064915bc9ad34a7529d5d073a390896152a8a899518573f';
const CLASSIC = 'dd1faca950d1a8c3d169adf2df4c3644ebb62f8aac04c401f2393e521395d613';

/** The signed text of Fedora-Workstation-40-1.14-x86_64-CHECKSUM: two ISOs, sizes as comments. */
const FEDORA_40 = [
  '# Fedora-Workstation-Live-osb-40-1.14.x86_64.iso: 2623733760 bytes',
  `SHA256 (Fedora-Workstation-Live-osb-40-1.14.x86_64.iso) = ${OSB}`,
  '# Fedora-Workstation-Live-x86_64-40-1.14.iso: 2295853056 bytes',
  `SHA256 (Fedora-Workstation-Live-x86_64-40-1.14.iso) = ${CLASSIC}`,
  '',
].join('\n');

function reasonOf(text: string): unknown {
  try {
    parseChecksumFile(text);
  } catch (error) {
    return error instanceof LiveStickError ? error.details : error;
  }
  return null;
}

describe('Fedora CHECKSUM file', () => {
  it('reads each image with its SHA-256 and the size from its comment', () => {
    const entries = parseChecksumFile(FEDORA_40);
    expect([...entries.keys()]).toEqual([
      'Fedora-Workstation-Live-osb-40-1.14.x86_64.iso',
      'Fedora-Workstation-Live-x86_64-40-1.14.iso',
    ]);
    expect(entries.get('Fedora-Workstation-Live-x86_64-40-1.14.iso')).toEqual({
      fileName: 'Fedora-Workstation-Live-x86_64-40-1.14.iso',
      sha256: CLASSIC,
      sizeBytes: 2295853056,
    });
  });

  it('accepts CRLF line ends and files without size comments', () => {
    const entries = parseChecksumFile(`SHA256 (a.iso) = ${OSB.toUpperCase()}\r\n`);
    expect(entries.get('a.iso')).toEqual({ fileName: 'a.iso', sha256: OSB, sizeBytes: null });
  });

  it('refuses lines it does not understand, short digests and duplicates, naming the line', () => {
    expect(reasonOf(`${FEDORA_40}garbage\n`)).toEqual({ reason: 'checksum-file-invalid', line: 5 });
    expect(reasonOf('SHA256 (a.iso) = abcd\n')).toEqual({
      reason: 'checksum-file-invalid',
      line: 1,
    });
    expect(reasonOf(`SHA256 (a.iso) = ${OSB}\nSHA256 (a.iso) = ${CLASSIC}\n`)).toEqual({
      reason: 'checksum-file-invalid',
      line: 2,
    });
  });
});
