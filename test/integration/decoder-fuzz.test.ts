// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Seeded random mutations of everything our decoders read from a live ISO: the ISO's metadata
 * (volume descriptors, path tables, directories, SUSP areas, boot catalog); squashfs images made
 * by mksquashfs with every compressor Fedora and kiwi have used (gzip, xz with and without the x86
 * BCJ filter, legacy lzma, LZ4, LZO, zstd), both through the tree reader and block by block
 * through the decompressors; xz streams of x86 code filtered by BCJ as mksquashfs -Xbcj x86
 * writes data blocks; and EROFS images made by mkfs.erofs (lz4, lz4hc). Every mutation must end
 * in a typed error (FormatError, LiveStickError) or a valid result within MAX_CASE_MS, without an
 * uncaught TypeError/RangeError, a hang or a runaway allocation.
 *
 * Reproducible: the fixtures are built from fixed seeds with fixed timestamps and UUIDs (the
 * same bytes on every run, checked by the SHA-256 printed on failure), the mutations come from a
 * fixed seed per fuzz, and a failure names the fuzz, its seed, the case and every byte it changed.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferSource } from '../../src/core/byte-source';
import { u16le, u64le } from '../../src/core/bytes';
import { FormatError } from '../../src/core/format-error';
import { decodeErofsSuperblock, isErofs } from '../../src/core/formats/erofs';
import { lzmaAloneDecompress, xzDecompress } from '../../src/core/formats/lzma';
import {
  METADATA_SIZE,
  SquashfsReader,
  decodeSquashfsSuperblock,
  inspectSquashfsRoot,
  listSquashfsTree,
} from '../../src/core/formats/squashfs';
import {
  decompressBlock,
  type SquashfsCompression,
} from '../../src/core/formats/squashfs-decompress';
import { readIsoTree } from '../../src/core/iso9660/iso-reader';
import { isoFileSource } from '../../src/core/iso9660/iso-file-source';
import { probeLiveImage } from '../../src/core/liveos/probe';
import { LiveStickError } from '../../src/shared/errors';
import {
  FIXTURE_TIME,
  FIXTURE_UUID,
  REPRODUCIBLE_ENV,
  fixTimes,
  makeLiveIso,
  makeRootTree,
  run,
  seededBytes,
  seededRandom,
  tempDir,
} from './iso-fixtures';

const MAX_CASE_MS = 2000;
/**
 * More new array-buffer memory than this after one case means a decoder believed a corrupt
 * length: nothing we decode needs more than a few MiB (the squashfs reader's own cap is 64 MiB).
 */
const MAX_CASE_ALLOCATION_BYTES = 256 * 1024 * 1024;
const PROBE_CODES = new Set(['NOT_LIVEOS', 'SOURCE_CORRUPT', 'SOURCE_UNREADABLE']);
const FIXTURE_SEED = 0x5eed;

