// SPDX-License-Identifier: GPL-3.0-or-later
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/integration/iso-fixtures';
import { FileSource } from './file-source';

const work = tempDir('file-source');
afterAll(() => work.remove());

describe('FileSource', () => {
  const data = randomBytes(300_000);
  const path = join(work.path, 'data.bin');
  writeFileSync(path, data);

  it('returns exact bytes for reads within, across and beyond cache blocks', async () => {
    const source = await FileSource.open(path);
    expect(source.size).toBe(data.length);
    for (const [offset, length] of [
      [0, 10],
      [65_530, 20],
      [1000, 200_000],
      [299_990, 10],
      [5, 0],
    ] as const) {
      expect(
        Buffer.from(await source.read(offset, length)).equals(
          data.subarray(offset, offset + length),
        ),
      ).toBe(true);
    }
    await source.close();
  });

  it('counts OS reads and serves neighbours from the cache', async () => {
    const source = await FileSource.open(path);
    await source.read(100, 10);
    await source.read(2000, 10);
    await source.read(60_000, 100);
    expect(source.readCount).toBe(1);
    expect(source.bytesRead).toBe(64 * 1024);
    await source.close();
  });

  it('rejects reads outside the file and beyond the read bound', async () => {
    const source = await FileSource.open(path, { maxRead: 1000 });
    await expect(source.read(299_999, 2)).rejects.toBeInstanceOf(RangeError);
    await expect(source.read(-1, 2)).rejects.toBeInstanceOf(RangeError);
    await expect(source.read(0, 100_000)).rejects.toThrow(/bound/);
    await source.close();
  });
});
