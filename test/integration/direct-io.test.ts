import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTarget } from '../../src/engine/target';
import { tempDir } from './iso-fixtures';

/** Direct I/O on a real block device: a loop device over a file this test owns. */
describe('direct I/O on a loop device', () => {
  const work = tempDir('livestick-direct-');
  const backing = join(work.path, 'loop.img');
  let device = '';
  beforeAll(() => {
    writeFileSync(backing, randomBytes(8 * 1024 * 1024));
    device = execFileSync('losetup', ['-f', '--show', backing], { encoding: 'utf8' }).trim();
  });
  afterAll(() => {
    if (device) execFileSync('losetup', ['-d', device]);
    work.remove();
  });

  it('opens with O_DIRECT and keeps the bytes around unaligned writes intact', async () => {
    const before = readFileSync(backing);
    const target = await openTarget(device, { maxWriteBytes: 64 * 1024 });
    expect(target.kind).toBe('device');
    expect(target.io.direct).toBe(true);
    const writes: [number, Buffer][] = [
      [100, randomBytes(10)],
      [4090, randomBytes(20)],
      [8192, randomBytes(4096)],
      [70_000, randomBytes(200_000)],
      [8 * 1024 * 1024 - 7, randomBytes(7)],
    ];
    for (const [position, data] of writes) await target.io.write(data, position);
    await target.io.sync();
    const back = Buffer.alloc(200_000);
    await target.io.read(back, 70_000);
    await target.io.close();
    expect(back.equals(writes[3]![1])).toBe(true);

    const expected = Buffer.from(before);
    for (const [position, data] of writes) data.copy(expected, position);
    execFileSync('sync');
    expect(readFileSync(backing).equals(expected)).toBe(true);
  });
});
