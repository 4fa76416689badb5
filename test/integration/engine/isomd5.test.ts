// SPDX-License-Identifier: GPL-3.0-or-later
import { copyFileSync, openSync, readSync, writeSync, closeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePlainIso, put, run, tempDir } from '../iso-fixtures';
import { FileSource } from '../../../src/engine/file-source';
import { readImplantedMd5, verifyImplantedMd5 } from '../../../src/engine/isomd5';

const work = tempDir('isomd5');
let implanted: string;

/** checkisomd5's exit status: 0 pass, 1 fail. */
function checkisomd5(iso: string): number {
  try {
    execFileSync('checkisomd5', [iso], { stdio: 'ignore' });
    return 0;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

function flipByte(path: string, offset: number): void {
  const fd = openSync(path, 'r+');
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, offset);
  byte[0] ^= 0xff;
  writeSync(fd, byte, 0, 1, offset);
  closeSync(fd);
}

async function verify(path: string) {
  const source = await FileSource.open(path, { cacheBlocks: 0 });
  try {
    return await verifyImplantedMd5(source);
  } finally {
    await source.close();
  }
}

beforeAll(() => {
  // Big enough that every one of the 20 fragments spans several 32 KiB buffers.
  const tree = join(work.path, 'tree');
  put(tree, 'data.bin', randomBytes(6 * 1024 * 1024));
  implanted = join(work.path, 'implanted.iso');
  run('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'MD5TEST', '-R', '-o', implanted, tree]);
  run('implantisomd5', ['--force', implanted]);
  expect(checkisomd5(implanted)).toBe(0);
}, 60_000);
afterAll(() => work.remove());

describe('verifyImplantedMd5', () => {
  it('reads what implantisomd5 implanted and agrees with checkisomd5 --md5sumonly', async () => {
    const source = await FileSource.open(implanted);
    const md5 = await readImplantedMd5(source);
    await source.close();
    const printed = run('checkisomd5', ['--md5sumonly', implanted]);
    expect(printed).toContain(md5!.md5);
    expect(md5!.skipSectors).toBe(15);
    expect(md5!.fragmentCount).toBe(20);
    expect(md5!.fragmentSums).toMatch(/^[0-9a-f]{60}$/);
  });

  it('passes on the intact image with progress up to the hashed size', async () => {
    const source = await FileSource.open(implanted, { cacheBlocks: 0 });
    const seen: number[] = [];
    const result = await verifyImplantedMd5(source, { onProgress: (p) => seen.push(p.bytesDone) });
    await source.close();
    expect(result.ok).toBe(true);
    expect(result.actual).toBe(result.expected);
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(source.size - 15 * 2048);
  });

  it('fails like checkisomd5 when a byte in the middle flips (fragment sum catches it)', async () => {
    const copy = join(work.path, 'flipped-middle.iso');
    copyFileSync(implanted, copy);
    flipByte(copy, 3 * 1024 * 1024);
    expect(checkisomd5(copy)).toBe(1);
    const result = await verify(copy);
    expect(result.ok).toBe(false);
    expect(result.failedFragment).not.toBeNull();
  });

  it('fails on a flip in the last fragment (whole-image sum catches it)', async () => {
    const copy = join(work.path, 'flipped-end.iso');
    copyFileSync(implanted, copy);
    const source = await FileSource.open(copy);
    const size = source.size;
    await source.close();
    flipByte(copy, size - 16 * 2048 - 1);
    expect(checkisomd5(copy)).toBe(1);
    const result = await verify(copy);
    expect(result).toMatchObject({ ok: false, failedFragment: null });
  });

  it('ignores the skipped tail, as checkisomd5 does', async () => {
    const copy = join(work.path, 'flipped-tail.iso');
    copyFileSync(implanted, copy);
    const source = await FileSource.open(copy);
    const size = source.size;
    await source.close();
    flipByte(copy, size - 100);
    expect(checkisomd5(copy)).toBe(0);
    expect((await verify(copy)).ok).toBe(true);
  });

  it('honours an abort signal', async () => {
    const source = await FileSource.open(implanted, { cacheBlocks: 0 });
    const controller = new AbortController();
    controller.abort();
    await expect(verifyImplantedMd5(source, { signal: controller.signal })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    await source.close();
  });

  it('says so when nothing is implanted', async () => {
    const source = await FileSource.open(makePlainIso(work.path));
    expect(await readImplantedMd5(source)).toBeNull();
    await expect(verifyImplantedMd5(source)).rejects.toMatchObject({ code: 'SOURCE_CORRUPT' });
    await source.close();
  });
});
