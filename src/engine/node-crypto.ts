// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * LiveStickCrypto on node:crypto (OpenSSL): PBKDF2, SHA digests, AES-XTS with dm-crypt's plain64
 * tweaks, and a PBKDF2 calibration in the spirit of cryptsetup's benchmark, so a keyslot costs
 * about as much to open as one cryptsetup would make on this machine.
 */
import { createCipheriv, createDecipheriv, createHash, pbkdf2, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type {
  HashAlgorithm,
  LiveStickCrypto,
  Pbkdf2Request,
  XtsRequest,
} from '../core/crypto-provider';

const TWEAK_BYTES = 16;
/** cryptsetup's floor for any PBKDF2 count (LUKS_MKD_ITERATIONS_MIN / minimum keyslot cost). */
export const MIN_PBKDF2_ITERATIONS = 1000;
/** cryptsetup 1.7's default keyslot unlock time (`--iter-time`). */
export const DEFAULT_PBKDF2_TARGET_MS = 1000;
/** A measured run must last this long for timer resolution and scheduling noise not to matter. */
const CALIBRATION_MIN_MS = 250;

function xtsCipherName(key: Uint8Array): string {
  if (key.length === 32) return 'aes-128-xts';
  if (key.length === 64) return 'aes-256-xts';
  throw new RangeError(`AES-XTS keys are 32 or 64 bytes, got ${key.length}`);
}

function plain64Tweak(sector: number): Buffer {
  if (!Number.isSafeInteger(sector) || sector < 0) throw new RangeError(`bad sector ${sector}`);
  const tweak = Buffer.alloc(TWEAK_BYTES);
  tweak.writeBigUInt64LE(BigInt(sector), 0);
  return tweak;
}

function xts(request: XtsRequest, decrypt: boolean): Uint8Array {
  const { key, data, sectorBytes, firstSector } = request;
  if (sectorBytes < 16 || data.length % sectorBytes !== 0) {
    throw new RangeError(`${data.length} bytes are not whole ${sectorBytes}-byte sectors`);
  }
  const name = xtsCipherName(key);
  const out = new Uint8Array(data.length);
  for (let at = 0, sector = firstSector; at < data.length; at += sectorBytes, sector++) {
    const tweak = plain64Tweak(sector);
    const cipher = decrypt ? createDecipheriv(name, key, tweak) : createCipheriv(name, key, tweak);
    const head = cipher.update(data.subarray(at, at + sectorBytes));
    const tail = cipher.final();
    out.set(head, at);
    out.set(tail, at + head.length);
  }
  return out;
}

function derive(request: Pbkdf2Request): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    pbkdf2(
      request.password,
      request.salt,
      request.iterations,
      request.keyBytes,
      request.hash,
      (error, key) => {
        if (error) reject(error);
        else {
          const copy = new Uint8Array(key);
          key.fill(0);
          resolve(copy);
        }
      },
    );
  });
}

export interface NodeCrypto extends LiveStickCrypto {
  /** See calibratePbkdf2Iterations; SHA-256 with a 64-byte key, as LUKS1 AES-256-XTS keyslots use. */
  calibratePbkdf2Iterations(targetMs?: number, minimum?: number): Promise<number>;
}

export function createNodeCrypto(): NodeCrypto {
  return {
    pbkdf2: derive,
    digest: async (hash: HashAlgorithm, data: Uint8Array) =>
      new Uint8Array(createHash(hash).update(data).digest()),
    xtsEncrypt: async (request) => xts(request, false),
    xtsDecrypt: async (request) => xts(request, true),
    randomBytes: (length) => new Uint8Array(randomBytes(length)),
    calibratePbkdf2Iterations: (targetMs, minimum) =>
      calibratePbkdf2Iterations({ targetMs, minimum }),
  };
}

export interface CalibrationOptions {
  readonly hash?: HashAlgorithm;
  /** Derived key length: LUKS1 derives keyBytes (64 for AES-256-XTS), which costs two SHA-256 blocks. */
  readonly keyBytes?: number;
  readonly targetMs?: number;
  readonly minimum?: number;
  /** How long `iterations` take here, in ms; by default one real derivation, timed. */
  readonly measureMs?: (iterations: number) => Promise<number>;
}

/**
 * PBKDF2 iterations that take about `targetMs` here: time growing counts until one run lasts
 * long enough to measure, then scale. Never below `minimum` (default 1000).
 */
export async function calibratePbkdf2Iterations(options: CalibrationOptions = {}): Promise<number> {
  const hash = options.hash ?? 'sha256';
  const keyBytes = options.keyBytes ?? 64;
  const targetMs = options.targetMs ?? DEFAULT_PBKDF2_TARGET_MS;
  const minimum = options.minimum ?? MIN_PBKDF2_ITERATIONS;
  const measureMs = options.measureMs ?? (await timedDerivation(hash, keyBytes));
  let iterations = 1000;
  for (;;) {
    const elapsed = await measureMs(iterations);
    if (elapsed >= CALIBRATION_MIN_MS) {
      return Math.max(minimum, Math.round((iterations * targetMs) / elapsed));
    }
    iterations *= elapsed > 0 ? Math.min(16, Math.ceil((CALIBRATION_MIN_MS * 1.5) / elapsed)) : 16;
  }
}

async function timedDerivation(
  hash: HashAlgorithm,
  keyBytes: number,
): Promise<(iterations: number) => Promise<number>> {
  const password = randomBytes(32);
  const salt = randomBytes(32);
  // The first derivation also pays for starting libuv's thread pool; keep it out of the timing.
  await derive({ hash, password, salt, iterations: 1, keyBytes });
  return async (iterations) => {
    const started = performance.now();
    await derive({ hash, password, salt, iterations, keyBytes });
    return performance.now() - started;
  };
}
