// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { ExtentImage } from '../../extent-image';
import { LiveStickError } from '../../../../src/shared/errors';
import { u32le } from '../../../../src/core/bytes';
import { bytesExtent, totalExtentBytes, zeroExtent } from '../../../../src/core/extent';
import {
  clustersFor,
  computeExfatGeometry,
  defaultExfatClusterBytes,
  exfatCapacity,
  fatEntryBytes,
  formatExfatSerial,
} from '../../../../src/core/exfat/geometry';
import {
  exfatClustersNeeded,
  planExfatVolume,
  type ExfatFileSpec,
  type ExfatOptions,
} from '../../../../src/core/exfat/volume-plan';
import {
  findExfatFile,
  readExfatFile,
  readExfatVolume,
  walkExfatVolume,
} from '../../../../src/core/exfat/volume-reader';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const createdAt = new Date(Date.UTC(2024, 4, 17, 12, 34, 56));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function catchError(run: () => unknown): LiveStickError {
  try {
    run();
  } catch (error) {
    if (error instanceof LiveStickError) return error;
    throw error;
  }
  throw new Error('expected a LiveStickError');
}

function textFile(path: string, content: string): ExfatFileSpec {
  const data = text(content);
  return { path, size: data.length, content: [bytesExtent(0, data, path)] };
}

/** A persistence file: 64 KiB of its head planned, the rest left as it is. */
function leftAsIs(path: string, size: number): ExfatFileSpec {
  return { path, size, content: [zeroExtent(0, 64 * 1024, path)] };
}

function stick(overlayBytes: number, volumeBytes = 64 * GiB): ExfatOptions {
  return {
    volumeBytes,
    label: 'LIVE',
    serial: 0x1234abcd,
    files: [
      textFile('/LiveOS/README', 'squashfs lives on the ESP\n'),
      leftAsIs('/LiveOS/overlay-LIVE-1234-ABCD', overlayBytes),
      leftAsIs('/LiveOS/home.img', 2 * GiB),
    ],
    directories: ['/Documents'],
    partitionStartBytes: 513 * MiB,
    createdAt,
  };
}

describe('exFAT geometry', () => {
  it('picks cluster sizes like Windows and mkfs.exfat', () => {
    expect(
      [64 * MiB, 256 * MiB, 256 * MiB + 512, GiB, 32 * GiB, 32 * GiB + 512, 64 * GiB, 2 ** 41].map(
        defaultExfatClusterBytes,
      ),
    ).toEqual([4096, 4096, 32768, 32768, 32768, 131072, 131072, 131072]);
  });

  it('puts the FAT on a 1 MiB and the heap on a 4 MiB boundary of the disk', () => {
    for (const [volumeBytes, partitionStartBytes] of [
      [64 * MiB, 0],
      [GiB, MiB],
      [7 * GiB + 12345, 513 * MiB],
      [64 * GiB, 300 * MiB + 512 * 7],
      [2 ** 41, 4 * MiB],
    ] as const) {
      const g = computeExfatGeometry({ volumeBytes, partitionStartBytes });
      expect((partitionStartBytes + g.fatOffsetSectors * 512) % MiB).toBe(0);
      expect((partitionStartBytes + g.clusterHeapOffsetSectors * 512) % (4 * MiB)).toBe(0);
      expect(g.fatOffsetSectors).toBeGreaterThanOrEqual(24);
      expect(g.fatLengthSectors * 512).toBeGreaterThanOrEqual(fatEntryBytes(g.clusterCount));
      expect((g.fatLengthSectors - 1) * 512).toBeLessThan(fatEntryBytes(g.clusterCount));
      expect(g.fatOffsetSectors + g.fatLengthSectors).toBeLessThanOrEqual(
        g.clusterHeapOffsetSectors,
      );
      expect(g.clusterCount).toBe(
        Math.floor((g.volumeSectors - g.clusterHeapOffsetSectors) / (g.clusterBytes / 512)),
      );
    }
  });

  it('has the expected numbers for 64 GiB', () => {
    expect(computeExfatGeometry({ volumeBytes: 64 * GiB })).toEqual({
      sectorBytes: 512,
      clusterBytes: 131072,
      volumeSectors: 134217728,
      fatOffsetSectors: 2048,
      fatLengthSectors: 4096,
      clusterHeapOffsetSectors: 8192,
      clusterCount: 524256,
    });
    expect(exfatCapacity({ volumeBytes: 64 * GiB })).toBe(524256 * 131072);
  });

  it('refuses volumes too small and cluster sizes the format does not have', () => {
    expect(catchError(() => computeExfatGeometry({ volumeBytes: 512 * 1024 })).code).toBe(
      'DOES_NOT_FIT',
    );
    expect(catchError(() => computeExfatGeometry({ volumeBytes: 4 * MiB })).code).toBe(
      'DOES_NOT_FIT',
    );
    expect(() => computeExfatGeometry({ volumeBytes: GiB, clusterBytes: 3000 })).toThrow(
      /power of two/,
    );
    expect(() => computeExfatGeometry({ volumeBytes: GiB, clusterBytes: 64 * MiB })).toThrow(
      /32 MiB/,
    );
    expect(computeExfatGeometry({ volumeBytes: 8 * MiB, clusterBytes: 512 }).clusterCount).toBe(
      8192,
    );
  });

  it('formats the serial as blkid does', () => {
    expect(formatExfatSerial(0x1234abcd)).toBe('1234-ABCD');
    expect(formatExfatSerial(0x0000beef)).toBe('0000-BEEF');
  });
});

