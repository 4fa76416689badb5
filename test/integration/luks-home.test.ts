// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * An encrypted home.img checked by cryptsetup and decrypted independently: the container is
 * applied over random bytes (as litd's `dd if=/dev/urandom` leaves it), cryptsetup must accept
 * the header and the passphrase and hand out the volume key, and the payload decrypted with that
 * key by node:crypto must be an ext4 filesystem e2fsck finds clean — although every sector the
 * plan did not write decrypts to noise.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createDecipheriv, randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planHomeImage } from '../../src/core/ext4/image-plan';
import { totalExtentBytes } from '../../src/core/extent';
import { planLuks1Container, type Luks1ContainerPlan } from '../../src/core/luks1/container';
import { createNodeCrypto } from '../../src/engine/node-crypto';

const MiB = 2 ** 20;
const SIZE = 96 * MiB;
const PASSPHRASE = 'Tr0ub4dor & 3 — home';
const dir = mkdtempSync(join(tmpdir(), 'livestick-luks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const image = join(dir, 'home.img');
const keyFile = join(dir, 'passphrase');
const wrongKeyFile = join(dir, 'wrong');
let plan: Luks1ContainerPlan;
let homeUuid = '';

function cryptsetup(args: string[]): { status: number | null; out: string } {
  const result = spawnSync('cryptsetup', args, { encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

beforeAll(async () => {
  writeFileSync(keyFile, PASSPHRASE);
  writeFileSync(wrongKeyFile, 'not it');
  const crypto = createNodeCrypto();
  plan = await planLuks1Container({
    containerBytes: SIZE,
    plaintextPlan: (payloadBytes) => {
      const home = planHomeImage({
        sizeBytes: payloadBytes,
        uuid: crypto.randomBytes(16),
        hashSeed: crypto.randomBytes(16),
        createdAt: Math.floor(Date.now() / 1000),
      });
      homeUuid = Buffer.from(home.uuid).toString('hex');
      return home.extents;
    },
    passphrase: new TextEncoder().encode(PASSPHRASE),
    iterations: 1000,
    crypto,
    exposeVolumeKeyForTests: true,
  });
  const fd = openSync(image, 'w');
  try {
    for (let at = 0; at < SIZE; at += 8 * MiB)
      writeSync(fd, randomBytes(8 * MiB), 0, undefined, at);
    for (const extent of plan.extents) {
      if (extent.fill.kind !== 'bytes') throw new Error(`unexpected ${extent.fill.kind} extent`);
      writeSync(fd, extent.fill.data, 0, extent.length, extent.offset);
    }
  } finally {
    closeSync(fd);
  }
});

describe('LUKS1 home container', () => {
  it('is a LUKS1 aes-xts-plain64 sha256 header with one active keyslot', () => {
    const dump = cryptsetup(['luksDump', image]);
    expect(dump.status).toBe(0);
    expect(dump.out).toMatch(/^Version:\s+1$/m);
    expect(dump.out).toMatch(/^Cipher name:\s+aes$/m);
    expect(dump.out).toMatch(/^Cipher mode:\s+xts-plain64$/m);
    expect(dump.out).toMatch(/^Hash spec:\s+sha256$/m);
    expect(dump.out).toMatch(/^Payload offset:\s+4096$/m);
    expect(dump.out).toMatch(/^MK bits:\s+512$/m);
    expect(dump.out).toMatch(new RegExp(`^UUID:\\s+${plan.uuid}$`, 'm'));
    expect(dump.out.match(/: ENABLED/g)).toHaveLength(1);
    expect(dump.out).toMatch(/Key Slot 0: ENABLED/);
    expect(dump.out.match(/: DISABLED/g)).toHaveLength(7);
    expect(
      execFileSync('blkid', ['-o', 'value', '-s', 'TYPE', image], { encoding: 'utf8' }).trim(),
    ).toBe('crypto_LUKS');
  });

  it('opens with the passphrase and refuses another', () => {
    expect(cryptsetup(['open', '--test-passphrase', '--key-file', keyFile, image]).status).toBe(0);
    expect(
      cryptsetup(['open', '--test-passphrase', '--key-file', wrongKeyFile, image]).status,
    ).not.toBe(0);
  });

  it('decrypts, with the key cryptsetup recovers, to an ext4 home that e2fsck finds clean', () => {
    const dump = cryptsetup(['luksDump', '--dump-volume-key', '--key-file', keyFile, '-q', image]);
    expect(dump.status).toBe(0);
    const keyText = /MK dump:\s*([\s\S]*?)(?:\n\S|$)/.exec(dump.out)?.[1] ?? '';
    const key = Buffer.from(keyText.replace(/[^0-9a-f]/gi, ''), 'hex');
    expect(key.length).toBe(64);
    expect(new Uint8Array(key)).toEqual(plan.volumeKey);

    const cipher = readFileSync(image).subarray(plan.payloadOffsetBytes);
    const plain = Buffer.alloc(cipher.length);
    const tweak = Buffer.alloc(16);
    for (let sector = 0; sector * 512 < cipher.length; sector++) {
      tweak.writeBigUInt64LE(BigInt(sector), 0);
      const decipher = createDecipheriv('aes-256-xts', key, tweak);
      const at = sector * 512;
      decipher.update(cipher.subarray(at, at + 512)).copy(plain, at);
      decipher.final();
    }
    const decrypted = join(dir, 'home.ext4');
    writeFileSync(decrypted, plain);
    const fsck = spawnSync('e2fsck', ['-fn', decrypted], { encoding: 'utf8' });
    expect(fsck.status, `${fsck.stdout}${fsck.stderr}`).toBe(0);
    const dumpe2fs = execFileSync('dumpe2fs', ['-h', decrypted], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(dumpe2fs).toMatch(/^Filesystem volume name:\s+HOME$/m);
    expect(dumpe2fs.replace(/-/g, '')).toContain(homeUuid);
  });

  it('writes only the header, one keyslot and the encrypted metadata', () => {
    expect(totalExtentBytes(plan.extents)).toBeLessThan(512 * 1024);
  });
});
