// SPDX-License-Identifier: GPL-3.0-or-later
import { LiveStickError } from '../../shared/errors';

/**
 * The signed text of a Fedora `*-CHECKSUM` file: BSD-style digest lines as written by
 * `sha256sum --tag`, each image preceded by a comment giving its size:
 *
 *   # Fedora-Workstation-Live-43-1.6.x86_64.iso: 2742190080 bytes
 *   SHA256 (Fedora-Workstation-Live-43-1.6.x86_64.iso) = 0d2b…
 *
 * Parse only the text the OpenPGP signature covers, never the raw file: anything outside the
 * signed part could have been added by whoever served it.
 */
export interface ChecksumEntry {
  readonly fileName: string;
  readonly sha256: string;
  /** From the size comment; null when the file gives none. */
  readonly sizeBytes: number | null;
}

const DIGEST_LINE = /^([A-Z0-9-]+) \((.+)\) = ([0-9a-fA-F]+)$/;
const SIZE_COMMENT = /^# (.+): (\d+) bytes$/;

function invalid(line: number, problem: string): LiveStickError {
  return new LiveStickError(
    'SOURCE_CORRUPT',
    `The signed CHECKSUM file cannot be read: line ${line} ${problem}.`,
    { reason: 'checksum-file-invalid', line },
  );
}

export function parseChecksumFile(signedText: string): Map<string, ChecksumEntry> {
  const sizes = new Map<string, number>();
  const entries = new Map<string, ChecksumEntry>();
  const lines = signedText.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '').trim();
    const number = index + 1;
    if (line === '') return;
    if (line.startsWith('#')) {
      const size = SIZE_COMMENT.exec(line);
      if (size) sizes.set(size[1]!, Number(size[2]));
      return;
    }
    const digest = DIGEST_LINE.exec(line);
    if (!digest) throw invalid(number, 'is neither a comment nor a digest line');
    const [, algorithm, fileName, hex] = digest;
    if (algorithm !== 'SHA256') return;
    if (hex!.length !== 64) throw invalid(number, `has a SHA256 of ${hex!.length} hex digits`);
    if (entries.has(fileName!)) throw invalid(number, `lists ${fileName} a second time`);
    entries.set(fileName!, { fileName: fileName!, sha256: hex!.toLowerCase(), sizeBytes: null });
  });
  for (const [fileName, entry] of entries) {
    const sizeBytes = sizes.get(fileName);
    if (sizeBytes !== undefined) entries.set(fileName, { ...entry, sizeBytes });
  }
  return entries;
}
