// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The LUKS1 header and the container layout for an encrypted /LiveOS/home.img. Fedora 24's
 * cryptsetup 1.7 opens LUKS1 only (docs/FORMATS.md, "At boot: dracut and livesys"), so this is what livesys can
 * unlock as `EncHome` on every era. The layout is cryptsetup 1.7+'s default for aes-xts-plain64
 * with a 512-bit key: a 592-byte big-endian header, eight keyslot areas of 4000 anti-forensic
 * stripes aligned to 4096 bytes, and the payload at sector 4096 (2 MiB).
 */
import { setU16be, setU32be, u16be, u32be, equalBytes } from '../bytes';
import type { HashAlgorithm } from '../crypto-provider';
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
