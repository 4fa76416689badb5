// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { ExtentImage } from '../../extent-image';
import { LiveStickError } from '../../../../src/shared/errors';
import { setU16le, setU32le, setU64le } from '../../../../src/core/bytes';
import { bytesExtent, zeroExtent, type Extent } from '../../../../src/core/extent';
import { FormatError } from '../../../../src/core/format-error';
import { OFFSET_NAME_HASH, entrySetChecksum } from '../../../../src/core/exfat/directory';
import { clusterOffsetBytes } from '../../../../src/core/exfat/geometry';
import {
  planExfatCreate,
  planExfatDelete,
  planExfatResize,
  planExfatRewrite,
  type ExfatEditPlan,
} from '../../../../src/core/exfat/volume-edit';
import {
  planExfatVolume,
  type ExfatFileSpec,
  type ExfatPlan,
} from '../../../../src/core/exfat/volume-plan';
import {
  findExfatFile,
  readExfatFile,
  readExfatVolume,
  walkExfatVolume,
  type ByteRun,
  type ExfatVolume,
} from '../../../../src/core/exfat/volume-reader';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const createdAt = new Date(Date.UTC(2024, 4, 17, 12, 34, 56));
const modifiedAt = new Date(Date.UTC(2025, 1, 2, 3, 4, 6));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

function file(path: string, content: string): ExfatFileSpec {
  const data = text(content);
  return { path, size: data.length, content: [bytesExtent(0, data, path)] };
}

/** A persistence file with a recognisable head and the rest left as it is. */
function persistence(path: string, size: number): ExfatFileSpec {
  return { path, size, content: [bytesExtent(0, text(`head of ${path}`), path)] };
}

interface Stick {
  readonly image: ExtentImage;
  readonly plan: ExfatPlan;
  volume: ExfatVolume;
}

async function makeStick(
  volumeBytes: number,
  files: ExfatFileSpec[],
  clusterBytes?: number,
): Promise<Stick> {
  const plan = planExfatVolume({
    volumeBytes,
    label: 'LIVE',
    serial: 0xdeadbeef,
    files,
    directories: ['/EFI/BOOT'],
    clusterBytes,
    createdAt,
  });
  const image = new ExtentImage(volumeBytes);
  image.apply(plan.extents);
  return { image, plan, volume: await readExfatVolume(image) };
}

/** Clusters no node owns: the bitmap and the up-case table. */
function systemClusters(volume: ExfatVolume): number {
  let allocated = 0;
  for (const node of [volume.root, ...walkExfatVolume(volume)]) allocated += node.allocatedClusters;
  return volume.geometry.clusterCount - volume.freeClusters - allocated;
}

/** Writes a plan, reads the volume again and checks no cluster leaked or went missing. */
async function apply(stick: Stick, extents: readonly Extent[]): Promise<ExfatVolume> {
  const system = systemClusters(stick.volume);
  stick.image.apply(extents);
  stick.volume = await readExfatVolume(stick.image);
  const { volume } = stick;
  expect(systemClusters(volume)).toBe(system);
  expect(volume.bootSector.percentInUse).toBe(
    Math.floor(
      ((volume.geometry.clusterCount - volume.freeClusters) * 100) / volume.geometry.clusterCount,
    ),
  );
  return volume;
}

function contentAt(runs: readonly ByteRun[], data: Uint8Array, label: string): Extent[] {
  const out: Extent[] = [];
  let at = 0;
  for (const run of runs) {
    const length = Math.min(run.lengthBytes, data.length - at);
    if (length <= 0) break;
    out.push(bytesExtent(run.offsetBytes, data.slice(at, at + length), label));
    at += length;
  }
  return out;
}

function catchError(run: () => unknown): LiveStickError {
  try {
    run();
  } catch (error) {
    if (error instanceof LiveStickError) return error;
    throw error;
  }
  throw new Error('expected a LiveStickError');
}

async function expectFormatError(read: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await read.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FormatError);
  expect((error as Error).message).toMatch(pattern);
}

