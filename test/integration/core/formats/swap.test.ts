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
import { FormatError } from '../../../../src/core/format-error';
import {
  decodeSwapHeader,
  encodeSwapHeader,
  planSwapFile,
} from '../../../../src/core/formats/swap';

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

describe('swap header', () => {
  it('lays out the v1 fields and the magic', () => {
    const page = encodeSwapHeader({ sizeBytes: 16 * MiB, uuid: UUID, label: 'SWAP' });
    expect(page.length).toBe(4096);
    expect(page.subarray(0, 1024).every((b) => b === 0)).toBe(true);
    expect(Array.from(page.subarray(1024, 1036))).toEqual([
      1, 0, 0, 0, 0xff, 0x0f, 0, 0, 0, 0, 0, 0,
    ]);
    expect(page.subarray(1036, 1052)).toEqual(UUID);
    expect(new TextDecoder().decode(page.subarray(1052, 1056))).toBe('SWAP');
    expect(new TextDecoder().decode(page.subarray(4086))).toBe('SWAPSPACE2');
  });

  it('round-trips and finds the page size from the magic', () => {
    for (const pageBytes of [4096, 65536]) {
      const page = encodeSwapHeader({
        sizeBytes: 64 * MiB + 100,
        uuid: UUID,
        label: 'x',
        pageBytes,
      });
      const decoded = decodeSwapHeader(page);
      expect(decoded).toEqual({
        version: 1,
        lastPage: Math.floor((64 * MiB + 100) / pageBytes) - 1,
        badPages: 0,
        uuid: UUID,
        label: 'x',
        pageBytes,
      });
    }
  });

  it('rejects what mkswap rejects and what is not a swap area', () => {
    expect(() => encodeSwapHeader({ sizeBytes: 9 * 4096, uuid: UUID })).toThrow(RangeError);
    expect(() => encodeSwapHeader({ sizeBytes: MiB, uuid: UUID.subarray(1) })).toThrow(RangeError);
    expect(() => encodeSwapHeader({ sizeBytes: MiB, uuid: UUID, label: 'x'.repeat(16) })).toThrow(
      RangeError,
    );
    expect(() => decodeSwapHeader(new Uint8Array(4096))).toThrow(FormatError);
    expect(() => decodeSwapHeader(new Uint8Array(100))).toThrow(/at least 4096 bytes/);
    const v0 = new Uint8Array(4096);
    v0.set(new TextEncoder().encode('SWAP-SPACE'), 4086);
    expect(() => decodeSwapHeader(v0)).toThrow(/version 0/);
    const bigEndian = encodeSwapHeader({ sizeBytes: MiB, uuid: UUID });
    bigEndian.set([0, 0, 0, 1], 1024);
    expect(() => decodeSwapHeader(bigEndian)).toThrow(/byte 1024: expected version 1/);
  });

  it('plans only the header page unless zero fill is asked', () => {
    expect(
      planSwapFile({ sizeBytes: 8 * MiB, uuid: UUID }).map((e) => [e.offset, e.length]),
    ).toEqual([[0, 4096]]);
    const filled = planSwapFile({ sizeBytes: 8 * MiB, uuid: UUID, zeroFill: true });
    expect(filled.map((e) => [e.offset, e.length, e.fill.kind])).toEqual([
      [0, 4096, 'bytes'],
      [4096, 8 * MiB - 4096, 'zero'],
    ]);
  });
});

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
