// SPDX-License-Identifier: GPL-3.0-or-later
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/core/format-error';
import { lzmaAloneDecompress, xzDecompress } from '../../../../src/core/formats/lzma';

/** x86 machine code, so the BCJ filter really rewrites call/jmp operands. */
const CODE = new Uint8Array(readFileSync(process.execPath).subarray(0x10000, 0x10000 + 200_000));

function xz(args: readonly string[], input: Uint8Array): Uint8Array {
  return new Uint8Array(execFileSync('xz', ['-c', ...args], { input }));
}

describe('xzDecompress', () => {
  it.each([
    ['LZMA2, CRC32', ['--check=crc32']],
    ['LZMA2, CRC64', ['--check=crc64']],
    ['LZMA2, SHA-256', ['--check=sha256']],
    ['x86 BCJ + LZMA2', ['--check=crc32', '--x86', '--lzma2=preset=6']],
    ['x86 BCJ with a start offset', ['--check=none', '--x86=start=4096', '--lzma2']],
    ['lc=0 lp=2 pb=0', ['--lzma2=lc=0,lp=2,pb=0']],
    ['several blocks', ['--block-size=50000']],
  ])('decodes what xz %s writes', (_name, args) => {
    const packed = xz(args, CODE);
    expect(Buffer.from(xzDecompress(packed, CODE.length)).equals(Buffer.from(CODE))).toBe(true);
  });

  it('decodes stored (uncompressible) LZMA2 chunks', () => {
    const random = new Uint8Array(execFileSync('head', ['-c', '70000', '/dev/urandom']));
    expect(
      Buffer.from(xzDecompress(xz([], random), random.length)).equals(Buffer.from(random)),
    ).toBe(true);
  });

  it('refuses output beyond the bound and corrupt data with FormatError', () => {
    const packed = xz(['--check=crc32'], CODE);
    expect(() => xzDecompress(packed, 1000)).toThrow(FormatError);
    const corrupt = packed.slice();
    corrupt[100] ^= 0x55;
    expect(() => xzDecompress(corrupt, CODE.length)).toThrow(FormatError);
  });
});

describe('lzmaAloneDecompress', () => {
  it('decodes the legacy .lzma format', () => {
    const packed = xz(['--format=lzma'], CODE);
    expect(Buffer.from(lzmaAloneDecompress(packed, CODE.length)).equals(Buffer.from(CODE))).toBe(
      true,
    );
  });
});