const liveFiles = (): ExfatFileSpec[] => [
  file('/EFI/BOOT/grub.cfg', 'set timeout=5\n'),
  persistence('/LiveOS/overlay-LIVE-DEAD-BEEF', 3 * GiB),
  persistence('/LiveOS/home.img', 2 * GiB),
];

describe('readExfatVolume rejects', () => {
  const patch = async (change: (stick: Stick) => Extent[]): Promise<Stick> => {
    const stick = await makeStick(8 * GiB, liveFiles());
    stick.image.apply(change(stick));
    return stick;
  };
  const entryOf = (stick: Stick, path: string) => findExfatFile(stick.volume, path)!;

  it('a broken main boot checksum, but only notes a broken backup', async () => {
    const main = await patch(() => [bytesExtent(9 * 512, Uint8Array.of(1), 'OEM')]);
    await expectFormatError(readExfatVolume(main.image), /boot checksum/);
    const backup = await patch(() => [bytesExtent(21 * 512, Uint8Array.of(1), 'OEM')]);
    expect((await readExfatVolume(backup.image)).backupBootRegionMatches).toBe(false);
  });

  it('an up-case table that does not match its checksum', async () => {
    const stick = await patch((s) => [
      bytesExtent(clusterOffsetBytes(s.volume.geometry, 3) + 200, Uint8Array.of(0x42), 'up-case'),
    ]);
    await expectFormatError(readExfatVolume(stick.image), /TableChecksum 0xe619d30d, computed/);
  });

  it('a file whose clusters the bitmap calls free', async () => {
    const stick = await patch((s) => {
      const home = entryOf(s, '/LiveOS/home.img');
      const bit = home.firstCluster + 10 - 2;
      const offset = s.volume.bitmapRuns[0]!.offsetBytes + (bit >>> 3);
      const byte = s.volume.bitmap[bit >>> 3]! & ~(1 << (bit & 7));
      return [bytesExtent(offset, Uint8Array.of(byte), 'bitmap')];
    });
    await expectFormatError(
      readExfatVolume(stick.image),
      new RegExp(
        `/LiveOS/home.img: cluster ${entryOf(stick, '/LiveOS/home.img').firstCluster + 10} is in use but marked free`,
      ),
    );
  });

  const resealed = (stick: Stick, path: string, change: (set: Uint8Array) => void): Extent[] => {
    const node = entryOf(stick, path);
    const set = node.entrySet.slice();
    change(set);
    setU16le(set, 2, entrySetChecksum(set));
    return [bytesExtent(node.entryOffsets[0]!, set, path)];
  };

  it('two files sharing clusters', async () => {
    const stick = await patch((s) =>
      resealed(s, '/LiveOS/home.img', (set) =>
        setU32le(set, 32 + 20, entryOf(s, '/LiveOS/overlay-LIVE-DEAD-BEEF').firstCluster + 5),
      ),
    );
    await expectFormatError(readExfatVolume(stick.image), /home.img: cluster \d+ is used twice/);
  });

  it('a wrong name hash', async () => {
    const stick = await patch((s) =>
      resealed(s, '/EFI/BOOT/grub.cfg', (set) => setU16le(set, 32 + OFFSET_NAME_HASH, 0x1234)),
    );
    await expectFormatError(readExfatVolume(stick.image), /grub.cfg: NameHash 0x1234, computed/);
  });

  it('a NoFatChain file running off the heap', async () => {
    const stick = await patch((s) =>
      resealed(s, '/LiveOS/home.img', (set) =>
        setU32le(set, 32 + 20, s.volume.geometry.clusterCount - 3),
      ),
    );
    await expectFormatError(
      readExfatVolume(stick.image),
      /home.img: \d+ clusters from \d+ run past cluster/,
    );
  });

  it('a chained file whose chain is shorter than its length', async () => {
    const stick = await patch((s) => {
      const grub = entryOf(s, '/EFI/BOOT/grub.cfg');
      const fat = new Uint8Array(4);
      setU32le(fat, 0, 0xffffffff);
      return [
        ...resealed(s, '/EFI/BOOT/grub.cfg', (set) => {
          set[32 + 1] = 1; // AllocationPossible, FAT-chained
          setU64le(set, 32 + 8, 40000n);
          setU64le(set, 32 + 24, 40000n);
        }),
        bytesExtent(s.volume.fatOffsetBytes + grub.firstCluster * 4, fat, 'FAT'),
      ];
    });
    await expectFormatError(
      readExfatVolume(stick.image),
      /grub.cfg is 40000 bytes but has 1 clusters of 32768/,
    );
  });

  it('a root directory chain that loops', async () => {
    const stick = await patch((s) => {
      const fat = new Uint8Array(4);
      setU32le(fat, 0, s.volume.bootSector.rootCluster);
      return [
        bytesExtent(s.volume.fatOffsetBytes + s.volume.bootSector.rootCluster * 4, fat, 'FAT'),
      ];
    });
    await expectFormatError(
      readExfatVolume(stick.image),
      /root directory: the chain is longer than the volume/,
    );
  });

  it('a volume longer than its source', async () => {
    const stick = await makeStick(64 * MiB, [file('/a', 'a')]);
    const short = new ExtentImage(32 * MiB);
    short.apply(stick.plan.extents.filter((e) => e.offset + e.length <= 32 * MiB));
    await expectFormatError(readExfatVolume(short), /run past the end of the 33554432-byte source/);
  });
});

