// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Probing reads metadata only: on a multi-GiB ISO (a real fixture with a sparse tail appended and
 * the volume size patched to cover it) the bytes read stay tiny. Also multi-extent files, which
 * xorriso only writes for ≥ 4 GiB files, checked on hand-made directory records.
 */
import { copyFileSync, openSync, writeSync, closeSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferSource } from '../../src/core/byte-source';
import { FileSource } from '../../src/engine/file-source';
import { readIsoTree } from '../../src/core/iso9660/iso-reader';
import { probeLiveImage } from '../../src/core/liveos/probe';
import { makeLiveIso, tempDir } from './iso-fixtures';

const GiB = 1024 ** 3;
const work = tempDir('sparse');
afterAll(() => work.remove());

function setBothEndian32(bytes: Uint8Array, at: number, value: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  view.setUint32(at, value, true);
  view.setUint32(at + 4, value, false);
}

describe('probe on a 6 GiB sparse ISO', () => {
  it('reads under 2 MiB and finishes quickly', async () => {
    const iso = join(work.path, 'big.iso');
    copyFileSync(makeLiveIso(work.path, { era: 'f24' }), iso);
    const size = 6 * GiB;
    truncateSync(iso, size);
    const blocks = new Uint8Array(8);
    setBothEndian32(blocks, 0, size / 2048);
    const fd = openSync(iso, 'r+');
    writeSync(fd, blocks, 0, 8, 16 * 2048 + 80); // PVD volume space size
    closeSync(fd);
    expect(statSync(iso).blocks * 512).toBeLessThan(64 * 1024 * 1024);

    const source = await FileSource.open(iso);
    const started = performance.now();
    const image = await probeLiveImage(source);
    const elapsedMs = performance.now() - started;
    await source.close();
    console.log(
      `probe of a ${size} byte ISO: ${source.bytesRead} bytes read in ${source.readCount} reads, ${elapsedMs.toFixed(0)} ms`,
    );
    expect(image.isoBytes).toBe(size);
    expect(image.rootfs.kind).toBe('nested-ext4');
    expect(source.bytesRead).toBeLessThan(2 * 1024 * 1024);
    expect(elapsedMs).toBeLessThan(5000);
  });
});

/** A minimal ISO: PVD, terminator, a root directory with the given records, then data sectors. */
function handMadeIso(
  records: readonly { name: string; extent: number; length: number; flags: number }[],
): Uint8Array {
  const blocks = 32;
  const bytes = new Uint8Array(blocks * 2048);
  const pvd = 16 * 2048;
  bytes[pvd] = 1;
  bytes.set(new TextEncoder().encode('CD001'), pvd + 1);
  bytes[pvd + 6] = 1;
  bytes.set(new TextEncoder().encode('HANDMADE'.padEnd(32, ' ')), pvd + 40);
  setBothEndian32(bytes, pvd + 80, blocks);
  new DataView(bytes.buffer).setUint16(pvd + 128, 2048, true);
  const root = 18;
  const record = (
    at: number,
    name: Uint8Array,
    extent: number,
    length: number,
    flags: number,
  ): number => {
    const size = 33 + name.length + (name.length % 2 === 0 ? 1 : 0);
    bytes[at] = size;
    setBothEndian32(bytes, at + 2, extent);
    setBothEndian32(bytes, at + 10, length);
    bytes[at + 25] = flags;
    bytes[at + 32] = name.length;
    bytes.set(name, at + 33);
    return size;
  };
  record(pvd + 156, new Uint8Array([0]), root, 2048, 2);
  bytes[17 * 2048] = 255;
  bytes.set(new TextEncoder().encode('CD001'), 17 * 2048 + 1);
  let at = root * 2048;
  at += record(at, new Uint8Array([0]), root, 2048, 2);
  at += record(at, new Uint8Array([1]), root, 2048, 2);
  for (const r of records)
    at += record(at, new TextEncoder().encode(r.name), r.extent, r.length, r.flags);
  return bytes;
}

describe('multi-extent files', () => {
  it('joins the parts of a multi-extent file into one file with several extents', async () => {
    const iso = handMadeIso([
      { name: 'BIG.IMG;1', extent: 20, length: 4096, flags: 0x80 },
      { name: 'BIG.IMG;1', extent: 24, length: 2048, flags: 0x80 },
      { name: 'BIG.IMG;1', extent: 28, length: 100, flags: 0 },
      { name: 'SMALL.TXT;1', extent: 30, length: 5, flags: 0 },
    ]);
    const tree = await readIsoTree(new BufferSource(iso));
    expect(tree.files).toEqual([
      {
        path: '/BIG.IMG',
        size: 6244,
        extents: [
          { offset: 20 * 2048, length: 4096 },
          { offset: 24 * 2048, length: 2048 },
          { offset: 28 * 2048, length: 100 },
        ],
      },
      { path: '/SMALL.TXT', size: 5, extents: [{ offset: 30 * 2048, length: 5 }] },
    ]);
  });

  it('rejects a multi-extent chain interrupted by another name', async () => {
    const iso = handMadeIso([
      { name: 'BIG.IMG;1', extent: 20, length: 4096, flags: 0x80 },
      { name: 'OTHER.IMG;1', extent: 24, length: 2048, flags: 0 },
    ]);
    await expect(readIsoTree(new BufferSource(iso))).rejects.toThrow(/multi-extent file/);
  });

  it('rejects an extent past the end of the image', async () => {
    const iso = handMadeIso([{ name: 'FAR.IMG;1', extent: 1000, length: 2048, flags: 0 }]);
    await expect(readIsoTree(new BufferSource(iso))).rejects.toThrow(/lies outside/);
  });
});
