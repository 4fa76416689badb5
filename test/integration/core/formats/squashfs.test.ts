// SPDX-License-Identifier: GPL-3.0-or-later
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferSource } from '../../../../src/core/byte-source';
import { FormatError } from '../../../../src/core/format-error';
import { FileSource } from '../../../../src/engine/file-source';
import {
  makeRootTree,
  makeRootfsImage,
  run,
  tempDir,
  type SquashfsCompression,
} from '../../iso-fixtures';
import {
  decodeSquashfsSuperblock,
  inspectSquashfsRoot,
  listSquashfsTree,
} from '../../../../src/core/formats/squashfs';

const work = tempDir('squashfs');
afterAll(() => work.remove());

const COMPRESSIONS: readonly SquashfsCompression[] = ['gzip', 'xz', 'zstd', 'lz4', 'lzo'];

/** `unsquashfs -l` prints "squashfs-root/usr/bin/bash"; we list "/usr/bin/bash". */
function unsquashfsList(image: string): string[] {
  return run('unsquashfs', ['-l', '-no-progress', image])
    .split('\n')
    .filter((line) => line.startsWith('squashfs-root/'))
    .map((line) => line.slice('squashfs-root'.length));
}

describe.each(COMPRESSIONS)('squashfs with %s', (compression) => {
  it('lists the flat tree exactly like unsquashfs -l and calls it flat', async () => {
    const image = makeRootfsImage(work.path, 'flat', compression);
    const source = await FileSource.open(image);
    try {
      const ours = await listSquashfsTree(source);
      expect(ours.sort()).toEqual(unsquashfsList(image).sort());
      expect(ours.length).toBeGreaterThan(400);
      expect(await inspectSquashfsRoot(source)).toEqual({ kind: 'flat', compression });
    } finally {
      await source.close();
    }
  });

  it('finds LiveOS/rootfs.img in a nested image and reports its size', async () => {
    const image = makeRootfsImage(work.path, 'nested', compression);
    const source = await FileSource.open(image);
    try {
      const root = await inspectSquashfsRoot(source);
      const stat = run('unsquashfs', ['-lls', '-no-progress', image]);
      const size = Number(/ (\d+) \S+ \S+ squashfs-root\/LiveOS\/rootfs\.img/.exec(stat)![1]);
      expect(size).toBe(24 * 1024 * 1024);
      expect(root).toEqual({ kind: 'nested', rootfsImageBytes: size, compression });
      const superblock = decodeSquashfsSuperblock(
        readFileSync(image).subarray(0, 96),
        statSync(image).size,
      );
      expect(superblock.compression).toBe(compression);
      expect(run('unsquashfs', ['-s', image])).toContain(`Compression ${compression}`);
    } finally {
      await source.close();
    }
  });
});

describe('squashfs edge cases', () => {
  it('decodes xz with the x86 BCJ filter (lorax uses -Xbcj x86)', async () => {
    const tree = join(work.path, 'bcj-tree');
    makeRootTree(tree);
    const image = join(work.path, 'bcj.img');
    run('mksquashfs', [
      tree,
      image,
      '-comp',
      'xz',
      '-Xbcj',
      'x86',
      '-noappend',
      '-quiet',
      '-no-progress',
    ]);
    const ours = await listSquashfsTree(new BufferSource(new Uint8Array(readFileSync(image))));
    expect(ours.sort()).toEqual(unsquashfsList(image).sort());
  });

  it('reads uncompressed metadata blocks (-noI -noD)', async () => {
    const tree = join(work.path, 'plain-tree');
    makeRootTree(tree);
    const image = join(work.path, 'plain.img');
    run('mksquashfs', [tree, image, '-noI', '-noD', '-noF', '-noappend', '-quiet', '-no-progress']);
    const source = new BufferSource(new Uint8Array(readFileSync(image)));
    expect(await inspectSquashfsRoot(source)).toEqual({ kind: 'flat', compression: 'gzip' });
  });

  it('rejects a bad magic, version and table order with FormatError', () => {
    const sb = new Uint8Array(96);
    expect(() => decodeSquashfsSuperblock(sb, 4096)).toThrow(/magic/);
    new DataView(sb.buffer).setUint32(0, 0x73717368, true);
    expect(() => decodeSquashfsSuperblock(sb, 4096)).toThrow(/version/);
    new DataView(sb.buffer).setUint16(28, 4, true);
    new DataView(sb.buffer).setUint32(12, 131072, true);
    new DataView(sb.buffer).setUint16(22, 17, true);
    new DataView(sb.buffer).setUint32(40, 4096, true);
    expect(() => decodeSquashfsSuperblock(sb, 4096)).toThrow(FormatError);
  });
});