describe('planExfatResize', () => {
  it('grows the last file in place, contiguous and without a FAT chain', async () => {
    const stick = await makeStick(8 * GiB, liveFiles());
    const home = findExfatFile(stick.volume, '/LiveOS/home.img')!;
    const plan = planExfatResize(stick.volume, home, 4 * GiB + 1, { modifiedAt });
    expect(plan.contiguous).toBe(true);
    expect(plan.extents.some((e) => e.label === 'exFAT FAT')).toBe(false);
    expect(plan.addedClusters).toEqual([
      { firstCluster: home.firstCluster + home.allocatedClusters, clusters: (2 * GiB) / 32768 + 1 },
    ]);
    const volume = await apply(stick, plan.extents);
    const grown = findExfatFile(volume, '/LiveOS/home.img')!;
    expect(grown.size).toBe(4 * GiB + 1);
    expect(grown.noFatChain).toBe(true);
    expect(grown.runs).toEqual(plan.runs);
    expect(volume.freeClusters).toBe(stick.plan.freeBytes / 32768 - (2 * GiB) / 32768 - 1);
    expect(decode(await readExfatFile(stick.image, volume, grown, 0, 24))).toBe(
      'head of /LiveOS/home.img',
    );
  });

  it('says which file is in the way, or that the volume ends', async () => {
    const stick = await makeStick(8 * GiB, liveFiles());
    const overlay = findExfatFile(stick.volume, '/LiveOS/overlay-LIVE-DEAD-BEEF')!;
    const blocked = catchError(() =>
      planExfatResize(stick.volume, overlay, 4 * GiB, { modifiedAt }),
    );
    expect(blocked.code).toBe('DOES_NOT_FIT');
    expect(blocked.message).toBe(
      `/LiveOS/overlay-LIVE-DEAD-BEEF cannot grow in place by ${GiB} bytes: cluster ${overlay.firstCluster + overlay.allocatedClusters} after it belongs to /LiveOS/home.img.`,
    );
    const home = findExfatFile(stick.volume, '/LiveOS/home.img')!;
    const end = catchError(() => planExfatResize(stick.volume, home, 6 * GiB, { modifiedAt }));
    expect(end.message).toMatch(
      /home.img cannot grow in place by 4294967296 bytes: the volume ends \d+ clusters after it/,
    );
  });

  it('continues a blocked file elsewhere through a FAT chain when allowed', async () => {
    const stick = await makeStick(8 * GiB, liveFiles());
    const overlay = findExfatFile(stick.volume, '/LiveOS/overlay-LIVE-DEAD-BEEF')!;
    const plan = planExfatResize(stick.volume, overlay, 4 * GiB, {
      modifiedAt,
      fallback: 'fragment',
    });
    expect(plan.contiguous).toBe(false);
    const volume = await apply(stick, plan.extents);
    const grown = findExfatFile(volume, '/LiveOS/overlay-LIVE-DEAD-BEEF')!;
    expect(grown.noFatChain).toBe(false);
    expect(grown.clusterRuns).toEqual([
      { firstCluster: overlay.firstCluster, clusters: overlay.allocatedClusters },
      {
        firstCluster:
          findExfatFile(volume, '/LiveOS/home.img')!.clusterRuns[0]!.firstCluster +
          (2 * GiB) / 32768,
        clusters: GiB / 32768,
      },
    ]);
    expect(grown.runs).toEqual(plan.runs);
    expect(decode(await readExfatFile(stick.image, volume, grown, 0, 38))).toBe(
      'head of /LiveOS/overlay-LIVE-DEAD-BEEF',
    );

    // Growing it again extends the chain; shrinking cuts it.
    const again = planExfatResize(volume, grown, 4 * GiB + 5 * MiB, { modifiedAt });
    const longer = findExfatFile(
      await apply(stick, again.extents),
      '/LiveOS/overlay-LIVE-DEAD-BEEF',
    )!;
    expect(longer.clusterRuns[1]!.clusters).toBe((GiB + 5 * MiB) / 32768);
    const cut = planExfatResize(stick.volume, longer, 2 * GiB, { modifiedAt });
    const shorter = findExfatFile(
      await apply(stick, cut.extents),
      '/LiveOS/overlay-LIVE-DEAD-BEEF',
    )!;
    expect(shorter.clusterRuns).toEqual([
      { firstCluster: overlay.firstCluster, clusters: (2 * GiB) / 32768 },
    ]);
    expect(shorter.noFatChain).toBe(false);
  });

  it('shrinks in place and frees the tail', async () => {
    const stick = await makeStick(8 * GiB, liveFiles());
    const overlay = findExfatFile(stick.volume, '/LiveOS/overlay-LIVE-DEAD-BEEF')!;
    const plan = planExfatResize(stick.volume, overlay, GiB, { modifiedAt });
    const volume = await apply(stick, plan.extents);
    expect(volume.freeClusters).toBe(stick.plan.freeBytes / 32768 + (2 * GiB) / 32768);
    expect(findExfatFile(volume, '/LiveOS/overlay-LIVE-DEAD-BEEF')!.allocatedClusters).toBe(
      GiB / 32768,
    );
  });
});

