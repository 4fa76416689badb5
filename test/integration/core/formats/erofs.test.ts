// SPDX-License-Identifier: GPL-3.0-or-later
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/core/format-error';
import { makeRootTree, run, tempDir } from '../../iso-fixtures';
import { decodeErofsSuperblock, isErofs } from '../../../../src/core/formats/erofs';

const work = tempDir('erofs');
afterAll(() => work.remove());

describe('EROFS superblock', () => {
  it('decodes what mkfs.erofs wrote: block size, block count, UUID', () => {
    const tree = join(work.path, 'tree');
    makeRootTree(tree);
    const image = join(work.path, 'root.img');
    const uuid = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    run('mkfs.erofs', ['--quiet', '-zlz4hc', '-U', uuid, image, tree]);
    const bytes = new Uint8Array(readFileSync(image));
    expect(isErofs(bytes)).toBe(true);
    const sb = decodeErofsSuperblock(bytes, bytes.length);
    expect(sb).toMatchObject({ blockSize: 4096, uuid, volumeName: '' });
    expect(sb.blocks * sb.blockSize).toBe(bytes.length);
  });

  it('rejects a squashfs or a lying block count', () => {
    const bytes = new Uint8Array(4096);
    expect(isErofs(bytes)).toBe(false);
    expect(() => decodeErofsSuperblock(bytes, 4096)).toThrow(/magic/);
    const view = new DataView(bytes.buffer);
    view.setUint32(1024, 0xe0f5e1e2, true);
    bytes[1024 + 12] = 12;
    view.setUint32(1024 + 36, 1000, true);
    expect(() => decodeErofsSuperblock(bytes, 4096)).toThrow(FormatError);
  });
});
