// SPDX-License-Identifier: GPL-3.0-or-later
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseChecksumFile } from '../../core/download/checksum-file';
import { LiveStickError } from '../../shared/errors';
import { loadBundledKeyring, type Keyring, verifyClearSigned } from './keyring';

const BUNDLED_KEYS = join(
  __dirname,
  '..',
  '..',
  '..',
  'assets',
  'generated',
  'fedora-release-keys.json',
);
const CHECKSUM_NAME = 'Fedora-Workstation-32-1.6-x86_64-CHECKSUM';
/** Real, complete and unmodified; see testdata/README.md. */
const FEDORA_32_CHECKSUM = readFileSync(join(__dirname, 'testdata', CHECKSUM_NAME), 'utf8');
const URL_32 = `https://archives.fedoraproject.org/pub/archive/fedora/linux/releases/32/Workstation/x86_64/iso/${CHECKSUM_NAME}`;

async function failure(work: Promise<unknown>): Promise<LiveStickError> {
  try {
    await work;
  } catch (error) {
    if (error instanceof LiveStickError) return error;
    throw error;
  }
  throw new Error('expected a LiveStickError');
}

describe("Fedora's real release keys (bundled from Debian's distribution-gpg-keys)", () => {
  let keyring: Keyring;
  beforeAll(async () => {
    if (!existsSync(BUNDLED_KEYS)) {
      throw new Error(
        `${BUNDLED_KEYS} is missing: run "node scripts/fedora-keys.mjs" (npm run build does)`,
      );
    }
    keyring = await loadBundledKeyring(BUNDLED_KEYS);
  });

  it('verify the real Fedora 32 Workstation CHECKSUM file and yield its signed lines', async () => {
    const verified = await verifyClearSigned(FEDORA_32_CHECKSUM, keyring, {
      release: 32,
      url: URL_32,
    });
    expect(verified.signedBy).toBe('97A1AE57C3A2372CCA3A4ABA6C13026D12C944D0');
    expect(
      parseChecksumFile(verified.text).get('Fedora-Workstation-Live-x86_64-32-1.6.iso'),
    ).toEqual({
      fileName: 'Fedora-Workstation-Live-x86_64-32-1.6.iso',
      sha256: '4d0f6653e2e0860c99ffe0ef274a46d875fb85bd2a40cb896dce1ed013566924',
      sizeBytes: 1966178304,
    });
  });

  it('refuse the same file once one digit of the signed text is changed', async () => {
    const tampered = FEDORA_32_CHECKSUM.replace('= 4d0f6653', '= 4d0f6654');
    expect(tampered).not.toBe(FEDORA_32_CHECKSUM);
    const error = await failure(verifyClearSigned(tampered, keyring, { release: 32, url: URL_32 }));
    expect(error.code).toBe('SOURCE_CORRUPT');
    expect(error.details).toMatchObject({ reason: 'signature-invalid' });
  });

  it('bind each release to its own key: Fedora 33 does not accept a Fedora 32 signature', async () => {
    const error = await failure(
      verifyClearSigned(FEDORA_32_CHECKSUM, keyring, { release: 33, url: URL_32 }),
    );
    expect(error.details).toMatchObject({ reason: 'key-missing' });
    expect(error.message).toContain('6C13026D12C944D0');
  });

  it('refuse a release they have no key for, and a document that is not signed', async () => {
    const missing = await failure(
      verifyClearSigned(FEDORA_32_CHECKSUM, keyring, { release: 99, url: URL_32 }),
    );
    expect(missing.code).toBe('SOURCE_UNREADABLE');
    expect(missing.details).toEqual({ reason: 'key-missing', release: 99 });
    expect(missing.message).toContain('Fedora 99');
    const signedPart = FEDORA_32_CHECKSUM.split('\n').slice(3, 5).join('\n');
    const unsigned = await failure(
      verifyClearSigned(signedPart, keyring, { release: 32, url: URL_32 }),
    );
    expect(unsigned.details).toMatchObject({ reason: 'signature-invalid' });
  });

  it('hold the keys of the releases a user can download now', async () => {
    for (const release of [41, 42, 43, 44]) expect(keyring.keysFor(release)).toHaveLength(1);
  });
});
