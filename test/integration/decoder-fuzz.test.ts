// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Thousands of seeded random mutations of a real live ISO's metadata (volume descriptors, path
 * tables, directories, SUSP areas, boot catalog) and of its squashfs superblock and metadata
 * tables: every probe must end in a typed error or a valid result, quickly — never an uncaught
 * TypeError/RangeError, a hang or a runaway allocation. Reproducible: the seed is fixed and a
 * failure names its case number.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferSource } from '../../src/core/byte-source';
import { FormatError } from '../../src/core/format-error';
import { SquashfsReader, listSquashfsTree } from '../../src/core/formats/squashfs';
import { readIsoTree } from '../../src/core/iso9660/iso-reader';
import { isoFileSource } from '../../src/core/iso9660/iso-file-source';
import { probeLiveImage } from '../../src/core/liveos/probe';
import { LiveStickError } from '../../src/shared/errors';
import { makeLiveIso, tempDir } from './iso-fixtures';

const CASES = 2000;
const MAX_CASE_MS = 2000;
const ALLOWED_CODES = new Set(['NOT_LIVEOS', 'SOURCE_CORRUPT', 'SOURCE_UNREADABLE']);

/** mulberry32: tiny, seedable, good enough to spread mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING_U32 = [0, 1, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

function mutate(
  base: Uint8Array,
  regions: readonly [number, number][],
  random: () => number,
): Uint8Array {
  const bytes = base.slice();
  const count = 1 + Math.floor(random() * 8);
  for (let i = 0; i < count; i++) {
    const [start, end] = regions[Math.floor(random() * regions.length)]!;
    const at = start + Math.floor(random() * (end - start));
    const kind = random();
    if (kind < 0.4) bytes[at] = Math.floor(random() * 256);
    else if (kind < 0.7) bytes[at] ^= 1 << Math.floor(random() * 8);
    else if (at + 4 <= bytes.length) {
      const value = INTERESTING_U32[Math.floor(random() * INTERESTING_U32.length)]!;
      new DataView(bytes.buffer).setUint32(at, value, random() < 0.5);
    }
  }
  return bytes;
}

const work = tempDir('robustness');
let iso: Uint8Array;
let isoMetadata: [number, number];
let squashfsRegions: [number, number][];
let squashfsStart: number;
let squashfsSize: number;

beforeAll(async () => {
  iso = new Uint8Array(readFileSync(makeLiveIso(work.path, { era: 'f24', compression: 'gzip' })));
  const source = new BufferSource(iso);
  const tree = await readIsoTree(source);
  // xorriso writes every directory, path table and SUSP area before the first file's data.
  const firstData = Math.min(...tree.files.flatMap((f) => f.extents.map((e) => e.offset)));
  isoMetadata = [0, firstData];
  const squashfs = tree.files.find((f) => f.path === '/LiveOS/squashfs.img')!;
  squashfsStart = squashfs.extents[0]!.offset;
  squashfsSize = squashfs.size;
  const reader = await SquashfsReader.open(isoFileSource(source, squashfs));
  const { inodeTableStart, bytesUsed } = reader.superblock;
  squashfsRegions = [
    [squashfsStart, squashfsStart + 96],
    [squashfsStart + inodeTableStart, squashfsStart + bytesUsed],
  ];
}, 120_000);
afterAll(() => work.remove());

async function expectTyped(
  label: string,
  run: () => Promise<unknown>,
  strict: boolean,
): Promise<void> {
  const started = performance.now();
  try {
    await run();
  } catch (error) {
    const typed = strict
      ? error instanceof FormatError || error instanceof LiveStickError
      : error instanceof LiveStickError && ALLOWED_CODES.has(error.code);
    if (!typed) {
      throw new Error(`${label}: untyped failure ${String(error)}`, { cause: error });
    }
  }
  const elapsed = performance.now() - started;
  if (elapsed > MAX_CASE_MS) throw new Error(`${label}: took ${Math.round(elapsed)} ms`);
}

describe('robustness against corrupt metadata', () => {
  it(`${CASES} mutations of the ISO metadata region end typed and fast`, async () => {
    const random = prng(0x15090660);
    let valid = 0;
    for (let i = 0; i < CASES; i++) {
      const bytes = mutate(iso, [isoMetadata], random);
      await expectTyped(`iso case ${i}`, () => readIsoTree(new BufferSource(bytes)), true);
      await expectTyped(
        `iso probe case ${i}`,
        async () => {
          await probeLiveImage(new BufferSource(bytes));
          valid++;
        },
        false,
      );
    }
    // Many mutations hit padding or unused fields: the reader must not be needlessly strict.
    expect(valid).toBeGreaterThan(CASES / 10);
  }, 600_000);

  it(`${CASES} mutations of squashfs.img's superblock and metadata end typed and fast`, async () => {
    const random = prng(0x68737173);
    for (let i = 0; i < CASES; i++) {
      const bytes = mutate(iso, squashfsRegions, random);
      const image = new BufferSource(bytes.subarray(squashfsStart, squashfsStart + squashfsSize));
      await expectTyped(`squashfs case ${i}`, () => listSquashfsTree(image), true);
      await expectTyped(
        `squashfs probe case ${i}`,
        () => probeLiveImage(new BufferSource(bytes)),
        false,
      );
    }
  }, 600_000);
});
