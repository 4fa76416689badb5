// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * LUKS1 containers for an encrypted /LiveOS/home.img. Fedora 24's cryptsetup 1.7 opens LUKS1
 * only (liveos-spec §1.7, gotcha 13), so this is what livesys can unlock as `EncHome` on every
 * era. The layout is cryptsetup 1.7+'s default for aes-xts-plain64 with a 512-bit key: a
 * 592-byte big-endian header, eight keyslot areas of 4000 anti-forensic stripes aligned to
 * 4096 bytes, and the payload at sector 4096 (2 MiB).
 *
 * The container is planned, not formatted: the caller's plaintext extent plan (an ext4 image,
 * metadata only) is encrypted sector by sector with plain64 IVs counted from the payload start,
 * exactly what dm-crypt will read back. Sectors the plan does not cover are left alone, so they
 * decrypt to noise — the inner filesystem must never read what it did not write, which the ext4
 * planner guarantees.
 */
import { setU16be, setU32be, u16be, u32be, equalBytes } from '../bytes';
import { HASH_BYTES, type HashAlgorithm, type LiveStickCrypto } from '../crypto-provider';
import { bytesExtent, sortAndCheckExtents, type Extent } from '../extent';
import { FormatError } from '../format-error';
import { SECTOR_BYTES } from '../sector';

export const LUKS_MAGIC = Uint8Array.of(0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe);
export const LUKS1_VERSION = 1;
export const LUKS1_HEADER_SIZE = 592;
export const KEYSLOT_COUNT = 8;
export const KEYSLOT_ACTIVE = 0x00ac71f3;
export const KEYSLOT_INACTIVE = 0x0000dead;
export const AF_STRIPES = 4000;
export const DIGEST_BYTES = 20;
export const SALT_BYTES = 32;
export const MIN_ITERATIONS = 1000;

export const OFFSET_MAGIC = 0;
export const OFFSET_VERSION = 6;
export const OFFSET_CIPHER_NAME = 8;
export const OFFSET_CIPHER_MODE = 40;
export const OFFSET_HASH_SPEC = 72;
export const OFFSET_PAYLOAD_OFFSET = 104;
export const OFFSET_KEY_BYTES = 108;
export const OFFSET_MK_DIGEST = 112;
export const OFFSET_MK_DIGEST_SALT = 132;
export const OFFSET_MK_DIGEST_ITER = 164;
export const OFFSET_UUID = 168;
export const OFFSET_KEYSLOTS = 208;
export const KEYSLOT_SIZE = 48;
export const OFFSET_KS_ACTIVE = 0;
export const OFFSET_KS_ITERATIONS = 4;
export const OFFSET_KS_SALT = 8;
export const OFFSET_KS_KEY_MATERIAL = 40;
export const OFFSET_KS_STRIPES = 44;
export const SIZE_NAME = 32;
export const SIZE_UUID = 40;

/** Keyslot areas start on 4096-byte boundaries (cryptsetup's LUKS_ALIGN_KEYSLOTS). */
const KEYSLOT_ALIGN_SECTORS = 4096 / SECTOR_BYTES;
/** The payload starts on a 1 MiB boundary (cryptsetup's default data alignment). */
const PAYLOAD_ALIGN_SECTORS = (1024 * 1024) / SECTOR_BYTES;

export const CIPHER_NAME = 'aes';
export const CIPHER_MODE = 'xts-plain64';
export const HASH_SPEC: HashAlgorithm = 'sha256';
/** AES-256-XTS: two 256-bit keys. */
export const KEY_BYTES = 64;

export interface Luks1Keyslot {
  readonly active: boolean;
  readonly iterations: number;
  readonly salt: Uint8Array;
  /** In 512-byte sectors from the container start. */
  readonly keyMaterialOffset: number;
  readonly stripes: number;
}

export interface Luks1Header {
  readonly cipherName: string;
  readonly cipherMode: string;
  readonly hashSpec: string;
  /** In 512-byte sectors. */
  readonly payloadOffset: number;
  readonly keyBytes: number;
  readonly mkDigest: Uint8Array;
  readonly mkDigestSalt: Uint8Array;
  readonly mkDigestIterations: number;
  readonly uuid: string;
  readonly keyslots: readonly Luks1Keyslot[];
}

