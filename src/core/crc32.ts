// SPDX-License-Identifier: GPL-3.0-or-later
/** CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320) as used by GPT and ext4's journal checksum v1. */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array, seed = 0): number {
  let crc = ~seed >>> 0;
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** CRC-32C (Castagnoli, reflected poly 0x82F63B78), ext4's metadata checksum. Raw form: no final inversion. */
const TABLE_C = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * ext4 calls the kernel's crc32c_le(seed, data), which neither pre- nor post-inverts; callers pass
 * ~0 as the first seed where the format says so.
 */
export function crc32cRaw(bytes: Uint8Array, seed: number): number {
  let crc = seed >>> 0;
  for (let i = 0; i < bytes.length; i++) crc = TABLE_C[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return crc >>> 0;
}
