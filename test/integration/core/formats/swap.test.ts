// SPDX-License-Identifier: GPL-3.0-or-later
import { execFileSync } from 'node:child_process';
import {
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
  closeSync,
  truncateSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSwapHeader, planSwapFile } from '../../../../src/core/formats/swap';

const UUID_TEXT = '0b1e5c2a-9d3f-4e11-8a6b-1c2d3e4f5a6b';
const UUID = Uint8Array.from(UUID_TEXT.replace(/-/g, '').match(/../g)!, (h) => parseInt(h, 16));
const MiB = 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'livestick-swap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Writes our header into a fresh sparse file of `size` bytes. */
function writeOurs(name: string, size: number, label?: string): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  try {
    for (const extent of planSwapFile({ sizeBytes: size, uuid: UUID, label })) {
      if (extent.fill.kind !== 'bytes') throw new Error('unexpected fill');
      writeSync(fd, extent.fill.data, 0, extent.length, extent.offset);
    }
  } finally {
    closeSync(fd);
  }
  truncateSync(path, size);
  return path;
}

describe('swap header against util-linux', () => {
  // Sizes that are and are not a whole number of pages; labels of 0, 7 and the 15 bytes mkswap allows.
  const cases: [number, string | undefined][] = [
    [16 * MiB, 'SWAPLBL'],
    [40 * 1024 + 1000, undefined],
    [20 * MiB + 512, 'LiveSwap-15byte'],
  ];
  for (const [size, label] of cases) {
    it(`matches mkswap byte for byte on the first page (${size} bytes, label ${label ?? 'none'})`, () => {
      const reference = join(dir, `mkswap-${size}.img`);
      truncateSync(openCloseCreate(reference), size);
      run('mkswap', ['-U', UUID_TEXT, ...(label ? ['-L', label] : []), reference]);
      const ours = writeOurs(`ours-${size}.img`, size, label);
      expect(readFileSync(ours).subarray(0, 4096)).toEqual(
        readFileSync(reference).subarray(0, 4096),
      );

      const probe = run('blkid', ['-p', '-o', 'export', ours]);
      expect(probe).toContain('TYPE=swap\n');
      expect(probe).toContain(`UUID=${UUID_TEXT}\n`);
      expect(probe).toContain('VERSION=1\n');
      if (label) expect(probe).toContain(`LABEL=${label}\n`);
      const swaplabel = run('swaplabel', [ours]);
      expect(swaplabel).toContain(`UUID:  ${UUID_TEXT}`);
      if (label) expect(swaplabel).toContain(`LABEL: ${label}`);

      expect(
        decodeSwapHeader(new Uint8Array(readFileSync(reference).subarray(0, 4096))),
      ).toMatchObject({
        lastPage: Math.floor(size / 4096) - 1,
        label: label ?? '',
        uuid: UUID,
      });
    });
  }
});

function openCloseCreate(path: string): string {
  closeSync(openSync(path, 'w'));
  return path;
}
