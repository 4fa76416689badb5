import { describe, expect, it } from 'vitest';
import { BufferSource } from '../../../../src/core/byte-source';
import { setU64le } from '../../../../src/core/bytes';
import { bytesExtent, shiftExtents, type Extent } from '../../../../src/core/extent';
import { planHomeImage } from '../../../../src/core/ext4/image-plan';
import { planFat32Volume, type FatFileSpec } from '../../../../src/core/fat32/volume-plan';
import { findFile, readFat32Volume } from '../../../../src/core/fat32/volume-reader';
import { FormatError } from '../../../../src/core/format-error';
import { encodeSnapshotHeader } from '../../../../src/core/formats/dm-snapshot';
import { planPartitionTable } from '../../../../src/core/formats/partition-table';
import { FatFileSource, mapFileExtents } from '../../../../src/core/stick/file-bytes';
import {
  planFileReplace,
  planOverlayReset,
  persistenceMenuTexts,
} from '../../../../src/core/stick/maintain';
import { inspectStick } from '../../../../src/core/stick/read-stick';
import { toInspectReport } from '../../../../src/core/stick/report';

const MiB = 1024 * 1024;
const SERIAL = 0x1a2b3c4d;
const UUID = '1A2B-3C4D';
const OVERLAY_BYTES = 2 * MiB;
const HOME_BYTES = 8 * MiB;

const SYSLINUX_CFG = `default vesamenu.c32
timeout 600
label linux
  menu label ^Start Fedora-Workstation-Live 24
  kernel vmlinuz
  append initrd=initrd.img root=live:UUID=${UUID} rw rd.live.image rd.live.overlay=UUID=${UUID} quiet
label check
  menu label Test this ^media
  kernel vmlinuz
  append initrd=initrd.img root=live:UUID=${UUID} rw rd.live.image rd.live.overlay=UUID=${UUID} rd.live.check quiet
`;

function apply(image: Uint8Array, extents: readonly Extent[]): void {
  for (const extent of extents) {
    if (extent.fill.kind === 'bytes') image.set(extent.fill.data, extent.offset);
    else if (extent.fill.kind === 'zero')
      image.fill(0, extent.offset, extent.offset + extent.length);
    else throw new Error('unexpected source fill');
  }
}

/** A DM COW file the kernel used: header, then area 0 mapping origin chunks 7, 8, 9. */
function usedOverlay(): Extent[] {
  const area = new Uint8Array(4096);
  [2, 3, 4].forEach((newChunk, i) => {
    setU64le(area, 16 * i, BigInt(7 + i));
    setU64le(area, 16 * i + 8, BigInt(newChunk));
  });
  return [
    bytesExtent(0, encodeSnapshotHeader({ valid: true, version: 1, chunkSectors: 8 }), 'header'),
    bytesExtent(4096, area, 'area 0'),
  ];
}

function makeStick(scheme: 'mbr' | 'gpt' | 'none'): Uint8Array {
  const diskBytes = 48 * MiB;
  const start = scheme === 'none' ? 0 : MiB;
  const volumeBytes = scheme === 'none' ? diskBytes : 40 * MiB;
  const cfg = new TextEncoder().encode(SYSLINUX_CFG);
  const files: FatFileSpec[] = [
    { path: '/syslinux/syslinux.cfg', size: cfg.length, content: [bytesExtent(0, cfg, 'cfg')] },
    { path: `/LiveOS/overlay-LIVE-${UUID}`, size: OVERLAY_BYTES, content: usedOverlay() },
    {
      path: '/LiveOS/home.img',
      size: HOME_BYTES,
      content: planHomeImage({
        sizeBytes: HOME_BYTES,
        uuid: new Uint8Array(16).fill(7),
        hashSeed: new Uint8Array(16).fill(9),
        createdAt: 1_700_000_000,
      }).extents,
    },
  ];
  const image = new Uint8Array(diskBytes).fill(0x6b);
  const volume = planFat32Volume({
    volumeBytes,
    label: 'LIVE',
    serial: SERIAL,
    files,
    directories: ['/LiveOS', '/syslinux'],
    clusterBytes: 512,
    dataAlignBytes: MiB,
    partitionStartBytes: start,
    createdAt: new Date(Date.UTC(2024, 0, 1)),
  });
  apply(image, shiftExtents(volume.extents, start));
  if (scheme !== 'none') {
    apply(
      image,
      planPartitionTable({
        scheme,
        diskBytes,
        partitionStartBytes: start,
        partitionBytes: volumeBytes,
        label: 'LIVE',
        random: (n) => new Uint8Array(n).fill(3),
        biosBootable: false,
      }).extents,
    );
  }
  return image;
}

