// SPDX-License-Identifier: GPL-3.0-or-later
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { u16be, u32be } from '../../../../src/core/bytes';
import { bytesExtent, zeroExtent, sourceExtent } from '../../../../src/core/extent';
import { FormatError } from '../../../../src/core/format-error';
import { createNodeCrypto } from '../../../../src/engine/node-crypto';
import { afMerge, afSplit } from '../../../../src/core/luks1/anti-forensic';
import { planLuks1Container } from '../../../../src/core/luks1/container';
import {
  decodeLuks1Header,
  encodeLuks1Header,
  luks1Layout,
  luks1PayloadBytes,
  type Luks1Header,
} from '../../../../src/core/luks1/header';
import { unlockLuks1 } from '../../../../src/core/luks1/unlock';

const crypto = createNodeCrypto();
const MiB = 2 ** 20;
const passphrase = new TextEncoder().encode('correct horse battery staple');
/** Deterministic "randomness" so failures reproduce. */
function counterRandom(): (length: number) => Uint8Array {
  let n = 1;
  return (length) => Uint8Array.from({ length }, () => (n = (n * 1103515245 + 12345) >>> 0) >>> 24);
}

const header: Luks1Header = {
  cipherName: 'aes',
  cipherMode: 'xts-plain64',
  hashSpec: 'sha256',
  payloadOffset: 4096,
  keyBytes: 64,
  mkDigest: new Uint8Array(20).fill(1),
  mkDigestSalt: new Uint8Array(32).fill(2),
  mkDigestIterations: 1000,
  uuid: '0b1e5c2a-9d3f-4e11-8a6b-1c2d3e4f5a6b',
  keyslots: luks1Layout().keyslotOffsets.map((offset, i) => ({
    active: i === 0,
    iterations: i === 0 ? 5000 : 0,
    salt: new Uint8Array(32).fill(i === 0 ? 3 : 0),
    keyMaterialOffset: offset,
    stripes: 4000,
  })),
};

describe('LUKS1 header', () => {
  it("uses cryptsetup's default layout: slots every 504 sectors from 8, payload at 4096", () => {
    expect(luks1Layout()).toEqual({
      keyslotOffsets: [8, 512, 1016, 1520, 2024, 2528, 3032, 3536],
      payloadOffset: 4096,
    });
    expect(luks1PayloadBytes(64 * MiB)).toBe(62 * MiB);
  });

  it('encodes big-endian fields at the spec offsets and decodes back', () => {
    const bytes = encodeLuks1Header(header);
    expect(bytes.length).toBe(592);
    expect(Array.from(bytes.subarray(0, 6))).toEqual([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe]);
    expect(u16be(bytes, 6)).toBe(1);
    expect(new TextDecoder().decode(bytes.subarray(40, 51))).toBe('xts-plain64');
    expect(u32be(bytes, 104)).toBe(4096);
    expect(u32be(bytes, 108)).toBe(64);
    expect(u32be(bytes, 208)).toBe(0x00ac71f3);
    expect(u32be(bytes, 208 + 48)).toBe(0x0000dead);
    expect(u32be(bytes, 208 + 48 + 40)).toBe(512);
    expect(u32be(bytes, 208 + 44)).toBe(4000);
    expect(decodeLuks1Header(bytes)).toEqual(header);
  });

  it('rejects other magics, versions and keyslot states with the offset', () => {
    const bytes = encodeLuks1Header(header);
    const v2 = bytes.slice();
    v2[7] = 2;
    expect(() => decodeLuks1Header(v2)).toThrow(/byte 6: version 2/);
    const badSlot = bytes.slice();
    badSlot[208 + 48 * 3] = 0x12;
    expect(() => decodeLuks1Header(badSlot)).toThrow(FormatError);
    expect(() => decodeLuks1Header(bytes.subarray(0, 100))).toThrow(/need 592/);
  });
});

