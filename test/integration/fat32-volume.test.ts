// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Planned FAT32 volumes and partition tables, written to sparse image files and checked by
 * independent tools: fsck.fat, blkid, mtools, sfdisk. Also reads a volume made by mkfs.fat.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  fstatSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
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
  zeroExtent,
  type Extent,
} from '../../src/core/extent';
import { formatFatSerial } from '../../src/core/fat32/geometry';
import { planFat32Volume, type FatFileSpec } from '../../src/core/fat32/volume-plan';
import {
  findFile,
  readFat32Volume,
  readFatFile,
  walkVolume,
} from '../../src/core/fat32/volume-reader';
import { planPartitionTable, type PartitionScheme } from '../../src/core/formats/partition-table';
import { planFileResize } from '../../src/core/stick/fat-file-resize';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const dir = mkdtempSync(join(tmpdir(), 'livestick-fat32-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
  close(): Promise<void> {
    closeSync(this.fd);
    return Promise.resolve();
  }
}

const iso = pseudoRandom(8 * MiB, 0x1505);
const ZEROS = new Uint8Array(4 * MiB);

/** The smallest possible extent writer: what the real one does, minus speed and verification. */
function applyPlan(path: string, sizeBytes: number, extents: readonly Extent[]): void {
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, sizeBytes);
    for (const extent of extents) {
      if (extent.fill.kind === 'bytes') {
        writeSync(fd, extent.fill.data, 0, extent.length, extent.offset);
      } else if (extent.fill.kind === 'source') {
        writeSync(fd, iso, extent.fill.sourceOffset, extent.length, extent.offset);
      } else {
        for (let done = 0; done < extent.length; done += ZEROS.length) {
          writeSync(
            fd,
            ZEROS,
            0,
            Math.min(ZEROS.length, extent.length - done),
            extent.offset + done,
          );
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

interface TestFile {
  readonly spec: FatFileSpec;
  /** What a reader must get back (gaps of the plan read as the sparse image's zeros). */
  readonly expected: Uint8Array;
}

function fileFromIso(path: string, size: number, isoOffset: number): TestFile {
  return {
    spec: { path, size, content: size > 0 ? [sourceExtent(0, size, isoOffset, path)] : [] },
    expected: iso.slice(isoOffset, isoOffset + size),
  };
}

function textFile(path: string, text: string): TestFile {
  const data = new TextEncoder().encode(text);
  return {
    spec: { path, size: data.length, content: [bytesExtent(0, data, path)] },
    expected: data,
  };
}

/** A persistence-style file: only the head is planned (zeros), the rest is left as is. */
function overlayFile(path: string, size: number): TestFile {
  return {
    spec: { path, size, content: [zeroExtent(0, 64 * 1024, path)] },
    expected: new Uint8Array(size),
  };
}

function liveTree(serial: number, label: string): TestFile[] {
  const uuid = formatFatSerial(serial);
  const files = [
    textFile('/EFI/BOOT/grub.cfg', "search --no-floppy --set=root -u '" + uuid + "'\n"),
    textFile('/EFI/BOOT/BOOT.conf', 'set timeout=5\n'),
    fileFromIso('/EFI/BOOT/BOOTX64.EFI', 950_000, 0),
    fileFromIso('/EFI/BOOT/grubx64.efi', 1_500_000, 1_000_000),
    fileFromIso('/EFI/BOOT/mmx64.efi', 0, 0),
    textFile('/syslinux/syslinux.cfg', 'default vesamenu.c32\n'),
    textFile('/Fedora-Legal-README.txt', 'Fedora is a trademark.\n'),
    textFile('/images/pxeboot/README', 'x'),
    textFile('/my file (1).txt', 'spaces and brackets\n'),
    textFile('/Grüße.txt', 'non-ASCII long name\n'),
    textFile('/.disk-info', 'hidden-style name\n'),
    fileFromIso('/LiveOS/squashfs.img', 3 * MiB + 123, 2 * MiB),
    overlayFile(`/LiveOS/overlay-${label}-${uuid}`, 2 * MiB),
  ];
  // Enough long names to spread one directory over several clusters on a small volume.
  for (let i = 0; i < 40; i++)
    files.push(textFile(`/many/a long file name number ${i}.text`, `${i}\n`));
  return files;
}

interface Case {
  readonly name: string;
  readonly volumeBytes: number;
  readonly scheme: PartitionScheme;
  readonly clusterBytes?: number;
  readonly expectedClusterBytes: number;
}

const cases: Case[] = [
  { name: '64 MiB, MBR', volumeBytes: 64 * MiB, scheme: 'mbr', expectedClusterBytes: 512 },
  { name: '1 GiB, GPT', volumeBytes: GiB, scheme: 'gpt', expectedClusterBytes: 4096 },
  { name: '16 GiB, MBR', volumeBytes: 16 * GiB, scheme: 'mbr', expectedClusterBytes: 8192 },
  {
    name: '100 GiB, GPT, 32 KiB clusters',
    volumeBytes: 100 * GiB,
    scheme: 'gpt',
    clusterBytes: 32768,
    expectedClusterBytes: 32768,
  },
];

describe.each(cases)(
  'FAT32 $name',
  ({ name, volumeBytes, scheme, clusterBytes, expectedClusterBytes }) => {
    const label = 'LIVE';
    const serial = 0x1a2b3c4d ^ (volumeBytes / MiB);
    const files = liveTree(serial, label);
    const partitionStartBytes = MiB;
    const diskBytes = partitionStartBytes + volumeBytes + (scheme === 'gpt' ? MiB : 0);
    const slug = name.replace(/[^a-z0-9]+/gi, '-');
    const diskPath = join(dir, `${slug}.disk.img`);
    const volumePath = join(dir, `${slug}.vol.img`);
    let random = 7;
    const table = planPartitionTable({
      scheme,
      diskBytes,
      partitionStartBytes,
      partitionBytes: volumeBytes,
      label,
      random: (n) => pseudoRandom(n, random++),
      biosBootable: true,
    });
    const plan = planFat32Volume({
      volumeBytes,
      label,
      serial,
      files: files.map((f) => f.spec),
      directories: ['/LiveOS', '/empty/nested'],
      clusterBytes,
      partitionStartBytes,
      createdAt: new Date(Date.UTC(2024, 4, 17, 12, 34, 56)),
    });
    applyPlan(volumePath, volumeBytes, plan.extents);
    applyPlan(diskPath, diskBytes, [
      ...table.extents,
      ...shiftExtents(plan.extents, partitionStartBytes),
    ]);
    const uuid = formatFatSerial(serial);

    it('has the expected geometry and a 4 MiB-aligned data region', () => {
      expect(plan.geometry.clusterBytes).toBe(expectedClusterBytes);
      expect(plan.geometry.dataStartBytes % (4 * MiB)).toBe(0);
      expect(plan.geometry.clusterCount).toBeGreaterThanOrEqual(65525);
    });

    it('passes fsck.fat -n clean', () => {
      const { status, out } = run('fsck.fat', ['-n', '-v', volumePath]);
      expect(out).not.toMatch(/dirty bit/i);
      expect(out).not.toMatch(/differences between boot sector and its backup/i);
      expect(out).not.toMatch(/free cluster summary wrong/i);
      expect(status, out).toBe(0);
    });

    it('is what blkid reports, with the overlay name dracut computes', () => {
      const out = execFileSync('blkid', ['-p', '-o', 'export', volumePath], { encoding: 'utf8' });
      expect(out).toMatch(/^TYPE=vfat$/m);
      expect(out).toMatch(/^VERSION=FAT32$/m);
      expect(out).toMatch(new RegExp(`^LABEL=${label}$`, 'm'));
      expect(out).toMatch(new RegExp(`^UUID=${uuid}$`, 'm'));
      const inDisk = execFileSync(
        'blkid',
        ['-p', '-o', 'export', '-O', String(partitionStartBytes), diskPath],
        { encoding: 'utf8' },
      );
      expect(inDisk).toMatch(new RegExp(`^UUID=${uuid}$`, 'm'));
    });

    it('lists every file under its long name in mtools', () => {
      const out = execFileSync(
        'mdir',
        ['-/', '-b', '-i', `${diskPath}@@${partitionStartBytes}`, '::/'],
        { encoding: 'utf8' },
      );
      const listed = new Set(
        out
          .split('\n')
          .map((line) => line.trim())
          .filter(Boolean),
      );
      for (const file of files) expect(listed, file.spec.path).toContain(`::${file.spec.path}`);
      expect(listed).toContain('::/empty/nested/');
    });

    it('reads every file back through mtools', () => {
      for (const file of files) {
        const out = join(dir, 'mcopy.out');
        rmSync(out, { force: true });
        execFileSync('mcopy', [
          '-n',
          '-i',
          `${diskPath}@@${partitionStartBytes}`,
          `::${file.spec.path}`,
          out,
        ]);
        expectSameBytes(readFileSync(out), file.expected, file.spec.path);
      }
    });

    it('shows the planned partition in sfdisk', () => {
      const json = JSON.parse(
        execFileSync('sfdisk', ['--json', diskPath], { encoding: 'utf8' }),
      ) as {
        partitiontable: {
          label: string;
          partitions: {
            start: number;
            size: number;
            type: string;
            bootable?: boolean;
            name?: string;
            attrs?: string;
          }[];
        };
      };
      expect(json.partitiontable.label).toBe(scheme === 'mbr' ? 'dos' : 'gpt');
      const [partition] = json.partitiontable.partitions;
      expect(partition!.start).toBe(partitionStartBytes / 512);
      expect(partition!.size).toBe(volumeBytes / 512);
      if (scheme === 'mbr') {
        expect(partition!.type).toBe('c');
        expect(partition!.bootable).toBe(true);
      } else {
        expect(partition!.type).toBe('EBD0A0A2-B9E5-4433-87C0-68B6B72699C7');
        expect(partition!.name).toBe(label);
        expect(partition!.attrs).toBe('LegacyBIOSBootable');
        const verify = run('sfdisk', ['--verify', diskPath]);
        expect(verify.status, verify.out).toBe(0);
        expect(verify.out).not.toMatch(/corrupt|invalid|mismatch/i);
      }
    });

    it('reads back with readFat32Volume', async () => {
      const source = new FileSource(diskPath);
      try {
        const volume = await readFat32Volume(source, partitionStartBytes);
        expect(volume.label).toBe(label);
        expect(volume.uuid).toBe(uuid);
        expect(volume.geometry).toEqual(plan.geometry);
        expect(volume.freeClusters * volume.geometry.clusterBytes).toBe(plan.freeBytes);
        expect(volume.fsInfo.freeClusters).toBe(volume.freeClusters);
        for (const [i, file] of files.entries()) {
          const node = findFile(volume, file.spec.path);
          expect(node, file.spec.path).toBeDefined();
          expect(node!.path).toBe(file.spec.path);
          expect(node!.firstCluster).toBe(plan.files[i]!.firstCluster);
          expect(node!.runs.length).toBeLessThanOrEqual(1);
          expectSameBytes(await readFatFile(source, volume, node!), file.expected, file.spec.path);
        }
        expect(walkVolume(volume).filter((n) => !n.isDirectory)).toHaveLength(files.length);
      } finally {
        await source.close();
      }
    });
  },
);

describe('maintenance on a planned volume', () => {
  it('grows and shrinks a file in place, fsck.fat stays clean', async () => {
    const volumeBytes = 300 * MiB;
    const path = join(dir, 'resize.vol.img');
    const files = [
      fileFromIso('/LiveOS/squashfs.img', MiB, 0),
      overlayFile('/LiveOS/overlay-LIVE-0000-0001', 2 * MiB),
      textFile('/after.txt', 'last\n'),
    ];
    const plan = planFat32Volume({
      volumeBytes,
      label: 'LIVE',
      serial: 1,
      files: files.map((f) => f.spec),
      createdAt: new Date(0),
    });
    applyPlan(path, volumeBytes, plan.extents);
    const resize = async (target: string, size: number): Promise<void> => {
      const source = new FileSource(path);
      const volume = await readFat32Volume(source, 0);
      await source.close();
      const node = findFile(volume, target)!;
      const change = planFileResize(volume, node, size);
      const fd = openSync(path, 'r+');
      for (const extent of change.extents) {
        if (extent.fill.kind !== 'bytes') throw new Error('resize plans only bytes');
        writeSync(fd, extent.fill.data, 0, extent.length, extent.offset);
      }
      closeSync(fd);
      const check = run('fsck.fat', ['-n', path]);
      expect(check.status, check.out).toBe(0);
      const again = new FileSource(path);
      const after = await readFat32Volume(again, 0);
      await again.close();
      expect(findFile(after, target)!.size).toBe(size);
      expect(after.fsInfo.freeClusters).toBe(after.freeClusters);
    };
    await resize('/LiveOS/overlay-LIVE-0000-0001', 6 * MiB + 5);
    await resize('/LiveOS/squashfs.img', 4096);
    await resize('/after.txt', 0);
    await resize('/after.txt', 100_000);
  });
});

describe('a volume made by mkfs.fat and mcopy', () => {
  it('reads labels, serial, long names and contents', async () => {
    const path = join(dir, 'mkfs.img');
    rmSync(path, { force: true });
    execFileSync('mkfs.fat', [
      '-F',
      '32',
      '-C',
      '-n',
      'FOREIGN',
      '-i',
      'DEADBEEF',
      path,
      String(300 * 1024),
    ]);
    const contents = new Map<string, Uint8Array>([
      ['/LiveOS/squashfs.img', pseudoRandom(1_234_567, 3)],
      ['/EFI/BOOT/grubx64.efi', pseudoRandom(70_000, 4)],
      ['/A Long Name With Spaces.txt', new TextEncoder().encode('hello\n')],
      ['/lower.txt', new TextEncoder().encode('lower\n')],
    ]);
    execFileSync('mmd', ['-i', path, '::/LiveOS', '::/EFI', '::/EFI/BOOT']);
    for (const [target, data] of contents) {
      const local = join(dir, 'mcopy.in');
      writeFileSync(local, data);
      execFileSync('mcopy', ['-i', path, local, `::${target}`]);
    }
    const source = new FileSource(path);
    try {
      const volume = await readFat32Volume(source, 0);
      expect(volume.label).toBe('FOREIGN');
      expect(volume.uuid).toBe('DEAD-BEEF');
      for (const [target, data] of contents) {
        const node = findFile(volume, target);
        expect(node, target).toBeDefined();
        expect(node!.path).toBe(target);
        expectSameBytes(await readFatFile(source, volume, node!), data, target);
      }
      const fsck = run('fsck.fat', ['-n', '-v', path]);
      const free = /(\d+)\/(\d+) clusters/.exec(fsck.out);
      expect(free, fsck.out).not.toBeNull();
      expect(volume.geometry.clusterCount).toBe(Number(free![2]));
      expect(volume.geometry.clusterCount - volume.freeClusters).toBe(Number(free![1]));
    } finally {
      await source.close();
    }
  });
});