describe('inspectStick', () => {
  for (const scheme of ['mbr', 'gpt', 'none'] as const) {
    it(`finds the volume (${scheme}) and reads the overlay as dmsetup would`, async () => {
      const stick = await inspectStick(new BufferSource(makeStick(scheme)));
      expect(stick.partition.scheme).toBe(scheme);
      expect(stick.uuid).toBe(UUID);
      const report = toInspectReport('stick.img', stick);
      expect(report.overlay).toMatchObject({
        kind: 'dm-snapshot',
        path: `/LiveOS/overlay-LIVE-${UUID}`,
        sizeBytes: OVERLAY_BYTES,
        // next_free = 5 chunks of 8 sectors; header + area 0.
        allocatedSectors: 40,
        totalSectors: OVERLAY_BYTES / 512,
        metadataSectors: 16,
        usedBytes: 3 * 4096,
        state: 'Active',
      });
      // No squashfs.img here, so the origin size (and the status line) is unknown.
      expect(report.statusLine).toBeNull();
      expect(report.warnings).toEqual([
        'There is no /LiveOS/squashfs.img: this is not a LiveOS stick.',
      ]);
      expect(report.home).toMatchObject({ sizeBytes: HOME_BYTES, encrypted: false });
      expect(report.home!.usedBytes).toBe(0);
      expect(report.kernelArgs).toEqual([
        `root=live:UUID=${UUID}`,
        'rw',
        'rd.live.image',
        `rd.live.overlay=UUID=${UUID}`,
        'quiet',
      ]);
      expect(report.persistenceMenu).toBe(false);
    });
  }

  it('rejects a disk without a FAT32 volume with a FormatError', async () => {
    const disk = new Uint8Array(4 * MiB);
    await expect(inspectStick(new BufferSource(disk))).rejects.toBeInstanceOf(FormatError);
  });
});

describe('maintenance plans', () => {
  it('reset zeroes the DM header through the file runs: the overlay reads as fresh', async () => {
    const image = makeStick('mbr');
    const before = await inspectStick(new BufferSource(image));
    apply(
      image,
      planOverlayReset(before, { random: () => new Uint8Array(16), createdAt: new Date(0) })
        .extents,
    );
    const after = await inspectStick(new BufferSource(image));
    expect(after.overlay?.dm?.state).toBe('fresh');
    // Nothing outside the overlay's first 64 KiB changed: home.img still reads the same.
    expect(toInspectReport('x', after).home).toEqual(toInspectReport('x', before).home);
  });

  it('a rewritten boot config that grows gets more clusters and reads back whole', async () => {
    const image = makeStick('mbr');
    const stick = await inspectStick(new BufferSource(image));
    const [change] = persistenceMenuTexts(stick, true);
    expect(change!.path).toBe('/syslinux/syslinux.cfg');
    expect(change!.text).toContain('Reset persistence and start');
    const data = new TextEncoder().encode(change!.text);
    const node = findFile(stick.volume, change!.path)!;
    expect(Math.ceil(data.length / 512)).toBeGreaterThan(node.clusters.length);
    apply(image, planFileReplace(stick.volume, node, data));
    const volume = await readFat32Volume(new BufferSource(image), MiB);
    const reread = findFile(volume, change!.path)!;
    const text = await new FatFileSource(new BufferSource(image), volume, reread).read(
      0,
      reread.size,
    );
    expect(new TextDecoder().decode(text)).toBe(change!.text);
    expect(volume.freeClusters).toBe(
      stick.volume.freeClusters - (reread.clusters.length - node.clusters.length),
    );
    expect((await inspectStick(new BufferSource(image))).persistenceMenu).toBe(true);
  });

  it('maps file extents across discontiguous runs', () => {
    const runs = [
      { offsetBytes: 1000, lengthBytes: 10 },
      { offsetBytes: 5000, lengthBytes: 10 },
    ];
    const data = Uint8Array.from({ length: 12 }, (_, i) => i);
    const mapped = mapFileExtents([bytesExtent(4, data, 'x')], runs, 100);
    expect(mapped.map((e) => [e.offset, e.length])).toEqual([
      [1104, 6],
      [5100, 6],
    ]);
    expect(mapped[1]!.fill).toEqual({ kind: 'bytes', data: data.subarray(6) });
    expect(() => mapFileExtents([bytesExtent(15, data, 'x')], runs, 0)).toThrow(RangeError);
  });
});
