// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Plans a LUKS1 container; it is planned, not formatted: the caller's plaintext extent plan (an
 * ext4 image, metadata only) is encrypted sector by sector with plain64 IVs counted from the
 * payload start, exactly what dm-crypt will read back. Sectors the plan does not cover are left
 * alone, so they decrypt to noise — the inner filesystem must never read what it did not write,
 * which the ext4 planner guarantees.
 */
import type { LiveStickCrypto } from '../crypto-provider';
import { bytesExtent, sortAndCheckExtents, type Extent } from '../extent';
import { SECTOR_BYTES } from '../sector';
import { afSplit } from './anti-forensic';
import {
  AF_STRIPES,
  CIPHER_MODE,
  CIPHER_NAME,
  DIGEST_BYTES,
  encodeLuks1Header,
  HASH_SPEC,
  KEY_BYTES,
  keyMaterialSectors,
  luks1Layout,
  luks1PayloadBytes,
  MIN_ITERATIONS,
  SALT_BYTES,
} from './header';

/** Formats 16 random bytes as an RFC 4122 version-4 UUID, as cryptsetup generates them. */
export function randomUuid(random: (length: number) => Uint8Array): string {
  const b = random(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

interface PlaintextRun {
  startSector: number;
  endSector: number;
  parts: Extent[];
}

/** Groups plaintext extents into runs of whole sectors (touching sectors merge). */
function sectorRuns(plaintext: readonly Extent[], payloadBytes: number): PlaintextRun[] {
  const runs: PlaintextRun[] = [];
  for (const extent of sortAndCheckExtents(plaintext)) {
    if (extent.length === 0) continue;
    if (extent.offset < 0 || extent.offset + extent.length > payloadBytes) {
      throw new RangeError(
        `plaintext extent "${extent.label}" [${extent.offset}, +${extent.length}) is outside the ${payloadBytes}-byte payload`,
      );
    }
    if (extent.fill.kind === 'source') {
      throw new RangeError(
        `plaintext extent "${extent.label}" must carry its bytes to be encrypted`,
      );
    }
    const start = Math.floor(extent.offset / SECTOR_BYTES);
    const end = Math.ceil((extent.offset + extent.length) / SECTOR_BYTES);
    const last = runs[runs.length - 1];
    if (last && start <= last.endSector) {
      last.endSector = Math.max(last.endSector, end);
      last.parts.push(extent);
    } else {
      runs.push({ startSector: start, endSector: end, parts: [extent] });
    }
  }
  return runs;
}

export type Luks1PlaintextSource =
  | {
      /** The inner plan, relative to the payload start. */
      readonly plaintext: readonly Extent[];
      readonly plaintextPlan?: never;
    }
  | {
      /** Builds the inner plan once the payload size is known. */
      readonly plaintextPlan: (payloadBytes: number) => readonly Extent[];
      readonly plaintext?: never;
    };

export type Luks1ContainerOptions = Luks1PlaintextSource & {
  readonly containerBytes: number;
  /** Not retained; the derived key and split material made from it are zeroed after use. */
  readonly passphrase: Uint8Array;
  /** Keyslot PBKDF2 iterations (≥ 1000): calibrated in the product, low in tests. */
  readonly iterations: number;
  /** Master-key digest iterations; defaults to iterations / 8 like cryptsetup, at least 1000. */
  readonly mkIterations?: number;
  readonly crypto: LiveStickCrypto;
  /** Defaults to a random v4 UUID. */
  readonly uuid?: string;
  /** Source of key, salts and stripes; defaults to crypto.randomBytes. */
  readonly random?: (length: number) => Uint8Array;
  /** Tests only: return the volume key instead of wiping it. */
  readonly exposeVolumeKeyForTests?: boolean;
};

export interface Luks1ContainerPlan {
  /** Header, keyslot 0 material and the encrypted payload, relative to the container start. */
  readonly extents: Extent[];
  readonly payloadOffsetBytes: number;
  readonly payloadBytes: number;
  readonly uuid: string;
  /** Present only with exposeVolumeKeyForTests. */
  readonly volumeKey?: Uint8Array;
}

export async function planLuks1Container(
  options: Luks1ContainerOptions,
): Promise<Luks1ContainerPlan> {
  const { crypto, passphrase, iterations } = options;
  const random = options.random ?? ((length: number) => crypto.randomBytes(length));
  const mkIterations = options.mkIterations ?? Math.max(MIN_ITERATIONS, Math.floor(iterations / 8));
  for (const [name, value] of [
    ['keyslot iterations', iterations],
    ['master key digest iterations', mkIterations],
  ] as const) {
    if (!Number.isInteger(value) || value < MIN_ITERATIONS || value > 0xffffffff) {
      throw new RangeError(`LUKS1 ${name} ${value} is outside [${MIN_ITERATIONS}, 2^32)`);
    }
  }
  if (passphrase.length === 0) throw new RangeError('a LUKS passphrase must not be empty');
  const { keyslotOffsets, payloadOffset } = luks1Layout(KEY_BYTES);
  const payloadOffsetBytes = payloadOffset * SECTOR_BYTES;
  const payloadBytes = luks1PayloadBytes(options.containerBytes);
  if (payloadBytes <= 0) {
    throw new RangeError(
      `a LUKS1 container needs more than ${payloadOffsetBytes} bytes, got ${options.containerBytes}`,
    );
  }
  const uuid = options.uuid ?? randomUuid(random);
  const plaintext = options.plaintext ?? options.plaintextPlan(payloadBytes);
  const runs = sectorRuns(plaintext, payloadBytes);

  const volumeKey = random(KEY_BYTES).slice();
  const extents: Extent[] = [];
  try {
    const mkDigestSalt = random(SALT_BYTES).slice();
    const mkDigest = await crypto.pbkdf2({
      hash: HASH_SPEC,
      password: volumeKey,
      salt: mkDigestSalt,
      iterations: mkIterations,
      keyBytes: DIGEST_BYTES,
    });
    const slotSalt = random(SALT_BYTES).slice();
    const derived = await crypto.pbkdf2({
      hash: HASH_SPEC,
      password: passphrase,
      salt: slotSalt,
      iterations,
      keyBytes: KEY_BYTES,
    });
    const split = await afSplit(volumeKey, AF_STRIPES, HASH_SPEC, crypto, random);
    const materialBytes = keyMaterialSectors(KEY_BYTES, AF_STRIPES) * SECTOR_BYTES;
    const padded = new Uint8Array(materialBytes);
    padded.set(split);
    split.fill(0);
    const material = await crypto.xtsEncrypt({
      key: derived,
      firstSector: 0,
      data: padded,
      sectorBytes: SECTOR_BYTES,
    });
    padded.fill(0);
    derived.fill(0);

    const header = encodeLuks1Header({
      cipherName: CIPHER_NAME,
      cipherMode: CIPHER_MODE,
      hashSpec: HASH_SPEC,
      payloadOffset,
      keyBytes: KEY_BYTES,
      mkDigest,
      mkDigestSalt,
      mkDigestIterations: mkIterations,
      uuid,
      keyslots: keyslotOffsets.map((offset, i) => ({
        active: i === 0,
        iterations: i === 0 ? iterations : 0,
        salt: i === 0 ? slotSalt : new Uint8Array(SALT_BYTES),
        keyMaterialOffset: offset,
        stripes: AF_STRIPES,
      })),
    });
    // The header sector block is written whole so no stale bytes sit between header and slot 0.
    const headerBlock = new Uint8Array(keyslotOffsets[0]! * SECTOR_BYTES);
    headerBlock.set(header);
    extents.push(bytesExtent(0, headerBlock, 'LUKS1 header'));
    extents.push(
      bytesExtent(keyslotOffsets[0]! * SECTOR_BYTES, material, 'LUKS1 keyslot 0 key material'),
    );

    for (const run of runs) {
      const plain = new Uint8Array((run.endSector - run.startSector) * SECTOR_BYTES);
      const base = run.startSector * SECTOR_BYTES;
      for (const part of run.parts) {
        // 'zero' parts stay zero in `plain`: they must become encrypted zeros, not raw zeros.
        if (part.fill.kind === 'bytes') plain.set(part.fill.data, part.offset - base);
      }
      const cipher = await crypto.xtsEncrypt({
        key: volumeKey,
        firstSector: run.startSector,
        data: plain,
        sectorBytes: SECTOR_BYTES,
      });
      const label =
        run.parts.length === 1
          ? run.parts[0]!.label
          : `${run.parts[0]!.label} (+${run.parts.length - 1})`;
      extents.push(bytesExtent(payloadOffsetBytes + base, cipher, `LUKS1 payload: ${label}`));
    }
  } finally {
    if (!options.exposeVolumeKeyForTests) volumeKey.fill(0);
  }
  return {
    extents: sortAndCheckExtents(extents),
    payloadOffsetBytes,
    payloadBytes,
    uuid,
    ...(options.exposeVolumeKeyForTests ? { volumeKey } : {}),
  };
}