describe('planExfatVolume', () => {
  it('writes metadata and given content only: a 20 GiB overlay costs what a 1 GiB one does', () => {
    const big = planExfatVolume(stick(20 * GiB));
    const small = planExfatVolume(stick(GiB));
    expect(totalExtentBytes(big.extents)).toBe(totalExtentBytes(small.extents));
    // Boot regions, alignment zeros, a 2 MiB FAT, bitmap, up-case table, four directories, and
    // the planned 64 KiB heads and the README.
    expect(totalExtentBytes(big.extents)).toBeLessThan(5 * MiB);
    expect(big.freeBytes).toBe(small.freeBytes - 19 * GiB);
  });

  it('lays the volume out as the reader finds it', async () => {
    const options = stick(20 * GiB);
    const plan = planExfatVolume(options);
    const image = new ExtentImage(options.volumeBytes);
    image.apply(plan.extents);
    const volume = await readExfatVolume(image, 0);
    expect(volume.label).toBe('LIVE');
    expect(volume.uuid).toBe('1234-ABCD');
    expect(volume.backupBootRegionMatches).toBe(true);
    expect(volume.geometry).toEqual(plan.geometry);
    expect(volume.bootSector.partitionOffsetSectors).toBe((513 * MiB) / 512);
    expect(volume.freeClusters * plan.geometry.clusterBytes).toBe(plan.freeBytes);
    expect(volume.bootSector.percentInUse).toBe(
      Math.floor((plan.usedClusters * 100) / plan.geometry.clusterCount),
    );
    // Bitmap at cluster 2, up-case table after it, root right after both (§3.1.10).
    expect(volume.bootSector.rootCluster).toBe(4);
    for (const [i, spec] of options.files.entries()) {
      const node = findExfatFile(volume, spec.path.toUpperCase())!;
      expect(node.path).toBe(spec.path);
      expect(node.size).toBe(spec.size);
      expect(node.validDataLength).toBe(spec.size);
      expect(node.noFatChain).toBe(true);
      expect(node.firstCluster).toBe(plan.files[i]!.firstCluster);
      expect(node.runs).toEqual([
        { offsetBytes: plan.files[i]!.dataOffsetBytes, lengthBytes: spec.size },
      ]);
    }
    const readme = findExfatFile(volume, '/LiveOS/README')!;
    expect(new TextDecoder().decode(await readExfatFile(image, volume, readme))).toBe(
      'squashfs lives on the ESP\n',
    );
    expect(walkExfatVolume(volume).map((n) => n.path)).toEqual([
      '/Documents',
      '/LiveOS',
      '/LiveOS/README',
      '/LiveOS/overlay-LIVE-1234-ABCD',
      '/LiveOS/home.img',
    ]);
  });

  it('keeps bytes far past 4 GiB where they belong', async () => {
    const marker = text('past the FAT32 limit');
    const size = 6 * GiB + 3;
    const plan = planExfatVolume({
      volumeBytes: 16 * GiB,
      label: '',
      serial: 7,
      files: [{ path: '/big.img', size, content: [bytesExtent(5 * GiB + 17, marker, 'marker')] }],
      createdAt,
    });
    const image = new ExtentImage(16 * GiB);
    image.apply(plan.extents);
    const volume = await readExfatVolume(image);
    expect(volume.label).toBe('');
    const node = findExfatFile(volume, '/big.img')!;
    expect(node.size).toBe(size);
    expect(await readExfatFile(image, volume, node, 5 * GiB + 17, marker.length)).toEqual(marker);
    expect(await readExfatFile(image, volume, node, size - 3, 3)).toEqual(new Uint8Array(3));
  });

  it('writes the FAT chains of the bitmap, up-case table and root, nothing else', async () => {
    const plan = planExfatVolume({ ...stick(GiB, 300 * MiB), files: [textFile('/a.txt', 'a')] });
    const image = new ExtentImage(300 * MiB);
    image.apply(plan.extents);
    const volume = await readExfatVolume(image);
    const g = plan.geometry;
    expect(g.clusterBytes).toBe(32768);
    // Bitmap: 1 cluster (2), up-case table: 1 cluster (3), root: 1 cluster (4).
    expect(Array.from(volume.fat.subarray(0, 8))).toEqual([
      0xfffffff8, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0, 0, 0,
    ]);
    const fatExtent = plan.extents.find((e) => e.label === 'exFAT FAT')!;
    expect(fatExtent.length).toBe(5 * 4);
    expect(u32le((fatExtent.fill as { data: Uint8Array }).data, 0)).toBe(0xfffffff8);
  });

  it('gives a volume GUID entry when asked', async () => {
    const guid = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);
    const plan = planExfatVolume({ ...stick(GiB, 8 * GiB), volumeGuid: guid });
    const image = new ExtentImage(8 * GiB);
    image.apply(plan.extents);
    expect((await readExfatVolume(image)).volumeGuid).toEqual(guid);
  });

  it('counts clusters as the sizing planner must', () => {
    for (const options of [
      stick(GiB),
      stick(20 * GiB),
      { ...stick(GiB), volumeGuid: new Uint8Array(16).fill(1) },
    ]) {
      const plan = planExfatVolume(options);
      expect(
        exfatClustersNeeded({
          files: options.files,
          directories: options.directories,
          label: options.label,
          hasVolumeGuid: options.volumeGuid !== undefined,
          clusterBytes: plan.geometry.clusterBytes,
          clusterCount: plan.geometry.clusterCount,
        }),
      ).toBe(plan.usedClusters);
    }
  });

  it('spreads a full directory over more clusters', async () => {
    const files = Array.from({ length: 300 }, (_, i) =>
      textFile(`/many/a long file name number ${i} to use three name entries.txt`, `${i}`),
    );
    const plan = planExfatVolume({ ...stick(GiB, 64 * MiB), files });
    const image = new ExtentImage(64 * MiB);
    image.apply(plan.extents);
    const volume = await readExfatVolume(image);
    const many = findExfatFile(volume, '/many')!;
    expect(many.allocatedClusters).toBe(clustersFor(300 * 6 * 32, 4096));
    expect(many.children).toHaveLength(300);
    const last = findExfatFile(
      volume,
      '/MANY/A LONG FILE NAME NUMBER 299 TO USE THREE NAME ENTRIES.TXT',
    )!;
    expect(new TextDecoder().decode(await readExfatFile(image, volume, last))).toBe('299');
  });

  it('says by how much a tree does not fit', () => {
    const error = catchError(() =>
      planExfatVolume({ ...stick(GiB, 64 * MiB), files: [leftAsIs('/too-big.img', 64 * MiB)] }),
    );
    expect(error.code).toBe('DOES_NOT_FIT');
    expect(error.message).toMatch(/bytes short/);
  });

  it('refuses names and labels exFAT cannot hold', () => {
    const plan = (changes: Partial<ExfatOptions>) => () =>
      planExfatVolume({ ...stick(GiB, GiB), ...changes });
    expect(plan({ files: [textFile('/a.txt', '1'), textFile('/A.TXT', '2')] })).toThrow(
      /given twice/,
    );
    expect(plan({ files: [textFile('/grüße', '1'), textFile('/GRÜSSE', '2')] })).not.toThrow();
    expect(plan({ files: [textFile('/ä', '1'), textFile('/Ä', '2')] })).toThrow(/given twice/);
    expect(plan({ files: [textFile('/a:b', '1')] })).toThrow(/":" is not allowed/);
    expect(plan({ files: [textFile('/trailing.', '1')] })).toThrow(/Windows/);
    expect(plan({ files: [textFile('relative', '1')] })).toThrow(/not absolute/);
    expect(plan({ files: [textFile(`/${'n'.repeat(256)}`, '1')] })).toThrow(/255/);
    expect(plan({ label: 'twelve chars' })).toThrow(/longer than 11/);
    expect(plan({ label: 'a*b' })).toThrow(/not allowed/);
    expect(plan({ serial: 2 ** 32 })).toThrow(/32-bit/);
    expect(
      plan({ files: [{ path: '/x', size: 4, content: [bytesExtent(2, text('abc'), 'x')] }] }),
    ).toThrow(/outside its 4 bytes/);
  });
});