describe('planExfatRewrite, planExfatCreate, planExfatDelete', () => {
  const write = async (stick: Stick, plan: ExfatEditPlan, data: Uint8Array): Promise<ExfatVolume> =>
    apply(stick, [...plan.extents, ...contentAt(plan.runs, data, 'content')]);

  it('moves a rewritten file that outgrows its cluster to a free run', async () => {
    const stick = await makeStick(8 * GiB, liveFiles());
    const grub = findExfatFile(stick.volume, '/EFI/BOOT/grub.cfg')!;
    const data = text('menuentry '.repeat(5000));
    const plan = planExfatRewrite(stick.volume, grub, data.length, { modifiedAt });
    expect(plan.contiguous).toBe(true);
    expect(plan.firstCluster).not.toBe(grub.firstCluster);
    const volume = await write(stick, plan, data);
    const moved = findExfatFile(volume, '/EFI/BOOT/grub.cfg')!;
    expect(await readExfatFile(stick.image, volume, moved)).toEqual(data);
    // Shrinking back stays in place.
    const back = planExfatRewrite(volume, moved, 3, { modifiedAt });
    expect(back.firstCluster).toBe(moved.firstCluster);
    const again = await write(stick, back, text('abc'));
    expect(
      decode(await readExfatFile(stick.image, again, findExfatFile(again, '/efi/boot/GRUB.CFG')!)),
    ).toBe('abc');
  });

  it('creates files, growing a full directory and the root', async () => {
    const names = Array.from(
      { length: 9 },
      (_, i) => `/a file name long enough for three entries ${i}.txt`,
    );
    const stick = await makeStick(
      64 * MiB,
      [...names.map((n) => file(n, n)), file('/EFI/BOOT/BOOTX64.EFI', 'efi')],
      512,
    );
    // 3 system entries, /EFI (3) and nine 6-entry sets: 60 of the 64 slots of four clusters.
    expect(stick.volume.root.allocatedClusters).toBe(4);
    expect(stick.volume.root.freeSlots).toEqual([{ entryOffset: 60 * 32, count: 4 }]);

    const created = planExfatCreate(stick.volume, '/a new file with a long name, too.cfg', 700, {
      createdAt: modifiedAt,
    });
    const data = new Uint8Array(700).fill(0x61);
    const volume = await write(stick, created, data);
    expect(volume.root.allocatedClusters).toBe(5);
    const node = findExfatFile(volume, '/A NEW FILE WITH A LONG NAME, TOO.CFG')!;
    expect(node.size).toBe(700);
    expect(node.noFatChain).toBe(true);
    expect(await readExfatFile(stick.image, volume, node)).toEqual(data);
    for (const name of names)
      expect(decode(await readExfatFile(stick.image, volume, findExfatFile(volume, name)!))).toBe(
        name,
      );

    // /EFI/BOOT (one cluster, NoFatChain, with clusters in use after it) fills up and continues
    // elsewhere through a FAT chain.
    let boot = volume;
    for (const n of [1, 2, 3]) {
      const plan = planExfatCreate(boot, `/EFI/BOOT/a config file with a longer name ${n}.cfg`, 9, {
        createdAt,
      });
      boot = await write(stick, plan, text(`config ${n}\n`));
    }
    const bootDir = findExfatFile(boot, '/EFI/BOOT')!;
    expect(bootDir.noFatChain).toBe(false);
    expect(bootDir.clusterRuns).toHaveLength(2);
    for (const n of [1, 2, 3]) {
      const node = findExfatFile(boot, `/efi/boot/A CONFIG FILE WITH A LONGER NAME ${n}.CFG`)!;
      expect(decode(await readExfatFile(stick.image, boot, node))).toBe(`config ${n}\n`);
    }
    expect(
      decode(await readExfatFile(stick.image, boot, findExfatFile(boot, '/EFI/BOOT/BOOTX64.EFI')!)),
    ).toBe('efi');

    const efi = planExfatCreate(boot, '/EFI/BOOT/grub.cfg', 0, { createdAt: modifiedAt });
    expect(efi.runs).toEqual([]);
    const after = await apply(stick, efi.extents);
    expect(findExfatFile(after, '/EFI/BOOT/grub.cfg')!.size).toBe(0);
    expect(() => planExfatCreate(after, '/efi/boot/GRUB.cfg', 1, { createdAt })).toThrow(
      /exists already/,
    );
    expect(() => planExfatCreate(after, '/nowhere/x', 1, { createdAt })).toThrow(/not a directory/);
    expect(() => planExfatCreate(after, '/x?', 1, { createdAt })).toThrow(/not allowed/);
  });

  it('deletes a file and frees its clusters; refuses a directory that is not empty', async () => {
    const stick = await makeStick(8 * GiB, liveFiles());
    const home = findExfatFile(stick.volume, '/LiveOS/home.img')!;
    const volume = await apply(stick, planExfatDelete(stick.volume, home));
    expect(findExfatFile(volume, '/LiveOS/home.img')).toBeUndefined();
    expect(volume.freeClusters).toBe(stick.plan.freeBytes / 32768 + (2 * GiB) / 32768);
    expect(findExfatFile(volume, '/LiveOS')!.freeSlots[0]).toEqual({
      entryOffset: home.entryOffsets[0]! - findExfatFile(volume, '/LiveOS')!.runs[0]!.offsetBytes,
      count: 1024 - 4,
    });
    expect(catchError(() => planExfatDelete(volume, findExfatFile(volume, '/EFI')!)).code).toBe(
      'TARGET_REFUSED',
    );
    // The freed entry slots take the next file.
    const created = planExfatCreate(volume, '/LiveOS/swap.img', MiB, { createdAt });
    const again = await apply(stick, [
      ...created.extents,
      zeroExtent(created.runs[0]!.offsetBytes, 4096, 'swap head'),
    ]);
    expect(findExfatFile(again, '/LiveOS/swap.img')!.entryOffsets[0]).toBe(home.entryOffsets[0]);
  });
});
