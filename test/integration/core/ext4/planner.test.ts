// SPDX-License-Identifier: GPL-3.0-or-later
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fsChecksumSeed, inodeChecksumSeed } from '../../../../src/core/ext4/checksum';
import { decodeDirectoryBlock } from '../../../../src/core/ext4/directory';
import { decodeExtentNode } from '../../../../src/core/ext4/extents';
import { decodeGroupDescriptor } from '../../../../src/core/ext4/group-descriptor';
import { planHomeImage } from '../../../../src/core/ext4/image-plan';
import { decodeInode } from '../../../../src/core/ext4/inode';
import { decodeSuperblock } from '../../../../src/core/ext4/superblock';
import { ExtentImage } from '../../../unit/extent-image';

const UUID_TEXT = '01234567-89ab-cdef-0123-456789abcdef';
const UUID = Uint8Array.from(UUID_TEXT.replace(/-/g, '').match(/../g)!, (h) => parseInt(h, 16));
const HASH_SEED = new Uint8Array(16).fill(0x11);
const CREATED = 1700000000;
const MiB = 2 ** 20;

const dir = mkdtempSync(join(tmpdir(), 'livestick-ext4-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sparseFile(name: string, size: number): string {
  const path = join(dir, name);
  writeFileSync(path, '');
  truncateSync(path, size);
  return path;
}

describe('checksums agree with e2fsprogs', () => {
  it('decodes what mke2fs 1.47 writes with our checksum code', () => {
    const path = sparseFile('mke2fs.img', 64 * MiB);
    execFileSync(
      'mke2fs',
      [
        '-q',
        '-F',
        '-t',
        'ext4',
        '-O',
        '^64bit,^resize_inode,^orphan_file',
        '-b',
        '4096',
        '-I',
        '256',
        '-L',
        'HOME',
        '-U',
        UUID_TEXT,
        '-E',
        'lazy_itable_init=1,nodiscard',
        path,
      ],
      { env: { ...process.env, E2FSPROGS_FAKE_TIME: String(CREATED) }, stdio: 'pipe' },
    );
    const image = new Uint8Array(readFileSync(path));
    const sb = decodeSuperblock(image.subarray(1024, 2048));
    expect(sb.volumeName).toBe('HOME');
    const seed = fsChecksumSeed(UUID);
    const gd = decodeGroupDescriptor(image.subarray(4096, 4128), 0, seed);
    for (const ino of [1, 2, 3, 7, 8, 11]) {
      const at = gd.inodeTable * 4096 + (ino - 1) * 256;
      expect(() =>
        decodeInode(image.subarray(at, at + 256), { fsSeed: seed, ino, inodeSize: 256 }),
      ).not.toThrow();
    }
    const rootAt = gd.inodeTable * 4096 + 256;
    const root = decodeInode(image.subarray(rootAt, rootAt + 256), {
      fsSeed: seed,
      ino: 2,
      inodeSize: 256,
    });
    const block = decodeExtentNode(root.block).entries[0]!.physical;
    expect(
      decodeDirectoryBlock(
        image.subarray(block * 4096, (block + 1) * 4096),
        inodeChecksumSeed(seed, 2, 0),
      ).map((e) => e.name),
    ).toEqual(['.', '..', 'lost+found']);
  });

  it('matches mke2fs field for field where the layouts do not differ', async () => {
    const path = sparseFile('ref.img', 256 * MiB);
    execFileSync(
      'mke2fs',
      [
        '-q',
        '-F',
        '-t',
        'ext4',
        '-O',
        '^64bit,^resize_inode,^orphan_file',
        '-b',
        '4096',
        '-i',
        '16384',
        '-I',
        '256',
        '-L',
        'HOME',
        '-U',
        UUID_TEXT,
        '-E',
        'lazy_itable_init=1,nodiscard',
        path,
      ],
      { env: { ...process.env, E2FSPROGS_FAKE_TIME: String(CREATED) }, stdio: 'pipe' },
    );
    execFileSync('tune2fs', ['-c0', '-i0', '-o', 'user_xattr,acl', path], { stdio: 'pipe' });
    const theirs = decodeSuperblock(new Uint8Array(readFileSync(path)).subarray(1024, 2048));
    const plan = planHomeImage({
      sizeBytes: 256 * MiB,
      uuid: UUID,
      hashSeed: HASH_SEED,
      createdAt: CREATED,
    });
    const image = new ExtentImage(256 * MiB);
    image.apply(plan.extents.slice(0, 1));
    const ours = decodeSuperblock(await image.read(1024, 1024));
    for (const field of [
      'inodesCount',
      'blocksCount',
      'reservedBlocksCount',
      'firstDataBlock',
      'blockBytes',
      'blocksPerGroup',
      'inodesPerGroup',
      'maxMountCount',
      'state',
      'errors',
      'checkInterval',
      'revLevel',
      'firstIno',
      'inodeSize',
      'featureCompat',
      'featureIncompat',
      'featureRoCompat',
      'volumeName',
      'journalInum',
      'defHashVersion',
      'jnlBackupType',
      'defaultMountOpts',
      'minExtraIsize',
      'wantExtraIsize',
      'flags',
      'logGroupsPerFlex',
      'checksumType',
    ] as const) {
      expect(ours[field], field).toEqual(theirs[field]);
    }
    // Same metadata, different placement: mke2fs reserves flex_bg slack, so only the totals agree.
    expect(ours.freeInodesCount).toBe(theirs.freeInodesCount);
    expect(Math.abs(ours.freeBlocksCount - theirs.freeBlocksCount)).toBeLessThan(8);
  });
});