const encoder = new TextEncoder();
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function setText(b: Uint8Array, offset: number, size: number, text: string, what: string): void {
  const bytes = encoder.encode(text);
  // The field must keep a terminating NUL for C readers.
  if (bytes.length >= size) throw new RangeError(`LUKS1 ${what} "${text}" is too long`);
  b.set(bytes, offset);
}

function getText(b: Uint8Array, offset: number, size: number): string {
  const field = b.subarray(offset, offset + size);
  const end = field.indexOf(0);
  return new TextDecoder('latin1').decode(end < 0 ? field : field.subarray(0, end));
}

const alignUp = (value: number, to: number): number => Math.ceil(value / to) * to;

/** Sectors of AF material one keyslot holds. */
export function keyMaterialSectors(keyBytes: number, stripes: number): number {
  return Math.ceil((keyBytes * stripes) / SECTOR_BYTES);
}

/** Keyslot offsets and payload offset (sectors) of cryptsetup's default layout. */
export function luks1Layout(keyBytes: number = KEY_BYTES): {
  keyslotOffsets: number[];
  payloadOffset: number;
} {
  const first = alignUp(Math.ceil(LUKS1_HEADER_SIZE / SECTOR_BYTES), KEYSLOT_ALIGN_SECTORS);
  const stride = alignUp(keyMaterialSectors(keyBytes, AF_STRIPES), KEYSLOT_ALIGN_SECTORS);
  const keyslotOffsets = Array.from({ length: KEYSLOT_COUNT }, (_, i) => first + i * stride);
  const payloadOffset = alignUp(first + KEYSLOT_COUNT * stride, PAYLOAD_ALIGN_SECTORS);
  return { keyslotOffsets, payloadOffset };
}

export const LUKS1_PAYLOAD_OFFSET_BYTES = luks1Layout().payloadOffset * SECTOR_BYTES;

/** Bytes left for the encrypted filesystem in a container of `containerBytes`. */
export function luks1PayloadBytes(containerBytes: number): number {
  const sectors = Math.floor(containerBytes / SECTOR_BYTES) - luks1Layout().payloadOffset;
  return Math.max(0, sectors * SECTOR_BYTES);
}

export function encodeLuks1Header(header: Luks1Header): Uint8Array {
  const b = new Uint8Array(LUKS1_HEADER_SIZE);
  if (header.keyslots.length !== KEYSLOT_COUNT) {
    throw new RangeError(`LUKS1 has ${KEYSLOT_COUNT} keyslots, got ${header.keyslots.length}`);
  }
  if (header.mkDigest.length !== DIGEST_BYTES || header.mkDigestSalt.length !== SALT_BYTES) {
    throw new RangeError('LUKS1 master key digest is 20 bytes and its salt 32');
  }
  if (!UUID_PATTERN.test(header.uuid)) throw new RangeError(`"${header.uuid}" is not a UUID`);
  b.set(LUKS_MAGIC, OFFSET_MAGIC);
  setU16be(b, OFFSET_VERSION, LUKS1_VERSION);
  setText(b, OFFSET_CIPHER_NAME, SIZE_NAME, header.cipherName, 'cipher name');
  setText(b, OFFSET_CIPHER_MODE, SIZE_NAME, header.cipherMode, 'cipher mode');
  setText(b, OFFSET_HASH_SPEC, SIZE_NAME, header.hashSpec, 'hash');
  setU32be(b, OFFSET_PAYLOAD_OFFSET, header.payloadOffset);
  setU32be(b, OFFSET_KEY_BYTES, header.keyBytes);
  b.set(header.mkDigest, OFFSET_MK_DIGEST);
  b.set(header.mkDigestSalt, OFFSET_MK_DIGEST_SALT);
  setU32be(b, OFFSET_MK_DIGEST_ITER, header.mkDigestIterations);
  setText(b, OFFSET_UUID, SIZE_UUID, header.uuid, 'UUID');
  header.keyslots.forEach((slot, i) => {
    const at = OFFSET_KEYSLOTS + i * KEYSLOT_SIZE;
    if (slot.salt.length !== SALT_BYTES) throw new RangeError(`keyslot ${i} salt is not 32 bytes`);
    setU32be(b, at + OFFSET_KS_ACTIVE, slot.active ? KEYSLOT_ACTIVE : KEYSLOT_INACTIVE);
    setU32be(b, at + OFFSET_KS_ITERATIONS, slot.iterations);
    b.set(slot.salt, at + OFFSET_KS_SALT);
    setU32be(b, at + OFFSET_KS_KEY_MATERIAL, slot.keyMaterialOffset);
    setU32be(b, at + OFFSET_KS_STRIPES, slot.stripes);
  });
  return b;
}

