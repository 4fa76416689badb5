// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Planned exFAT volumes written to sparse image files and checked by independent tools:
 * fsck.exfat, dump.exfat and exfatlabel (exfatprogs), blkid, and a second exFAT implementation,
 * exfat-fuse, mounted read-only over a loop device to list every file and read its bytes (this
 * host's kernel has no exfat module). The reader is proven against volumes mkfs.exfat made and
 * exfat-fuse filled, and maintenance edits are checked the same way.
 * Needs root (losetup, FUSE) and exfatprogs + exfat-fuse; fails when either is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ByteSource } from '../../src/core/byte-source';
import {
  bytesExtent,
  shiftExtents,
  sourceExtent,
  totalExtentBytes,
  zeroExtent,
  type Extent,
} from '../../src/core/extent';
import { formatExfatSerial } from '../../src/core/exfat/geometry';
import {
  planExfatCreate,
  planExfatDelete,
  planExfatResize,
  planExfatRewrite,
} from '../../src/core/exfat/volume-edit';
import { planExfatVolume, type ExfatFileSpec } from '../../src/core/exfat/volume-plan';
import {
  findExfatFile,
  readExfatFile,
  readExfatVolume,
  walkExfatVolume,
  type ByteRun,
  type ExfatVolume,
} from '../../src/core/exfat/volume-reader';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const dir = mkdtempSync(join(tmpdir(), 'livestick-exfat-'));
const loops: string[] = [];
const mounts: string[] = [];
afterAll(() => {
  for (const mount of mounts.splice(0)) spawnSync('umount', [mount]);
  for (const loop of loops.splice(0)) spawnSync('losetup', ['-d', loop]);
  rmSync(dir, { recursive: true, force: true });
});

