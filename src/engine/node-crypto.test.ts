// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { hex } from '../core/bytes';
import { calibratePbkdf2Iterations, createNodeCrypto } from './node-crypto';

const crypto = createNodeCrypto();
const fromHex = (text: string): Uint8Array =>
  Uint8Array.from(text.replace(/\s+/g, '').match(/../g)!, (h) => parseInt(h, 16));
const ascending = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i & 0xff);

// IEEE P1619 vector 1 (all-zero keys) cannot run: OpenSSL 3 refuses XTS keys with equal halves.
describe('AES-XTS with plain64 tweaks (IEEE P1619 Annex B vectors)', () => {
  it('vector 2: data unit 0x3333333333 (the tweak is little endian)', async () => {
    const request = {
      key: fromHex('11'.repeat(16) + '22'.repeat(16)),
      firstSector: 0x3333333333,
      data: new Uint8Array(32).fill(0x44),
      sectorBytes: 32,
    };
    const out = await crypto.xtsEncrypt(request);
    expect(hex(out)).toBe('c454185e6a16936e39334038acef838bfb186fff7480adc4289382ecd6d394f0');
    expect(await crypto.xtsDecrypt({ ...request, data: out })).toEqual(request.data);
  });

  it('a 512-byte data unit, and consecutive units get consecutive tweaks', async () => {
    const key = fromHex('e0e1e2e3e4e5e6e7e8e9eaebecedeeefc0c1c2c3c4c5c6c7c8c9cacbcccdcecf');
    const plain = ascending(512);
    const single = await crypto.xtsEncrypt({
      key,
      firstSector: 0xa987654321,
      data: plain,
      sectorBytes: 512,
    });
    expect(hex(single.subarray(0, 32))).toBe(
      '38b45812ef43a05bd957e545907e223b954ab4aaf088303ad910eadf14b42be6',
    );
    expect(hex(single.subarray(480))).toBe(
      '92cefc151b5cc1611a167893819b63fb8a6b18e86de60290fa72b797b0ce59f3',
    );
    const double = await crypto.xtsEncrypt({
      key,
      firstSector: 0xa987654320,
      data: new Uint8Array([...plain, ...plain]),
      sectorBytes: 512,
    });
    expect(double.subarray(512)).toEqual(single);
  });

  it('AES-256-XTS round-trips with a 64-byte key and refuses other key sizes', async () => {
    const key = crypto.randomBytes(64);
    const data = crypto.randomBytes(2048);
    const enc = await crypto.xtsEncrypt({ key, firstSector: 7, data, sectorBytes: 512 });
    expect(enc).not.toEqual(data);
    expect(await crypto.xtsDecrypt({ key, firstSector: 7, data: enc, sectorBytes: 512 })).toEqual(
      data,
    );
    await expect(
      crypto.xtsEncrypt({ key: new Uint8Array(48), firstSector: 0, data, sectorBytes: 512 }),
    ).rejects.toThrow(/32 or 64/);
  });
});

describe('PBKDF2 and digests', () => {
  it('matches RFC 6070 (SHA-1) and the common SHA-256 vectors', async () => {
    const password = new TextEncoder().encode('password');
    const salt = new TextEncoder().encode('salt');
    expect(
      hex(await crypto.pbkdf2({ hash: 'sha1', password, salt, iterations: 2, keyBytes: 20 })),
    ).toBe('ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957');
    expect(
      hex(await crypto.pbkdf2({ hash: 'sha256', password, salt, iterations: 1, keyBytes: 32 })),
    ).toBe('120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b');
    expect(hex(await crypto.digest('sha256', new TextEncoder().encode('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('scales the first run that lasts 250 ms to the target, never below the minimum', async () => {
    // A machine where one iteration costs 50 µs: 1000 take 50 ms, 8000 take 400 ms.
    const runs: number[] = [];
    const measureMs = async (iterations: number): Promise<number> => {
      runs.push(iterations);
      return iterations * 0.05;
    };
    expect(await calibratePbkdf2Iterations({ targetMs: 2000, measureMs })).toBe(40_000);
    expect(runs).toEqual([1000, 8000]);
    expect(await calibratePbkdf2Iterations({ targetMs: 200, measureMs })).toBe(4000);
    expect(await calibratePbkdf2Iterations({ targetMs: 20, measureMs })).toBe(1000);
    expect(await calibratePbkdf2Iterations({ targetMs: 20, minimum: 100, measureMs })).toBe(400);
  });

  it('times real derivations by default', async () => {
    // However fast this machine, a 1 ms target stays below this minimum.
    expect(await calibratePbkdf2Iterations({ targetMs: 1, minimum: 5_000_000 })).toBe(5_000_000);
  });
});