export function decodeLuks1Header(b: Uint8Array): Luks1Header {
  const structure = 'LUKS1 header';
  if (b.length < LUKS1_HEADER_SIZE) {
    throw new FormatError(structure, 0, `need ${LUKS1_HEADER_SIZE} bytes, got ${b.length}`);
  }
  if (!equalBytes(b.subarray(OFFSET_MAGIC, OFFSET_MAGIC + LUKS_MAGIC.length), LUKS_MAGIC)) {
    throw new FormatError(structure, OFFSET_MAGIC, 'no LUKS magic');
  }
  const version = u16be(b, OFFSET_VERSION);
  if (version !== LUKS1_VERSION) {
    throw new FormatError(structure, OFFSET_VERSION, `version ${version}, expected 1`);
  }
  const keyBytes = u32be(b, OFFSET_KEY_BYTES);
  if (keyBytes === 0 || keyBytes > 512) {
    throw new FormatError(structure, OFFSET_KEY_BYTES, `key size ${keyBytes} bytes`);
  }
  const payloadOffset = u32be(b, OFFSET_PAYLOAD_OFFSET);
  const keyslots: Luks1Keyslot[] = [];
  for (let i = 0; i < KEYSLOT_COUNT; i++) {
    const at = OFFSET_KEYSLOTS + i * KEYSLOT_SIZE;
    const state = u32be(b, at + OFFSET_KS_ACTIVE);
    if (state !== KEYSLOT_ACTIVE && state !== KEYSLOT_INACTIVE) {
      throw new FormatError(structure, at, `keyslot ${i} state 0x${state.toString(16)}`);
    }
    const slot: Luks1Keyslot = {
      active: state === KEYSLOT_ACTIVE,
      iterations: u32be(b, at + OFFSET_KS_ITERATIONS),
      salt: b.slice(at + OFFSET_KS_SALT, at + OFFSET_KS_SALT + SALT_BYTES),
      keyMaterialOffset: u32be(b, at + OFFSET_KS_KEY_MATERIAL),
      stripes: u32be(b, at + OFFSET_KS_STRIPES),
    };
    if (slot.active) {
      if (slot.stripes === 0 || slot.iterations === 0) {
        throw new FormatError(structure, at, `keyslot ${i} has no stripes or iterations`);
      }
      const end = slot.keyMaterialOffset + keyMaterialSectors(keyBytes, slot.stripes);
      if (payloadOffset !== 0 && end > payloadOffset) {
        throw new FormatError(
          structure,
          at + OFFSET_KS_KEY_MATERIAL,
          `keyslot ${i} material ends at sector ${end}, past the payload at ${payloadOffset}`,
        );
      }
    }
    keyslots.push(slot);
  }
  return {
    cipherName: getText(b, OFFSET_CIPHER_NAME, SIZE_NAME),
    cipherMode: getText(b, OFFSET_CIPHER_MODE, SIZE_NAME),
    hashSpec: getText(b, OFFSET_HASH_SPEC, SIZE_NAME),
    payloadOffset,
    keyBytes,
    mkDigest: b.slice(OFFSET_MK_DIGEST, OFFSET_MK_DIGEST + DIGEST_BYTES),
    mkDigestSalt: b.slice(OFFSET_MK_DIGEST_SALT, OFFSET_MK_DIGEST_SALT + SALT_BYTES),
    mkDigestIterations: u32be(b, OFFSET_MK_DIGEST_ITER),
    uuid: getText(b, OFFSET_UUID, SIZE_UUID),
    keyslots,
  };
}

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

function checkHash(spec: string): HashAlgorithm {
  if (spec === 'sha1' || spec === 'sha256') return spec;
  throw new FormatError('LUKS1 header', OFFSET_HASH_SPEC, `hash "${spec}" is not supported`);
}

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
