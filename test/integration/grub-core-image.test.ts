// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The engine's GRUB i386-pc core.img against `grub-mkimage -O i386-pc` from Debian's grub-pc-bin,
 * built from the same module directory with the same modules, prefix and early config. Both are
 * unpacked with xz (an independent LZMA decoder) and must carry the same payload byte for byte.
 *
 * Fields that legitimately differ, because the two LZMA encoders produce different streams:
 * the compressed size in lzma_decompress.img's header (offset 0x08) and the sector count in
 * diskboot.img's block list (offset 0x1FC), which follows from it. Everything else is equal.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { concatBytes, equalBytes, setU32le, u16le, u32le } from '../../src/core/bytes';
import {
  grubBiosModuleNames,
  grubEarlyConfig,
  readI386PcFiles,
  type GrubPartitionTable,
} from '../../src/core/grub/bios-install';
import { buildCoreImage } from '../../src/core/grub/core-image';
import {
  OFFSET_COMPRESSED_SIZE,
  OFFSET_UNCOMPRESSED_SIZE,
} from '../../src/core/grub/decompressor-image';
import { DISKBOOT_SIZE, OFFSET_FIRST_BLOCKLIST } from '../../src/core/grub/diskboot-image';
import { layoutKernelImage } from '../../src/core/grub/kernel-image';
import { encodeLzmaRaw } from '../../src/core/grub/lzma-encoder';

const MODULE_DIR = '/usr/lib/grub/i386-pc';
const PREFIX = '/boot/grub2';
const FAT_SERIAL = 0x1c2d4a3b;
const BLOCKLIST_LENGTH = OFFSET_FIRST_BLOCKLIST + 8;
const dir = mkdtempSync(join(tmpdir(), 'livestick-grub-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Decodes a raw LZMA stream as core.img carries it with `xz --format=lzma`: the stream gets the
 * 13-byte .lzma header it lacks (properties lc=3 lp=0 pb=2 → 0x5D, 64 KiB dictionary, the
 * 64-bit decoded size), so xz needs no end marker and rejects any distance past 64 KiB.
 */
function xzDecodeRaw(stream: Uint8Array, size: number): Uint8Array {
  const header = new Uint8Array(13);
  header[0] = 0x5d;
  setU32le(header, 1, 1 << 16);
  setU32le(header, 5, size);
  return new Uint8Array(
    execFileSync('xz', ['--format=lzma', '--decompress', '--stdout'], {
      input: concatBytes([header, stream]),
      maxBuffer: 64 << 20,
    }),
  );
}

/** The payload of a core.img, unpacked by xz from the sizes in the decompressor's header. */
function xzPayload(core: Uint8Array, decompressorSize: number): Uint8Array {
  const compressed = u32le(core, DISKBOOT_SIZE + OFFSET_COMPRESSED_SIZE);
  const uncompressed = u32le(core, DISKBOOT_SIZE + OFFSET_UNCOMPRESSED_SIZE);
  const start = DISKBOOT_SIZE + decompressorSize;
  expect(start + compressed).toBe(core.length);
  const payload = xzDecodeRaw(core.subarray(start, start + compressed), uncompressed);
  expect(payload.length).toBe(uncompressed);
  return payload;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

describe.each<GrubPartitionTable>(['mbr', 'gpt'])('core.img for %s sticks', (table) => {
  it('unpacks to the payload grub-mkimage makes from the same files', async () => {
    const modules = grubBiosModuleNames(table);
    const config = grubEarlyConfig(FAT_SERIAL, PREFIX);
    const configPath = join(dir, `load-${table}.cfg`);
    writeFileSync(configPath, config);
    const referencePath = join(dir, `grub-mkimage-${table}.img`);
    execFileSync('grub-mkimage', [
      '-O',
      'i386-pc',
      '-d',
      MODULE_DIR,
      '-p',
      PREFIX,
      '-c',
      configPath,
      '-o',
      referencePath,
      ...modules,
    ]);
    const reference = new Uint8Array(readFileSync(referencePath));

    const files = await readI386PcFiles(
      async (name) => new Uint8Array(await readFile(join(MODULE_DIR, name))),
      modules,
    );
    const ours = buildCoreImage(files, { modules: files.modules, config, prefix: PREFIX });
    const decompressorSize = files.decompressorImage.length;

    const referencePayload = xzPayload(reference, decompressorSize);
    const ourPayload = xzPayload(ours.bytes, decompressorSize);
    expect(firstDifference(ourPayload, referencePayload)).toBe(-1);
    expect(equalBytes(ourPayload, ours.payload)).toBe(true);

    // diskboot.img: equal but for the sector count of the block list.
    const diskbootMask = (core: Uint8Array) => {
      const copy = core.slice(0, DISKBOOT_SIZE);
      copy.fill(0, BLOCKLIST_LENGTH, BLOCKLIST_LENGTH + 2);
      return copy;
    };
    expect(equalBytes(diskbootMask(ours.bytes), diskbootMask(reference))).toBe(true);
    for (const core of [ours.bytes, reference]) {
      expect(u16le(core, BLOCKLIST_LENGTH)).toBe(Math.ceil(core.length / 512) - 1);
    }

    // lzma_decompress.img: equal but for the compressed size.
    const decompressorMask = (core: Uint8Array) => {
      const copy = core.slice(DISKBOOT_SIZE, DISKBOOT_SIZE + decompressorSize);
      copy.fill(0, OFFSET_COMPRESSED_SIZE, OFFSET_COMPRESSED_SIZE + 4);
      return copy;
    };
    expect(equalBytes(decompressorMask(ours.bytes), decompressorMask(reference))).toBe(true);

    console.log(
      `core.img (${table}): ours ${ours.bytes.length} bytes, grub-mkimage ${reference.length} bytes, payload ${ours.payload.length} bytes`,
    );
  });
});

describe('kernel.img', () => {
  it('is laid out as objcopy -O binary flattens it', () => {
    const flat = join(dir, 'kernel.bin');
    execFileSync('objcopy', ['-O', 'binary', join(MODULE_DIR, 'kernel.img'), flat]);
    const ours = layoutKernelImage(new Uint8Array(readFileSync(join(MODULE_DIR, 'kernel.img'))));
    expect(firstDifference(ours.image, new Uint8Array(readFileSync(flat)))).toBe(-1);
    expect(ours.bssSize).toBeGreaterThan(0);
  });
});

describe('the LZMA encoder through xz', () => {
  /** Deterministic pseudo-random bytes (xorshift). */
  function pseudoRandom(length: number, seed: number): Uint8Array {
    const out = new Uint8Array(length);
    let x = seed;
    for (let i = 0; i < length; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      out[i] = x & 0xff;
    }
    return out;
  }

  it.each([
    ['GRUB normal.mod', () => new Uint8Array(readFileSync(join(MODULE_DIR, 'normal.mod')))],
    ['x86 code', () => new Uint8Array(readFileSync(process.execPath).subarray(0x20000, 0x80000))],
    // Repeats further back than the 64 KiB dictionary: xz would reject a longer distance.
    [
      'far repeats',
      () => {
        const block = pseudoRandom(70_000, 7);
        return concatBytes([block, block, block.subarray(0, 1000)]);
      },
    ],
    ['one byte', () => Uint8Array.of(0x42)],
    ['a long run', () => new Uint8Array(300_000).fill(0xaa)],
  ])('%s decodes with xz --format=lzma', (_name, make) => {
    const data = make();
    const decoded = xzDecodeRaw(encodeLzmaRaw(data), data.length);
    expect(firstDifference(decoded, data)).toBe(-1);
  });
});
