// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { LiveStickError } from '../../../../src/shared/errors';
import { BufferSource } from '../../../../src/core/byte-source';
import { u32le } from '../../../../src/core/bytes';
import {
  bytesExtent,
  sourceExtent,
  totalExtentBytes,
  zeroExtent,
  type Extent,
} from '../../../../src/core/extent';
import {
  clustersFor,
  computeFat32Geometry,
  defaultClusterBytes,
  fat32Capacity,
  fat32Overhead,
  formatFatSerial,
} from '../../../../src/core/fat32/geometry';
import {
  FAT32_MAX_FILE_BYTES,
  fat32ClustersNeeded,
  planFat32Volume,
  type Fat32Options,
} from '../../../../src/core/fat32/volume-plan';
import { findFile, readFat32Volume, readFatFile } from '../../../../src/core/fat32/volume-reader';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const createdAt = new Date(Date.UTC(2024, 0, 1));

function catchError(run: () => unknown): LiveStickError {
  try {
    run();
  } catch (error) {
    if (error instanceof LiveStickError) return error;
    throw error;
  }
  throw new Error('expected a LiveStickError');
}

/** Applies a plan to a zeroed buffer (sources are not used by these tests). */
function render(extents: readonly Extent[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (const extent of extents) {
    if (extent.fill.kind === 'bytes') out.set(extent.fill.data, extent.offset);
    else if (extent.fill.kind === 'zero') out.fill(0, extent.offset, extent.offset + extent.length);
    else throw new Error('source extent in a buffer render');
  }
  return out;
}

describe('geometry', () => {
  it('picks cluster sizes like mkfs.fat and Windows', () => {
    expect(
      [100 * MiB, GiB, 8 * GiB, 9 * GiB, 16 * GiB, 32 * GiB, 33 * GiB].map(defaultClusterBytes),
    ).toEqual([512, 4096, 4096, 8192, 8192, 16384, 32768]);
  });

  it('aligns the data region and sizes the FAT to cover every cluster', () => {
    for (const volumeBytes of [
      64 * MiB,
      GiB,
      7 * GiB + 12345,
      16 * GiB,
      100 * GiB,
      2 * 2 ** 40 - 512,
    ]) {
      const g = computeFat32Geometry({ volumeBytes });
      expect(g.dataStartBytes % (4 * MiB)).toBe(0);
      expect(g.reservedSectors).toBeGreaterThanOrEqual(32);
      expect(g.reservedSectors + 2 * g.fatSectors).toBe(g.dataStartBytes / 512);
      expect(g.fatSectors * 128).toBeGreaterThanOrEqual(g.clusterCount + 2);
      // Not wastefully big either: one sector less would not do, or the alignment ate it anyway.
      expect((g.fatSectors - 1) * 128 < g.clusterCount + 2 || g.reservedSectors < 32 + 2).toBe(
        true,
      );
      expect(g.clusterCount).toBe(
        Math.floor((Math.floor(volumeBytes / 512) * 512 - g.dataStartBytes) / g.clusterBytes),
      );
    }
  });

  it('has the expected numbers for a 1 GiB volume', () => {
    expect(computeFat32Geometry({ volumeBytes: GiB })).toEqual({
      sectorBytes: 512,
      clusterBytes: 4096,
      reservedSectors: 8192 - 2 * 2041,
      fatSectors: 2041,
      dataStartBytes: 4 * MiB,
      clusterCount: (GiB - 4 * MiB) / 4096,
      totalSectors: GiB / 512,
    });
    expect(fat32Overhead(GiB)).toBe(4 * MiB);
    expect(fat32Capacity(GiB)).toBe(GiB - 4 * MiB);
    expect(clustersFor(4097, 4096)).toBe(2);
  });

  it('refuses volumes with too few or too many clusters', () => {
    const small = catchError(() =>
      computeFat32Geometry({ volumeBytes: 64 * MiB, clusterBytes: 4096 }),
    );
    expect(small.code).toBe('DOES_NOT_FIT');
    expect(small.message).toMatch(/too small for FAT32 with 4 KiB clusters.*at least 65525/);
    expect(catchError(() => computeFat32Geometry({ volumeBytes: 20 * MiB })).code).toBe(
      'DOES_NOT_FIT',
    );
    expect(catchError(() => computeFat32Geometry({ volumeBytes: 3 * 2 ** 40 })).message).toMatch(
      /2 TiB/,
    );
    expect(
      catchError(() => computeFat32Geometry({ volumeBytes: 2 ** 40, clusterBytes: 512 })).message,
    ).toMatch(/too many/);
  });

  it('formats the serial as blkid does', () => {
    expect(formatFatSerial(0x1c2d4a3b)).toBe('1C2D-4A3B');
    expect(formatFatSerial(0xbeef)).toBe('0000-BEEF');
  });
});

describe('planFat32Volume', () => {
  const base: Fat32Options = {
    volumeBytes: 64 * MiB,
    label: 'LIVE',
    serial: 0x1a2b3c4d,
    createdAt,
    files: [
      {
        path: '/LiveOS/squashfs.img',
        size: 5000,
        content: [bytesExtent(0, new Uint8Array(5000).fill(7), 'squashfs')],
      },
      {
        path: '/LiveOS/overlay-LIVE-1A2B-3C4D',
        size: MiB,
        content: [zeroExtent(0, 65536, 'overlay head')],
      },
      { path: '/EFI/BOOT/grubx64.efi', size: 0, content: [] },
    ],
    directories: ['/syslinux'],
  };

  it('places directories first, then files contiguously in the given order', () => {
    const plan = planFat32Volume(base);
    const { dataStartBytes, clusterBytes } = plan.geometry;
    // Clusters 2..6: /, /LiveOS, /EFI, /syslinux, /EFI/BOOT.
    expect(plan.files).toEqual([
      {
        path: '/LiveOS/squashfs.img',
        firstCluster: 7,
        dataOffsetBytes: dataStartBytes + 5 * clusterBytes,
        allocatedBytes: 5120,
      },
      {
        path: '/LiveOS/overlay-LIVE-1A2B-3C4D',
        firstCluster: 17,
        dataOffsetBytes: dataStartBytes + 15 * clusterBytes,
        allocatedBytes: MiB,
      },
      { path: '/EFI/BOOT/grubx64.efi', firstCluster: 0, dataOffsetBytes: 0, allocatedBytes: 0 },
    ]);
    expect(plan.usedClusters).toBe(5 + 10 + 2048);
    expect(plan.freeBytes).toBe((plan.geometry.clusterCount - plan.usedClusters) * clusterBytes);
    expect(
      fat32ClustersNeeded({
        files: base.files,
        directories: base.directories,
        label: 'LIVE',
        clusterBytes,
      }),
    ).toBe(plan.usedClusters);
  });

  it('writes metadata in full and only the planned parts of files', () => {
    const plan = planFat32Volume(base);
    const { reservedSectors, fatSectors, dataStartBytes, clusterBytes } = plan.geometry;
    expect(plan.extents[0]).toMatchObject({ offset: 0, label: 'FAT32 boot sectors' });
    const reservedAndFats = plan.extents.filter((e) => e.offset < dataStartBytes);
    expect(totalExtentBytes(reservedAndFats)).toBe(dataStartBytes);
    expect(reservedAndFats.at(-1)!.offset + reservedAndFats.at(-1)!.length).toBe(
      (reservedSectors + 2 * fatSectors) * 512,
    );
    const data = plan.extents.filter((e) => e.offset >= dataStartBytes);
    expect(totalExtentBytes(data)).toBe(5 * clusterBytes + 5000 + 65536);
  });

  it('fills boot sector, backup, FSInfo and FAT as a reader expects', async () => {
    const plan = planFat32Volume(base);
    const image = render(plan.extents, base.volumeBytes);
    expect(image.subarray(0, 512)).toEqual(image.subarray(6 * 512, 7 * 512));
    expect(u32le(image, 512 + 488)).toBe(plan.geometry.clusterCount - plan.usedClusters);
    expect(u32le(image, 512 + 492)).toBe(2 + plan.usedClusters);
    const fat = plan.geometry.reservedSectors * 512;
    expect([0, 1, 2, 3, 7, 16, 17, 18].map((c) => u32le(image, fat + c * 4).toString(16))).toEqual([
      'ffffff8',
      'fffffff',
      'fffffff',
      'fffffff',
      '8',
      'fffffff',
      '12',
      '13',
    ]);
    const volume = await readFat32Volume(new BufferSource(image), 0);
    expect(volume.label).toBe('LIVE');
    expect(volume.uuid).toBe('1A2B-3C4D');
    const squashfs = findFile(volume, '/liveos/SQUASHFS.IMG')!;
    expect(squashfs.path).toBe('/LiveOS/squashfs.img');
    expect(await readFatFile(new BufferSource(image), volume, squashfs, 4990, 10)).toEqual(
      new Uint8Array(10).fill(7),
    );
    expect(findFile(volume, '/LiveOS/OVERLA~1')!.name).toBe('overlay-LIVE-1A2B-3C4D');
    expect(findFile(volume, '/syslinux')!.isDirectory).toBe(true);
  });

  it('reads back with FormatError on chain loops and bad FSInfo', async () => {
    const plan = planFat32Volume(base);
    const image = render(plan.extents, base.volumeBytes);
    const fat = plan.geometry.reservedSectors * 512;
    const looped = image.slice();
    looped.set(Uint8Array.of(7, 0, 0, 0), fat + 8 * 4);
    await expect(readFat32Volume(new BufferSource(looped), 0)).rejects.toThrow(
      /cluster 7 is used twice/,
    );
    const freeInChain = image.slice();
    freeInChain.set(Uint8Array.of(0, 0, 0, 0), fat + 7 * 4);
    await expect(readFat32Volume(new BufferSource(freeInChain), 0)).rejects.toThrow(
      /runs into a free cluster/,
    );
    const badInfo = image.slice();
    badInfo[512] = 0;
    await expect(readFat32Volume(new BufferSource(badInfo), 0)).rejects.toThrow(
      /FSInfo sector at byte 0/,
    );
  });

  it('stays reproducible for the same inputs', () => {
    const a = planFat32Volume(base);
    const b = planFat32Volume(base);
    expect(
      a.extents.map((e) => [
        e.offset,
        e.length,
        e.fill.kind === 'bytes' ? Array.from(e.fill.data).join() : e.fill.kind,
      ]),
    ).toEqual(
      b.extents.map((e) => [
        e.offset,
        e.length,
        e.fill.kind === 'bytes' ? Array.from(e.fill.data).join() : e.fill.kind,
      ]),
    );
  });

  it('refuses files of 4 GiB and more', () => {
    const error = catchError(() =>
      planFat32Volume({
        ...base,
        volumeBytes: 16 * GiB,
        files: [{ path: '/big', size: FAT32_MAX_FILE_BYTES + 1, content: [] }],
      }),
    );
    expect(error.code).toBe('FAT32_FILE_LIMIT');
    expect(FAT32_MAX_FILE_BYTES).toBe(4294966784);
    expect(() =>
      planFat32Volume({
        ...base,
        volumeBytes: 16 * GiB,
        files: [{ path: '/big', size: FAT32_MAX_FILE_BYTES, content: [] }],
      }),
    ).not.toThrow();
  });

  it('says by how much files do not fit', () => {
    const error = catchError(() =>
      planFat32Volume({ ...base, files: [{ path: '/huge', size: 63 * MiB, content: [] }] }),
    );
    expect(error.code).toBe('DOES_NOT_FIT');
    expect(error.details).toEqual({
      missingBytes: 63 * MiB + 2 * 512 - fat32Capacity(64 * MiB),
      availableBytes: fat32Capacity(64 * MiB),
    });
  });

  it('rejects bad names, labels, duplicates and content outside the file', () => {
    expect(() => planFat32Volume({ ...base, label: 'way too long label' })).toThrow(
      /longer than 11/,
    );
    expect(() =>
      planFat32Volume({ ...base, files: [{ path: '/a?b', size: 0, content: [] }] }),
    ).toThrow(/not allowed/);
    expect(() =>
      planFat32Volume({
        ...base,
        files: [
          { path: '/A.txt', size: 0, content: [] },
          { path: '/a.TXT', size: 0, content: [] },
        ],
      }),
    ).toThrow(/given twice/);
    expect(() =>
      planFat32Volume({
        ...base,
        files: [{ path: '/f', size: 10, content: [sourceExtent(5, 10, 0, 'f')] }],
      }),
    ).toThrow(/outside its 10 bytes/);
  });

  it('keeps a generated alias from taking a real 8.3 name', () => {
    const plan = planFat32Volume({
      ...base,
      files: [
        { path: '/overlay-a', size: 1, content: [] },
        { path: '/OVERLA~1', size: 1, content: [] },
      ],
    });
    const image = render(plan.extents, base.volumeBytes);
    const root = plan.geometry.dataStartBytes;
    const names = Array.from({ length: 6 }, (_, i) =>
      new TextDecoder().decode(image.subarray(root + i * 32, root + i * 32 + 11)),
    );
    expect(names).toContain('OVERLA~1   ');
    expect(names).toContain('OVERLA~2   ');
  });
});