const INTERESTING_U32 = [0, 1, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

interface Mutant {
  readonly bytes: Uint8Array;
  /** What changed, for the failure message: "0x1f4: 03→ff" per byte, or a truncation. */
  readonly changes: readonly string[];
}

/**
 * One seeded fuzz over one base input: each case changes 1–8 random places in `regions` (a
 * random byte, a flipped bit, or an interesting 32-bit value in either byte order), and with
 * `truncate` sometimes also cuts the input short.
 */
class Fuzz {
  private readonly random: () => number;
  readonly digest: string;
  valid = 0;
  rejected = 0;

  constructor(
    readonly name: string,
    readonly seed: number,
    readonly base: Uint8Array,
  ) {
    this.random = seededRandom(seed);
    this.digest = createHash('sha256').update(base).digest('hex').slice(0, 16);
  }

  mutate(regions: readonly (readonly [number, number])[], options: { truncate?: boolean } = {}) {
    const random = this.random;
    const bytes = this.base.slice();
    const touched = new Set<number>();
    const count = 1 + Math.floor(random() * 8);
    for (let i = 0; i < count; i++) {
      const [start, end] = regions[Math.floor(random() * regions.length)]!;
      const at = start + Math.floor(random() * (end - start));
      const kind = random();
      if (kind < 0.4) {
        bytes[at] = Math.floor(random() * 256);
        touched.add(at);
      } else if (kind < 0.7) {
        bytes[at] ^= 1 << Math.floor(random() * 8);
        touched.add(at);
      } else if (at + 4 <= bytes.length) {
        const value = INTERESTING_U32[Math.floor(random() * INTERESTING_U32.length)]!;
        new DataView(bytes.buffer).setUint32(at, value, random() < 0.5);
        for (let k = 0; k < 4; k++) touched.add(at + k);
      }
    }
    const changes = [...touched]
      .sort((a, b) => a - b)
      .filter((at) => bytes[at] !== this.base[at])
      .map((at) => `0x${at.toString(16)}: ${hex2(this.base[at]!)}→${hex2(bytes[at]!)}`);
    if (options.truncate && random() < 0.15) {
      const length = Math.floor(random() * bytes.length);
      changes.push(`cut to ${length} bytes`);
      return { bytes: bytes.subarray(0, length), changes } satisfies Mutant;
    }
    return { bytes, changes } satisfies Mutant;
  }

  /**
   * Runs one case: it must return, or throw an error `typed` accepts, within MAX_CASE_MS and
   * without a runaway allocation. Otherwise the failure says how to reproduce it.
   */
  async check(
    caseNumber: number,
    mutant: Mutant,
    work: () => Promise<unknown>,
    typed: (error: unknown) => boolean = isTypedError,
  ): Promise<void> {
    const where = () =>
      `${this.name}, seed 0x${this.seed.toString(16)}, case ${caseNumber} of base sha256 ${this.digest}… (changed ${mutant.changes.join(', ') || 'nothing'})`;
    const buffersBefore = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    try {
      await work();
      this.valid++;
    } catch (error) {
      if (!typed(error)) {
        throw new Error(`${where()}: untyped failure ${String(error)}`, { cause: error });
      }
      this.rejected++;
    }
    const elapsed = performance.now() - started;
    if (elapsed > MAX_CASE_MS) throw new Error(`${where()}: took ${Math.round(elapsed)} ms`);
    const allocated = process.memoryUsage().arrayBuffers - buffersBefore;
    if (allocated > MAX_CASE_ALLOCATION_BYTES) {
      throw new Error(`${where()}: ${Math.round(allocated / 2 ** 20)} MiB of new buffers`);
    }
  }

  /** Both outcomes happened: the mutations reached the decoder, and it is not needlessly strict. */
  expectBothOutcomes(): void {
    console.log(`${this.name}: ${this.valid} valid, ${this.rejected} typed errors`);
    expect(this.valid, `${this.name}: valid results`).toBeGreaterThan(0);
    expect(this.rejected, `${this.name}: typed errors`).toBeGreaterThan(0);
  }
}

function hex2(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

function isTypedError(error: unknown): boolean {
  return error instanceof FormatError || error instanceof LiveStickError;
}

function isProbeError(error: unknown): boolean {
  return error instanceof LiveStickError && PROBE_CODES.has(error.code);
}

const work = tempDir('fuzz');
afterAll(() => work.remove());

/** The seeded root tree every fuzzed image is made from, with fixed timestamps. */
function fixtureTree(name: string): string {
  const tree = join(work.path, name);
  makeRootTree(tree, seededBytes(FIXTURE_SEED));
  fixTimes(tree);
  return tree;
}

describe('the ISO reader and the probe under mutation', () => {
  const CASES = 2000;
  let iso: Uint8Array;
  let isoMetadata: [number, number];
  let squashfsRegions: [number, number][];
  let squashfsStart: number;
  let squashfsSize: number;

  beforeAll(async () => {
    const path = makeLiveIso(work.path, { era: 'f24', compression: 'gzip', seed: FIXTURE_SEED });
    iso = new Uint8Array(readFileSync(path));
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

  it(`${CASES} mutations of the ISO metadata region end typed and fast`, async () => {
    const fuzz = new Fuzz('ISO metadata', 0x15090660, iso);
    const probe = new Fuzz('ISO metadata, probe', 0x15090660, iso);
    for (let i = 0; i < CASES; i++) {
      const mutant = fuzz.mutate([isoMetadata]);
      await fuzz.check(i, mutant, () => readIsoTree(new BufferSource(mutant.bytes)));
      await probe.check(
        i,
        mutant,
        () => probeLiveImage(new BufferSource(mutant.bytes)),
        isProbeError,
      );
    }
    fuzz.expectBothOutcomes();
    // Many mutations hit padding or unused fields: the probe must not be needlessly strict.
    expect(probe.valid).toBeGreaterThan(CASES / 10);
  }, 600_000);

  it(`${CASES} mutations of squashfs.img's superblock and metadata end typed and fast`, async () => {
    const fuzz = new Fuzz('squashfs in the ISO', 0x68737173, iso);
    const probe = new Fuzz('squashfs in the ISO, probe', 0x68737173, iso);
    for (let i = 0; i < CASES; i++) {
      const mutant = fuzz.mutate(squashfsRegions);
      const image = new BufferSource(
        mutant.bytes.subarray(squashfsStart, squashfsStart + squashfsSize),
      );
      await fuzz.check(i, mutant, () => listSquashfsTree(image));
      await probe.check(
        i,
        mutant,
        () => probeLiveImage(new BufferSource(mutant.bytes)),
        isProbeError,
      );
    }
    fuzz.expectBothOutcomes();
  }, 600_000);
});

interface SquashfsVariant {
  readonly name: string;
  readonly compression: SquashfsCompression;
  readonly options: readonly string[];
  readonly seed: number;
}

const SQUASHFS_VARIANTS: readonly SquashfsVariant[] = [
  { name: 'gzip', compression: 'gzip', options: [], seed: 0x67a1 },
  { name: 'xz', compression: 'xz', options: [], seed: 0x785a },
  { name: 'xz -Xbcj x86', compression: 'xz', options: ['-Xbcj', 'x86'], seed: 0x86bc },
  { name: 'lzma', compression: 'lzma', options: [], seed: 0x1a3a },
  { name: 'lz4', compression: 'lz4', options: [], seed: 0x1240 },
  { name: 'lz4 -Xhc', compression: 'lz4', options: ['-Xhc'], seed: 0x124c },
  { name: 'lzo', compression: 'lzo', options: [], seed: 0x1a20 },
  { name: 'zstd', compression: 'zstd', options: [], seed: 0x2575 },
];

/** `unsquashfs -l` prints "squashfs-root/usr/bin/bash"; the reader lists "/usr/bin/bash". */
function unsquashfsList(image: string): string[] {
  return run('unsquashfs', ['-l', '-no-progress', image])
    .split('\n')
    .filter((line) => line.startsWith('squashfs-root/'))
    .map((line) => line.slice('squashfs-root'.length));
}

const OFFSET_FRAGMENT_TABLE = 80;
const OFFSET_LOOKUP_TABLE = 88;
const OFFSET_ID_TABLE = 48;
const OFFSET_XATTR_TABLE = 56;
const METADATA_UNCOMPRESSED = 0x8000;

interface MetadataBlock {
  readonly at: number;
  readonly compressed: boolean;
  /** The stored bytes, without the 2-byte header. */
  readonly data: Uint8Array;
  /** The last block of its table decodes to less than METADATA_SIZE; every other one to exactly that. */
  readonly lastOfTable: boolean;
}

/**
 * The metadata blocks of the inode table and of the directory table. The directory table ends
 * where the next table's first metadata block begins; the superblock points at that table's
 * index (squashfs_fs.h: fragment, lookup, id tables), whose first entry is that block.
 */
function metadataBlocks(image: Uint8Array): MetadataBlock[] {
  const superblock = decodeSquashfsSuperblock(image, image.length);
  const later = [OFFSET_FRAGMENT_TABLE, OFFSET_LOOKUP_TABLE, OFFSET_ID_TABLE, OFFSET_XATTR_TABLE]
    .map((offset) => u64le(image, offset))
    .filter((index) => index < BigInt(image.length - 8))
    .map((index) => Number(u64le(image, Number(index))))
    .filter((start) => start > superblock.directoryTableStart);
  const tables: [number, number][] = [
    [superblock.inodeTableStart, superblock.directoryTableStart],
    [superblock.directoryTableStart, Math.min(superblock.bytesUsed, ...later)],
  ];
  const blocks: MetadataBlock[] = [];
  for (const [start, end] of tables) {
    for (let at = start; at < end;) {
      const header = u16le(image, at);
      const stored = header & ~METADATA_UNCOMPRESSED;
      const next = at + 2 + stored;
      blocks.push({
        at,
        compressed: (header & METADATA_UNCOMPRESSED) === 0,
        data: image.subarray(at + 2, next),
        lastOfTable: next >= end,
      });
      at = next;
    }
  }
  return blocks;
}

describe.each(SQUASHFS_VARIANTS)('squashfs made by mksquashfs -comp $name', (variant) => {
  const TREE_CASES = 1000;
  const BLOCK_CASES = 1500;
  let path: string;
  let image: Uint8Array;

  beforeAll(() => {
    const tree = fixtureTree(`tree-${variant.seed}`);
    path = join(work.path, `${variant.seed}.squashfs`);
    run(
      'mksquashfs',
      [
        tree,
        path,
        '-comp',
        variant.compression,
        ...variant.options,
        '-noappend',
        '-quiet',
        '-no-progress',
        '-no-xattrs',
        '-all-root',
      ],
      { env: REPRODUCIBLE_ENV },
    );
    image = new Uint8Array(readFileSync(path));
  }, 120_000);

  it('reads unmutated exactly as unsquashfs -l lists it', async () => {
    const source = new BufferSource(image);
    expect((await listSquashfsTree(source)).sort()).toEqual(unsquashfsList(path).sort());
    expect(await inspectSquashfsRoot(source)).toEqual({
      kind: 'flat',
      compression: variant.compression,
    });
  });

  it(`${TREE_CASES} mutations of the superblock and metadata tables end typed and fast`, async () => {
    const { inodeTableStart, bytesUsed } = decodeSquashfsSuperblock(image, image.length);
    const fuzz = new Fuzz(`squashfs ${variant.name}, tree`, variant.seed, image);
    for (let i = 0; i < TREE_CASES; i++) {
      const mutant = fuzz.mutate([
        [0, 96],
        [inodeTableStart, bytesUsed],
      ]);
      await fuzz.check(i, mutant, async () => {
        const source = new BufferSource(mutant.bytes);
        await listSquashfsTree(source);
        await inspectSquashfsRoot(source);
      });
    }
    fuzz.expectBothOutcomes();
  }, 600_000);

  it(`${BLOCK_CASES} mutations of compressed metadata blocks end typed and fast in the decompressor`, async () => {
    const all = metadataBlocks(image);
    // This tree's tables do not end on a block boundary, so each table's last block is short.
    for (const block of all.filter((b) => b.compressed)) {
      const decoded = decompressBlock(variant.compression, block.data, METADATA_SIZE, block.at);
      if (block.lastOfTable)
        expect(decoded.length, `block at ${block.at}`).toBeLessThan(METADATA_SIZE);
      else expect(decoded.length, `block at ${block.at}`).toBe(METADATA_SIZE);
    }
    const blocks = all.filter((b) => b.compressed);
    expect(blocks.length).toBeGreaterThan(2);
    const random = seededRandom(variant.seed + 1);
    const fuzzes = blocks.map(
      (block) =>
        new Fuzz(`${variant.name} block at ${block.at}`, variant.seed + block.at, block.data),
    );
    for (let i = 0; i < BLOCK_CASES; i++) {
      const index = Math.floor(random() * blocks.length);
      const fuzz = fuzzes[index]!;
      const mutant = fuzz.mutate([[0, fuzz.base.length]], { truncate: true });
      await fuzz.check(i, mutant, async () =>
        decompressBlock(variant.compression, mutant.bytes, METADATA_SIZE, blocks[index]!.at),
      );
    }
    const valid = fuzzes.reduce((n, f) => n + f.valid, 0);
    console.log(`${variant.name} blocks: ${valid} valid, ${BLOCK_CASES - valid} typed errors`);
    // Most mutations must be noticed; LZ4, LZO and zstd blocks carry no checksum, so a changed
    // literal decodes to other bytes, which is a valid result.
    expect(BLOCK_CASES - valid).toBeGreaterThan(BLOCK_CASES / 2);
  }, 600_000);
});

function xz(args: readonly string[], input: Uint8Array): Uint8Array {
  return new Uint8Array(execFileSync('xz', [...args, '-c'], { input }));
}

describe('xz streams with the x86 BCJ filter under mutation', () => {
  const CASES = 1500;
  /** Real x86 code (GRUB's i386-pc kernel), where BCJ changes call and jump operands. */
  const CODE = new Uint8Array(readFileSync('/usr/lib/grub/i386-pc/kernel.img'));
  let chunks: { plain: Uint8Array; stream: Uint8Array }[];

  beforeAll(() => {
    chunks = [];
    for (let at = 0; at + METADATA_SIZE <= CODE.length && chunks.length < 3; at += METADATA_SIZE) {
      const plain = CODE.subarray(at, at + METADATA_SIZE);
      // What mksquashfs -comp xz -Xbcj x86 writes for one block: one xz stream, CRC32 check.
      const stream = xz(['--format=xz', '--check=crc32', '--x86', '--lzma2=preset=6'], plain);
      chunks.push({ plain, stream });
    }
  });

  it('decode unmutated to exactly the code xz was given', () => {
    expect(chunks.length).toBe(3);
    for (const { plain, stream } of chunks) {
      expect(Buffer.from(xzDecompress(stream, METADATA_SIZE)).equals(plain)).toBe(true);
    }
  });

  it(`${CASES} mutations end typed and fast`, async () => {
    const fuzzes = chunks.map(
      (chunk, i) => new Fuzz(`xz --x86 stream ${i}`, 0xbc10 + i, chunk.stream),
    );
    const random = seededRandom(0xbc1);
    for (let i = 0; i < CASES; i++) {
      const fuzz = fuzzes[Math.floor(random() * fuzzes.length)]!;
      const mutant = fuzz.mutate([[0, fuzz.base.length]], { truncate: true });
      await fuzz.check(i, mutant, async () => xzDecompress(mutant.bytes, METADATA_SIZE));
    }
    expect(fuzzes.reduce((n, f) => n + f.rejected, 0)).toBeGreaterThan(CASES / 2);
  }, 600_000);

  it('legacy .lzma streams of the same code decode, and end typed and fast under mutation', async () => {
    const { plain } = chunks[0]!;
    const stream = xz(['--format=lzma'], plain);
    expect(Buffer.from(lzmaAloneDecompress(stream, METADATA_SIZE)).equals(plain)).toBe(true);
    const fuzz = new Fuzz('lzma stream', 0x1a3b, stream);
    for (let i = 0; i < CASES; i++) {
      const mutant = fuzz.mutate([[0, stream.length]], { truncate: true });
      await fuzz.check(i, mutant, async () => lzmaAloneDecompress(mutant.bytes, METADATA_SIZE));
    }
    // Without a checksum, only the decoder's own checks stop a corrupt stream.
    expect(fuzz.rejected).toBeGreaterThan(CASES / 2);
  }, 600_000);
});

describe.each(['lz4', 'lz4hc'] as const)('EROFS made by mkfs.erofs -z%s', (compressor) => {
  const CASES = 2000;
  const SEED = compressor === 'lz4' ? 0xe40f : 0xe4cf;
  let image: Uint8Array;
  let iso: Uint8Array;
  let erofsStart: number;

  beforeAll(async () => {
    const tree = fixtureTree(`erofs-tree-${compressor}`);
    const path = join(work.path, `${compressor}.erofs`);
    run('mkfs.erofs', [
      '--quiet',
      `-z${compressor}`,
      `-T${FIXTURE_TIME}`,
      `-U${FIXTURE_UUID}`,
      path,
      tree,
    ]);
    image = new Uint8Array(readFileSync(path));
    const isoPath = makeLiveIso(work.path, {
      era: 'kiwi',
      squashfsImage: path,
      seed: FIXTURE_SEED,
    });
    iso = new Uint8Array(readFileSync(isoPath));
    const tree9660 = await readIsoTree(new BufferSource(iso));
    erofsStart = tree9660.files.find((f) => f.path === '/LiveOS/squashfs.img')!.extents[0]!.offset;
  }, 120_000);

  it('decodes the unmutated superblock and probes the ISO as EROFS', async () => {
    expect(isErofs(image)).toBe(true);
    const superblock = decodeErofsSuperblock(image, image.length);
    expect(superblock).toMatchObject({ blockSize: 4096, uuid: FIXTURE_UUID, volumeName: '' });
    expect(superblock.blocks * superblock.blockSize).toBe(image.length);
    expect((await probeLiveImage(new BufferSource(iso))).rootfs).toMatchObject({ kind: 'erofs' });
  });

  it(`${CASES} mutations of its superblock block end typed and fast, alone and in the ISO`, async () => {
    const fuzz = new Fuzz(`EROFS ${compressor}`, SEED, image);
    const probe = new Fuzz(`EROFS ${compressor} in the ISO, probe`, SEED, iso);
    for (let i = 0; i < CASES; i++) {
      const mutant = fuzz.mutate([[0, 4096]], { truncate: true });
      await fuzz.check(i, mutant, async () => {
        if (isErofs(mutant.bytes)) decodeErofsSuperblock(mutant.bytes, mutant.bytes.length);
      });
      const inIso = iso.slice();
      inIso.set(mutant.bytes.subarray(0, 4096), erofsStart);
      await probe.check(
        i,
        { bytes: inIso, changes: mutant.changes },
        () => probeLiveImage(new BufferSource(inIso)),
        isProbeError,
      );
    }
    fuzz.expectBothOutcomes();
    probe.expectBothOutcomes();
  }, 600_000);
});
