// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The cryptographic primitives the pure engine needs (LUKS1 key derivation, anti-forensic
 * splitting, sector encryption), injected so src/core stays free of Node: the I/O side supplies
 * node:crypto (src/engine/node-crypto.ts), tests may supply anything with the same answers.
 * Everything is asynchronous because PBKDF2 at a calibrated count takes a second or more and must
 * not block the event loop that reports progress and obeys cancel.
 */
export type HashAlgorithm = 'sha1' | 'sha256';

export interface Pbkdf2Request {
  readonly hash: HashAlgorithm;
  readonly password: Uint8Array;
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly keyBytes: number;
}

export interface XtsRequest {
  /** Two AES keys back to back: 32 bytes (AES-128-XTS) or 64 bytes (AES-256-XTS). */
  readonly key: Uint8Array;
  /** Tweak of the first data unit; unit i gets firstSector + i as a little-endian 128-bit number (dm-crypt's plain64). */
  readonly firstSector: number;
  /** A whole number of data units. */
  readonly data: Uint8Array;
  /** Data unit size; dm-crypt and LUKS1 use 512. */
  readonly sectorBytes: number;
}

export interface LiveStickCrypto {
  pbkdf2(request: Pbkdf2Request): Promise<Uint8Array>;
  digest(hash: HashAlgorithm, data: Uint8Array): Promise<Uint8Array>;
  xtsEncrypt(request: XtsRequest): Promise<Uint8Array>;
  xtsDecrypt(request: XtsRequest): Promise<Uint8Array>;
  randomBytes(length: number): Uint8Array;
}

export const HASH_BYTES: Readonly<Record<HashAlgorithm, number>> = { sha1: 20, sha256: 32 };
