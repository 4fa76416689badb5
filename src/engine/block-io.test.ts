// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { AlignedIo, type RawHandle } from './block-io';

/** An in-memory disk that, like a raw device, takes only whole sectors at sector offsets. */
function sectorDisk(bytes: Uint8Array, sector: number): RawHandle & { calls: number } {
  const check = (length: number, position: number): void => {
    if (length % sector !== 0 || position % sector !== 0) {
      throw Object.assign(new Error('EINVAL'), { code: 'EINVAL' });
    }
  };
  const disk = {
    calls: 0,
    async read(buffer: Uint8Array, offset: number, length: number, position: number) {
      check(length, position);
      disk.calls++;
      const available = Math.max(0, Math.min(length, bytes.length - position));
      buffer.set(bytes.subarray(position, position + available), offset);
      return { bytesRead: available };
    },
    async write(buffer: Uint8Array, offset: number, length: number, position: number) {
      check(length, position);
      disk.calls++;
      bytes.set(buffer.subarray(offset, offset + length), position);
      return { bytesWritten: length };
    },
    sync: async () => undefined,
    close: async () => undefined,
  };
  return disk;
}

describe('AlignedIo', () => {
  for (const sector of [512, 4096]) {
    it(`reads and writes any range through ${sector}-byte sectors, keeping the bytes around it`, async () => {
      const size = 64 * sector;
      const disk = new Uint8Array(size).map((_, i) => (i * 31) & 0xff);
      const model = disk.slice();
      const io = new AlignedIo(sectorDisk(disk, sector), new Uint8Array(4 * sector), sector, true);
      let seed = 7;
      const random = (n: number): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      for (let i = 0; i < 200; i++) {
        const position = random(size - 1);
        const length = 1 + random(Math.min(size - position, 9 * sector));
        const data = new Uint8Array(length).map(() => random(256));
        await io.write(data, position);
        model.set(data, position);
        const back = new Uint8Array(length);
        await io.read(back, position);
        expect(Buffer.from(back).equals(data)).toBe(true);
      }
      expect(Buffer.from(disk).equals(model)).toBe(true);
    });
  }

  it('writes aligned ranges without reading first', async () => {
    const disk = sectorDisk(new Uint8Array(16 * 512), 512);
    const io = new AlignedIo(disk, new Uint8Array(8 * 512 + 512), 512, true);
    await io.write(new Uint8Array(4 * 512).fill(1), 1024);
    expect(disk.calls).toBe(1);
  });
});
