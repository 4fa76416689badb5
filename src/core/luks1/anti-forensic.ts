// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The LUKS1 anti-forensic splitter (cryptsetup's docs/on-disk-format.pdf, "AF-Splitter"): a
 * keyslot stores the volume key spread over thousands of stripes, so wiping any part of the
 * keyslot area destroys the key.
 */
import { setU32be } from '../bytes';
import { HASH_BYTES, type HashAlgorithm, type LiveStickCrypto } from '../crypto-provider';

/**
 * The LUKS anti-forensic diffuser: each digest-sized block i becomes H(be32(i) ‖ block); a short
 * last block takes the leading bytes of its hash.
 */
async function diffuse(
  data: Uint8Array,
  hash: HashAlgorithm,
  crypto: LiveStickCrypto,
): Promise<Uint8Array> {
  const digestBytes = HASH_BYTES[hash];
  const out = new Uint8Array(data.length);
  for (let i = 0, at = 0; at < data.length; i++, at += digestBytes) {
    const block = data.subarray(at, Math.min(at + digestBytes, data.length));
    const input = new Uint8Array(4 + block.length);
    setU32be(input, 0, i);
    input.set(block, 4);
    out.set((await crypto.digest(hash, input)).subarray(0, block.length), at);
  }
  return out;
}

function xorInto(target: Uint8Array, source: Uint8Array): void {
  for (let i = 0; i < target.length; i++) target[i]! ^= source[i]!;
}

/**
 * AF-splits `key` into `stripes` stripes: stripes 0..n−2 are random, the last is the key XOR the
 * diffused running XOR of the others, so losing any stripe loses the key.
 */
export async function afSplit(
  key: Uint8Array,
  stripes: number,
  hash: HashAlgorithm,
  crypto: LiveStickCrypto,
  random: (length: number) => Uint8Array,
): Promise<Uint8Array> {
  const n = key.length;
  const out = new Uint8Array(n * stripes);
  let mixed: Uint8Array = new Uint8Array(n);
  for (let i = 0; i < stripes - 1; i++) {
    const stripe = random(n);
    if (stripe.length !== n) throw new RangeError('random source returned the wrong length');
    out.set(stripe, i * n);
    xorInto(mixed, stripe);
    mixed = await diffuse(mixed, hash, crypto);
  }
  xorInto(mixed, key);
  out.set(mixed, (stripes - 1) * n);
  mixed.fill(0);
  return out;
}

export async function afMerge(
  split: Uint8Array,
  keyBytes: number,
  stripes: number,
  hash: HashAlgorithm,
  crypto: LiveStickCrypto,
): Promise<Uint8Array> {
  if (split.length < keyBytes * stripes) {
    throw new RangeError(
      `AF material of ${split.length} bytes is shorter than ${keyBytes}×${stripes}`,
    );
  }
  let mixed: Uint8Array = new Uint8Array(keyBytes);
  for (let i = 0; i < stripes - 1; i++) {
    xorInto(mixed, split.subarray(i * keyBytes, (i + 1) * keyBytes));
    mixed = await diffuse(mixed, hash, crypto);
  }
  xorInto(mixed, split.subarray((stripes - 1) * keyBytes, stripes * keyBytes));
  return mixed;
}