describe('anti-forensic splitter', () => {
  it('merges back what it split, and every stripe matters', async () => {
    const key = crypto.randomBytes(64);
    const split = await afSplit(key, 4000, 'sha256', crypto, counterRandom());
    expect(split.length).toBe(256000);
    expect(await afMerge(split, 64, 4000, 'sha256', crypto)).toEqual(key);
    split[1234]! ^= 1;
    expect(await afMerge(split, 64, 4000, 'sha256', crypto)).not.toEqual(key);
  });

  it('diffuses with H(be32(i) ‖ block) per digest block (two stripes, worked by hand)', async () => {
    const key = Uint8Array.from({ length: 40 }, (_, i) => i);
    const stripe0 = new Uint8Array(40).fill(0xa5);
    const split = await afSplit(key, 2, 'sha256', crypto, () => stripe0.slice());
    const h = (i: number, block: Uint8Array): Buffer =>
      createHash('sha256')
        .update(Uint8Array.of(0, 0, 0, i))
        .update(block)
        .digest();
    const diffused = Buffer.concat([
      h(0, stripe0.subarray(0, 32)),
      h(1, stripe0.subarray(32)).subarray(0, 8),
    ]);
    const last = key.map((b, i) => b ^ diffused[i]!);
    expect(split.subarray(0, 40)).toEqual(stripe0);
    expect(split.subarray(40)).toEqual(last);
  });
});

describe('planLuks1Container', () => {
  it('unlocks with the passphrase (and not without) and encrypts the payload sector by sector', async () => {
    const plaintext = [
      bytesExtent(1024, new Uint8Array(1024).fill(0x41), 'superblock'),
      zeroExtent(8192, 512, 'zeros'),
      bytesExtent(10_000, new Uint8Array(10).fill(0x42), 'odd bytes'),
    ];
    const plan = await planLuks1Container({
      containerBytes: 8 * MiB,
      plaintext,
      passphrase,
      iterations: 1000,
      crypto,
      uuid: '0b1e5c2a-9d3f-4e11-8a6b-1c2d3e4f5a6b',
      exposeVolumeKeyForTests: true,
    });
    expect(plan.payloadOffsetBytes).toBe(2 * MiB);
    expect(plan.extents.map((e) => [e.offset, e.length])).toEqual([
      [0, 4096],
      [4096, 256000],
      [2 * MiB + 1024, 1024],
      [2 * MiB + 8192, 512],
      [2 * MiB + 9728, 512], // bytes 10000..10009 widened to sector 19
    ]);
    const head = new Uint8Array(2 * MiB);
    for (const e of plan.extents.slice(0, 2))
      if (e.fill.kind === 'bytes') head.set(e.fill.data, e.offset);
    expect(await unlockLuks1(head, passphrase, crypto)).toEqual(plan.volumeKey);
    expect(await unlockLuks1(head, new TextEncoder().encode('wrong'), crypto)).toBeNull();

    const decrypt = async (index: number, sector: number): Promise<Uint8Array> => {
      const fill = plan.extents[index]!.fill;
      if (fill.kind !== 'bytes') throw new Error('expected bytes');
      return crypto.xtsDecrypt({
        key: plan.volumeKey!,
        firstSector: sector,
        data: fill.data,
        sectorBytes: 512,
      });
    };
    expect(await decrypt(2, 2)).toEqual(new Uint8Array(1024).fill(0x41));
    // A zero extent becomes encrypted zeros, not raw zeros.
    const zeros = plan.extents[3]!.fill;
    expect(zeros.kind === 'bytes' && zeros.data.some((b) => b !== 0)).toBe(true);
    expect(await decrypt(3, 16)).toEqual(new Uint8Array(512));
    const odd = await decrypt(4, 19);
    expect(odd.subarray(10_000 - 9728, 10_010 - 9728)).toEqual(new Uint8Array(10).fill(0x42));
  });

  it('sizes the inner plan through plaintextPlan and hides the volume key by default', async () => {
    let asked = 0;
    const plan = await planLuks1Container({
      containerBytes: 16 * MiB + 300,
      plaintextPlan: (payloadBytes) => {
        asked = payloadBytes;
        return [];
      },
      passphrase,
      iterations: 1000,
      crypto,
    });
    expect(asked).toBe(14 * MiB);
    expect(plan.volumeKey).toBeUndefined();
    expect(plan.uuid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('refuses source-backed plaintext, out-of-range extents and weak iteration counts', async () => {
    const base = { containerBytes: 8 * MiB, passphrase, crypto };
    await expect(
      planLuks1Container({
        ...base,
        iterations: 1000,
        plaintext: [sourceExtent(0, 512, 0, 'iso')],
      }),
    ).rejects.toThrow(/carry its bytes/);
    await expect(
      planLuks1Container({
        ...base,
        iterations: 1000,
        plaintext: [zeroExtent(6 * MiB, 512, 'past')],
      }),
    ).rejects.toThrow(/outside/);
    await expect(planLuks1Container({ ...base, iterations: 999, plaintext: [] })).rejects.toThrow(
      /iterations/,
    );
  });
});