/** Deterministic pseudo-random bytes (xorshift), standing in for the ISO. */
function pseudoRandom(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
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

/** A plain synchronous file reader, independent of the engine's own I/O layer. */
class FileSource implements ByteSource {
  private readonly fd: number;
  readonly size: number;
  constructor(path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    if (readSync(this.fd, out, 0, length, offset) !== length) {
      return Promise.reject(new RangeError(`short read at ${offset}`));
    }
    return Promise.resolve(out);
  }
  close(): void {
    closeSync(this.fd);
  }
}

async function readVolume(path: string, offset = 0): Promise<ExfatVolume> {
  const source = new FileSource(path);
  try {
    return await readExfatVolume(source, offset);
  } finally {
    source.close();
  }
}

const iso = pseudoRandom(8 * MiB, 0x1505);
const ZEROS = new Uint8Array(4 * MiB);

/** The smallest possible extent writer: what the real one does, minus speed and verification. */
function applyExtents(path: string, extents: readonly Extent[], sizeBytes?: number): void {
  const fd = openSync(path, sizeBytes === undefined ? 'r+' : 'w');
  try {
    if (sizeBytes !== undefined) ftruncateSync(fd, sizeBytes);
    for (const extent of extents) {
      if (extent.fill.kind === 'bytes') {
        writeSync(fd, extent.fill.data, 0, extent.length, extent.offset);
      } else if (extent.fill.kind === 'source') {
        writeSync(fd, iso, extent.fill.sourceOffset, extent.length, extent.offset);
      } else {
        for (let done = 0; done < extent.length; done += ZEROS.length) {
          const length = Math.min(ZEROS.length, extent.length - done);
          writeSync(fd, ZEROS, 0, length, extent.offset + done);
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** toEqual on megabytes of Uint8Array takes seconds; a length and a byte compare do not. */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  expect(Buffer.compare(actual, expected), what).toBe(0);
}

function run(command: string, args: string[]): { status: number; out: string } {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, out: `${result.stdout}${result.stderr}` };
}

function expectFsckClean(target: string): void {
  const { status, out } = run('fsck.exfat', ['-n', target]);
  expect(out, out).toMatch(/: clean\./);
  expect(status, out).toBe(0);
}

/** exfat-fuse over a loop device of (part of) an image; returns the mount point. */
function fuseMount(
  image: string,
  options: { offset?: number; size?: number; rw?: boolean } = {},
): string {
  const args = ['-f', '--show'];
  if (options.offset !== undefined) args.push('--offset', String(options.offset));
  if (options.size !== undefined) args.push('--sizelimit', String(options.size));
  const loop = execFileSync('losetup', [...args, image], { encoding: 'utf8' }).trim();
  loops.push(loop);
  const mountPoint = join(dir, `mnt-${loops.length}`);
  mkdirSync(mountPoint, { recursive: true });
  execFileSync('mount.exfat-fuse', ['-o', options.rw ? 'rw' : 'ro', loop, mountPoint], {
    stdio: 'pipe',
  });
  mounts.push(mountPoint);
  return mountPoint;
}

function fuseUnmount(mountPoint: string): void {
  execFileSync('umount', [mountPoint]);
  mounts.splice(mounts.indexOf(mountPoint), 1);
  const loop = loops.pop()!;
  execFileSync('losetup', ['-d', loop]);
}

/** Every file below `root` as "/a/b" paths (directories end with "/"). */
function listTree(root: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const path = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(`${path}/`, ...listTree(root, path));
    else out.push(path);
  }
  return out;
}

function readRange(path: string, offset: number, length: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const out = new Uint8Array(length);
    expect(readSync(fd, out, 0, length, offset)).toBe(length);
    return out;
  } finally {
    closeSync(fd);
  }
}

interface TestFile {
  readonly spec: ExfatFileSpec;
  /** Ranges a reader must see, [offset, bytes]; for small files the whole content. */
  readonly expected: readonly (readonly [number, Uint8Array])[];
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function fileFromIso(path: string, size: number, isoOffset: number): TestFile {
  return {
    spec: { path, size, content: size > 0 ? [sourceExtent(0, size, isoOffset, path)] : [] },
    expected: [[0, iso.slice(isoOffset, isoOffset + size)]],
  };
}

function textFile(path: string, content: string): TestFile {
  const data = text(content);
  return {
    spec: { path, size: data.length, content: [bytesExtent(0, data, path)] },
    expected: [[0, data]],
  };
}

/**
 * A persistence file: a planned head, a marker past 4 GiB when it is that big, a planned tail;
 * everything else left as it is (a sparse image reads zeros there).
 */
function persistenceFile(path: string, size: number): TestFile {
  const head = text(`head of ${path}`);
  const tail = text(`tail of ${path}`);
  const marker = text(`past 4 GiB in ${path}`);
  const content: Extent[] = [
    zeroExtent(0, 64 * 1024, `${path} head`),
    bytesExtent(64 * 1024, head, 'head'),
  ];
  const expected: [number, Uint8Array][] = [
    [0, new Uint8Array(64 * 1024)],
    [64 * 1024, head],
    [size - tail.length, tail],
  ];
  if (size > 5 * GiB) {
    content.push(bytesExtent(4 * GiB + 12345, marker, 'marker'));
    expected.push([4 * GiB + 12345, marker]);
  }
  content.push(bytesExtent(size - tail.length, tail, 'tail'));
  return { spec: { path, size, content }, expected };
}

function liveTree(uuid: string, overlayBytes: number, homeBytes: number): TestFile[] {
  const files = [
    textFile('/EFI/BOOT/grub.cfg', `search --no-floppy --set=root -u '${uuid}'\n`),
    fileFromIso('/EFI/BOOT/BOOTX64.EFI', 950_000, 0),
    fileFromIso('/empty.bin', 0, 0),
    textFile('/my file (1).txt', 'spaces and brackets\n'),
    textFile('/Grüße aus Köln — ein recht langer Name.txt', 'non-ASCII long name\n'),
    textFile('/.disk-info', 'hidden-style name\n'),
    fileFromIso('/LiveOS/squashfs.img', 3 * MiB + 123, 2 * MiB),
    persistenceFile(`/LiveOS/overlay-LIVE-${uuid}`, overlayBytes),
    persistenceFile('/LiveOS/home.img', homeBytes),
  ];
  for (let i = 0; i < 40; i++)
    files.push(textFile(`/many/a long file name number ${i}.text`, `${i}\n`));
  return files;
}

interface Case {
  readonly name: string;
  readonly volumeBytes: number;
  readonly partitionStartBytes: number;
  readonly overlayBytes: number;
  readonly homeBytes: number;
  readonly expectedClusterBytes: number;
}

const cases: Case[] = [
  {
    name: '64 MiB',
    volumeBytes: 64 * MiB,
    partitionStartBytes: 0,
    overlayBytes: 8 * MiB,
    homeBytes: 4 * MiB,
    expectedClusterBytes: 4096,
  },
  {
    name: '1 GiB in a disk at 1 MiB',
    volumeBytes: GiB,
    partitionStartBytes: MiB,
    overlayBytes: 300 * MiB,
    homeBytes: 200 * MiB,
    expectedClusterBytes: 32768,
  },
  {
    name: '64 GiB with a 20 GiB overlay',
    volumeBytes: 64 * GiB,
    partitionStartBytes: 0,
    overlayBytes: 20 * GiB,
    homeBytes: 6 * GiB,
    expectedClusterBytes: 131072,
  },
];

describe.each(cases)('exFAT $name', (c) => {
  const serial = 0x1a2b3c4d ^ (c.volumeBytes / MiB);
  const uuid = formatExfatSerial(serial);
  const label = 'LIVE';
  const files = liveTree(uuid, c.overlayBytes, c.homeBytes);
  const image = join(dir, `${c.name.replace(/[^a-z0-9]+/gi, '-')}.img`);
  const plan = planExfatVolume({
    volumeBytes: c.volumeBytes,
    label,
    serial,
    files: files.map((f) => f.spec),
    directories: ['/LiveOS', '/empty/nested'],
    partitionStartBytes: c.partitionStartBytes,
    createdAt: new Date(Date.UTC(2024, 4, 17, 12, 34, 56)),
  });
  const imageBytes = c.partitionStartBytes + c.volumeBytes + (c.partitionStartBytes ? MiB : 0);
  applyExtents(image, shiftExtents(plan.extents, c.partitionStartBytes), imageBytes);
  const volumeArgs = c.partitionStartBytes
    ? { offset: c.partitionStartBytes, size: c.volumeBytes }
    : {};

  it('writes metadata and content only, with the default cluster size', () => {
    expect(plan.geometry.clusterBytes).toBe(c.expectedClusterBytes);
    const content = files.reduce((sum, f) => sum + totalExtentBytes(f.spec.content), 0);
    // Boot regions, alignment zeros, FAT, bitmap, up-case table and directories: a few MiB.
    expect(totalExtentBytes(plan.extents) - content).toBeLessThan(6 * MiB);
    expect(statSync(image).blocks * 512).toBeLessThan(32 * MiB);
  });

  it('passes fsck.exfat -n clean', () => {
    if (!c.partitionStartBytes) {
      expectFsckClean(image);
      return;
    }
    const loop = execFileSync(
      'losetup',
      [
        '-f',
        '--show',
        '--offset',
        String(c.partitionStartBytes),
        '--sizelimit',
        String(c.volumeBytes),
        image,
      ],
      { encoding: 'utf8' },
    ).trim();
    loops.push(loop);
    try {
      expectFsckClean(loop);
    } finally {
      execFileSync('losetup', ['-d', loops.pop()!]);
    }
  });

  it('shows its label and serial to dump.exfat, exfatlabel and blkid', () => {
    const volumePath = join(dir, 'volume-only.img');
    if (c.partitionStartBytes) {
      execFileSync('dd', [
        `if=${image}`,
        `of=${volumePath}`,
        'bs=1M',
        `skip=${c.partitionStartBytes / MiB}`,
        `count=${c.volumeBytes / MiB}`,
        'conv=sparse',
        'status=none',
      ]);
    }
    const target = c.partitionStartBytes ? volumePath : image;
    const dump = run('dump.exfat', [target]).out;
    expect(dump).toMatch(new RegExp(`Volume Serial:\\s+0x${serial.toString(16)}\\b`));
    expect(dump).toMatch(new RegExp(`Volume label:\\s+${label}\\b`));
    expect(dump).toMatch(new RegExp(`Cluster Count:\\s+${plan.geometry.clusterCount}\\b`));
    expect(dump).toMatch(
      new RegExp(`Free Clusters:\\s+${plan.freeBytes / plan.geometry.clusterBytes}\\b`),
    );
    expect(run('exfatlabel', [target]).out).toMatch(new RegExp(`label: ${label}$`, 'm'));
    expect(run('exfatlabel', ['-i', target]).out).toMatch(
      new RegExp(`volume serial : 0x${serial.toString(16)}$`, 'm'),
    );
    const blkid = execFileSync(
      'blkid',
      [
        '-p',
        '-o',
        'export',
        ...(c.partitionStartBytes ? ['-O', String(c.partitionStartBytes)] : []),
        image,
      ],
      { encoding: 'utf8' },
    );
    expect(blkid).toMatch(/^TYPE=exfat$/m);
    expect(blkid).toMatch(new RegExp(`^UUID=${uuid}$`, 'm'));
    expect(blkid).toMatch(new RegExp(`^LABEL=${label}$`, 'm'));
    rmSync(volumePath, { force: true });
  });

  it('shows every file with its bytes to exfat-fuse', () => {
    const mountPoint = fuseMount(image, volumeArgs);
    try {
      const listed = new Set(listTree(mountPoint));
      for (const file of files) expect(listed, file.spec.path).toContain(file.spec.path);
      expect(listed).toContain('/empty/nested/');
      expect(listed.size).toBe(files.length + 6); // + /EFI/, /EFI/BOOT/, /LiveOS/, /many/, /empty/, /empty/nested/
      for (const file of files) {
        const path = join(mountPoint, file.spec.path);
        expect(statSync(path).size, file.spec.path).toBe(file.spec.size);
        for (const [offset, bytes] of file.expected) {
          if (offset === 0 && bytes.length === file.spec.size)
            expectSameBytes(readFileSync(path), bytes, file.spec.path);
          else
            expectSameBytes(
              readRange(path, offset, bytes.length),
              bytes,
              `${file.spec.path} at ${offset}`,
            );
        }
      }
    } finally {
      fuseUnmount(mountPoint);
    }
  });

  it('reads back with readExfatVolume', async () => {
    const source = new FileSource(image);
    try {
      const volume = await readExfatVolume(source, c.partitionStartBytes);
      expect(volume.label).toBe(label);
      expect(volume.uuid).toBe(uuid);
      expect(volume.geometry).toEqual(plan.geometry);
      expect(volume.freeClusters * volume.geometry.clusterBytes).toBe(plan.freeBytes);
      for (const [i, file] of files.entries()) {
        const node = findExfatFile(volume, file.spec.path)!;
        expect(node.path).toBe(file.spec.path);
        expect(node.firstCluster).toBe(plan.files[i]!.firstCluster);
        expect(node.runs.length).toBeLessThanOrEqual(1);
        for (const [offset, bytes] of file.expected) {
          expectSameBytes(
            await readExfatFile(source, volume, node, offset, bytes.length),
            bytes,
            file.spec.path,
          );
        }
      }
      expect(walkExfatVolume(volume).filter((n) => !n.isDirectory)).toHaveLength(files.length);
    } finally {
      source.close();
    }
  });
});

describe('a volume made by mkfs.exfat and filled by exfat-fuse', () => {
  it('reads label, serial, names, fragmented chains and contents', async () => {
    const image = join(dir, 'mkfs.img');
    execFileSync('truncate', ['-s', '256M', image]);
    execFileSync('mkfs.exfat', ['-L', 'FOREIGN', '-c', '4K', image], { stdio: 'pipe' });
    execFileSync('exfatlabel', ['-i', image, '0xdeadbeef'], { stdio: 'pipe' });
    const contents = new Map<string, Uint8Array>([
      ['/LiveOS/squashfs.img', pseudoRandom(1_234_567, 3)],
      ['/EFI/BOOT/grubx64.efi', pseudoRandom(70_000, 4)],
      ['/A Long Name With Spaces.txt', text('hello\n')],
      ['/Ünïcödé — ничего страшного.txt', text('unicode\n')],
      ['/empty', new Uint8Array(0)],
    ]);
    const mountPoint = fuseMount(image, { rw: true });
    try {
      mkdirSync(join(mountPoint, 'LiveOS'));
      mkdirSync(join(mountPoint, 'EFI/BOOT'), { recursive: true });
      // A file written into the gap another one left, and on behind it: a FAT chain in pieces.
      writeFileSync(join(mountPoint, 'first'), pseudoRandom(MiB, 5));
      writeFileSync(join(mountPoint, 'second'), pseudoRandom(MiB, 6));
      rmSync(join(mountPoint, 'first'));
      const fragmented = pseudoRandom(3 * MiB + 17, 7);
      writeFileSync(join(mountPoint, 'LiveOS/fragmented.img'), fragmented);
      for (const [path, data] of contents) writeFileSync(join(mountPoint, path), data);
      contents.set('/LiveOS/fragmented.img', fragmented);
      contents.set('/second', pseudoRandom(MiB, 6));
    } finally {
      fuseUnmount(mountPoint);
    }
    expectFsckClean(image);

    const source = new FileSource(image);
    try {
      const volume = await readExfatVolume(source, 0);
      expect(volume.label).toBe('FOREIGN');
      expect(volume.uuid).toBe('DEAD-BEEF');
      const fragmented = findExfatFile(volume, '/LiveOS/fragmented.img')!;
      expect(fragmented.noFatChain).toBe(false);
      expect(fragmented.clusterRuns.length).toBeGreaterThan(1);
      for (const [path, data] of contents) {
        const node = findExfatFile(volume, path);
        expect(node, path).toBeDefined();
        expect(node!.path).toBe(path);
        expectSameBytes(await readExfatFile(source, volume, node!), data, path);
      }
      const dump = run('dump.exfat', [image]).out;
      expect(dump).toMatch(new RegExp(`Free Clusters:\\s+${volume.freeClusters}\\b`));
      expect(dump).toMatch(new RegExp(`Total Clusters:\\s+${volume.geometry.clusterCount}\\b`));
    } finally {
      source.close();
    }
  });
});

describe('maintenance on a planned volume', () => {
  const contentAt = (runs: readonly ByteRun[], data: Uint8Array): Extent[] => {
    const out: Extent[] = [];
    let at = 0;
    for (const run of runs) {
      const length = Math.min(run.lengthBytes, data.length - at);
      if (length > 0)
        out.push(bytesExtent(run.offsetBytes, data.slice(at, at + length), 'content'));
      at += length;
    }
    return out;
  };

  it('grows, rewrites, creates and deletes files; fsck.exfat and exfat-fuse agree after each', async () => {
    const image = join(dir, 'maintain.img');
    const volumeBytes = 16 * GiB;
    const files = [
      textFile('/EFI/BOOT/grub.cfg', 'set timeout=5\n'),
      persistenceFile('/LiveOS/overlay-LIVE-0000-0001', 6 * GiB),
      persistenceFile('/LiveOS/home.img', 2 * GiB),
    ];
    const plan = planExfatVolume({
      volumeBytes,
      label: 'LIVE',
      serial: 1,
      files: files.map((f) => f.spec),
      createdAt: new Date(0),
    });
    applyExtents(image, plan.extents, volumeBytes);
    const modifiedAt = new Date(Date.UTC(2025, 0, 1));
    const check = async (
      expected: Record<string, readonly (readonly [number, Uint8Array])[] | number>,
    ) => {
      expectFsckClean(image);
      const volume = await readVolume(image);
      const mountPoint = fuseMount(image);
      try {
        for (const [path, want] of Object.entries(expected)) {
          const fusePath = join(mountPoint, path);
          if (typeof want === 'number') {
            expect(statSync(fusePath).size, path).toBe(want);
            expect(findExfatFile(volume, path)!.size).toBe(want);
            continue;
          }
          for (const [offset, bytes] of want) {
            expectSameBytes(
              readRange(fusePath, offset, bytes.length),
              bytes,
              `${path} at ${offset}`,
            );
          }
        }
        expect(new Set(listTree(mountPoint))).toEqual(
          new Set(walkExfatVolume(volume).map((n) => (n.isDirectory ? `${n.path}/` : n.path))),
        );
      } finally {
        fuseUnmount(mountPoint);
      }
      return volume;
    };

    // home.img is last: it grows in place, still one run.
    let volume = await readVolume(image);
    const home = findExfatFile(volume, '/LiveOS/home.img')!;
    const grownHome = planExfatResize(volume, home, 3 * GiB, { modifiedAt });
    expect(grownHome.contiguous).toBe(true);
    applyExtents(image, grownHome.extents);
    volume = await check({ '/LiveOS/home.img': 3 * GiB });
    expect(findExfatFile(volume, '/LiveOS/home.img')!.noFatChain).toBe(true);

    // The overlay is followed by home.img: refused in place, then continued through a FAT chain.
    const overlay = findExfatFile(volume, '/LiveOS/overlay-LIVE-0000-0001')!;
    expect(() => planExfatResize(volume, overlay, 10 * GiB, { modifiedAt })).toThrow(
      /cannot grow in place by 4294967296 bytes: cluster \d+ after it belongs to \/LiveOS\/home.img/,
    );
    const grownOverlay = planExfatResize(volume, overlay, 10 * GiB, {
      modifiedAt,
      fallback: 'fragment',
    });
    expect(grownOverlay.contiguous).toBe(false);
    const newTail = text('new tail of the overlay');
    applyExtents(image, [
      ...grownOverlay.extents,
      ...contentAt(
        grownOverlay.runs.slice(-1).map((run) => ({
          offsetBytes: run.offsetBytes + run.lengthBytes - newTail.length,
          lengthBytes: newTail.length,
        })),
        newTail,
      ),
    ]);
    volume = await check({
      '/LiveOS/overlay-LIVE-0000-0001': [
        ...files[1]!.expected,
        [10 * GiB - newTail.length, newTail],
      ],
    });

    // A boot config that outgrows its cluster moves; a new file and a deletion.
    const grub = findExfatFile(volume, '/EFI/BOOT/grub.cfg')!;
    const config = text('menuentry "Start" {\n  linux /vmlinuz\n}\n'.repeat(2000));
    const rewrite = planExfatRewrite(volume, grub, config.length, { modifiedAt });
    applyExtents(image, [...rewrite.extents, ...contentAt(rewrite.runs, config)]);
    volume = await check({ '/EFI/BOOT/grub.cfg': [[0, config]] });

    const swap = planExfatCreate(volume, '/LiveOS/swap.img', 512 * MiB, { createdAt: modifiedAt });
    const swapHead = text('SWAPSPACE2 stand-in');
    applyExtents(image, [...swap.extents, ...contentAt(swap.runs, swapHead)]);
    volume = await check({ '/LiveOS/swap.img': [[0, swapHead]] });

    applyExtents(image, planExfatDelete(volume, findExfatFile(volume, '/LiveOS/home.img')!));
    volume = await check({ '/LiveOS/swap.img': 512 * MiB });
    expect(findExfatFile(volume, '/LiveOS/home.img')).toBeUndefined();
  });
});
