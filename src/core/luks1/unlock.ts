// SPDX-License-Identifier: GPL-3.0-or-later
import { equalBytes } from '../bytes';
import type { HashAlgorithm, LiveStickCrypto } from '../crypto-provider';
import { FormatError } from '../format-error';
import { SECTOR_BYTES } from '../sector';
import { afMerge } from './anti-forensic';
import {
  CIPHER_MODE,
  CIPHER_NAME,
  decodeLuks1Header,
  DIGEST_BYTES,
  keyMaterialSectors,
  OFFSET_CIPHER_NAME,
  OFFSET_HASH_SPEC,
} from './header';

function checkHash(spec: string): HashAlgorithm {
  if (spec === 'sha1' || spec === 'sha256') return spec;
  throw new FormatError('LUKS1 header', OFFSET_HASH_SPEC, `hash "${spec}" is not supported`);
}

/**
 * Recovers the volume key from the start of a container (header and keyslot areas) with a
 * passphrase, as `cryptsetup open` does; null when no active keyslot accepts it.
 */
export async function unlockLuks1(
  containerHead: Uint8Array,
  passphrase: Uint8Array,
  crypto: LiveStickCrypto,
): Promise<Uint8Array | null> {
  const header = decodeLuks1Header(containerHead);
  const hash = checkHash(header.hashSpec);
  if (header.cipherName !== CIPHER_NAME || header.cipherMode !== CIPHER_MODE) {
    throw new FormatError(
      'LUKS1 header',
      OFFSET_CIPHER_NAME,
      `cipher ${header.cipherName}-${header.cipherMode} is not supported`,
    );
  }
  for (const slot of header.keyslots) {
    if (!slot.active) continue;
    const start = slot.keyMaterialOffset * SECTOR_BYTES;
    const length = keyMaterialSectors(header.keyBytes, slot.stripes) * SECTOR_BYTES;
    if (start + length > containerHead.length) {
      throw new FormatError('LUKS1 keyslot', start, 'key material lies past the bytes given');
    }
    const derived = await crypto.pbkdf2({
      hash,
      password: passphrase,
      salt: slot.salt,
      iterations: slot.iterations,
      keyBytes: header.keyBytes,
    });
    const split = await crypto.xtsDecrypt({
      key: derived,
      firstSector: 0,
      data: containerHead.subarray(start, start + length),
      sectorBytes: SECTOR_BYTES,
    });
    derived.fill(0);
    const candidate = await afMerge(split, header.keyBytes, slot.stripes, hash, crypto);
    split.fill(0);
    const digest = await crypto.pbkdf2({
      hash,
      password: candidate,
      salt: header.mkDigestSalt,
      iterations: header.mkDigestIterations,
      keyBytes: DIGEST_BYTES,
    });
    if (equalBytes(digest, header.mkDigest)) return candidate;
    candidate.fill(0);
  }
  return null;
}
