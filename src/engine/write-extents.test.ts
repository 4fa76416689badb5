import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesExtent, sourceExtent, zeroExtent } from '../core/extent';
import { ProgressMeter } from './progress-meter';
import { openTarget } from './target';
import {
  CHUNK_BYTES,
  FIRST_REGION_BYTES,
  toWriteOps,
  verifyWritten,
  writeExtents,
  type SourceReader,
} from './write-extents';
import type { Progress } from '../shared/progress';

const MiB = 1024 * 1024;

function bufferReader(bytes: Uint8Array): SourceReader {
  return {
    readInto: async (into, offset) => {
      into.set(bytes.subarray(offset, offset + into.length));
    },
  };
}

describe('toWriteOps', () => {
  it('merges neighbours, splits at the chunk size and at the first-MiB boundary', () => {
    const ops = toWriteOps([
      bytesExtent(0, new Uint8Array(512), 'mbr'),
      zeroExtent(512, FIRST_REGION_BYTES, 'straddles'),
      zeroExtent(10 * MiB, CHUNK_BYTES + 10, 'big'),
    ]);
    expect(ops.map((op) => [op.offset, op.length])).toEqual([
      [0, FIRST_REGION_BYTES],
      [FIRST_REGION_BYTES, 512],
      [10 * MiB, CHUNK_BYTES],
      [10 * MiB + CHUNK_BYTES, 10],
    ]);
  });
});

describe('writeExtents', () => {
  let dir: string;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes every extent, leaves gaps alone, writes the first MiB last and verifies', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'livestick-write-'));
    const file = path.join(dir, 'disk.img');
    const source = new Uint8Array(9 * MiB).map((_, i) => (i * 7) & 0xff);
    const target = await openTarget(file, { createBytes: 32 * MiB });
    const events: Progress[] = [];
    const meter = new ProgressMeter((p) => events.push(p));
    const writes: number[] = [];
    const original = target.io.write.bind(target.io);
    target.io.write = (data: Uint8Array, position: number) => {
      writes.push(position);
      return original(data, position);
    };
    const plan = await writeExtents({
      target,
      source: bufferReader(source),
      extents: [
        bytesExtent(0, new Uint8Array([0x55, 0xaa]), 'head'),
        sourceExtent(2 * MiB, 9 * MiB, 0, 'payload'),
        zeroExtent(20 * MiB, 3, 'zeros'),
      ],
      signal: new AbortController().signal,
      meter,
      hash: true,
    });
    await verifyWritten(target, plan, new AbortController().signal, meter);
    await target.io.close();

    expect(writes.at(-1)).toBe(0);
    const disk = await readFile(file);
    expect(disk.subarray(0, 2)).toEqual(Buffer.from([0x55, 0xaa]));
    expect(Buffer.compare(disk.subarray(2 * MiB, 11 * MiB), Buffer.from(source))).toBe(0);
    expect(plan.bytesWritten).toBe(2 + 9 * MiB + 3);
    expect(events.at(-1)).toMatchObject({ phase: 'verifying', bytesDone: plan.bytesWritten });
  });

  it('detects a byte changed behind its back', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'livestick-write-'));
    const target = await openTarget(path.join(dir, 'disk.img'), { createBytes: 8 * MiB });
    const meter = new ProgressMeter(() => undefined);
    const plan = await writeExtents({
      target,
      source: bufferReader(new Uint8Array(0)),
      extents: [bytesExtent(3 * MiB, new Uint8Array(4096).fill(1), 'data')],
      signal: new AbortController().signal,
      meter,
      hash: true,
    });
    await target.io.write(new Uint8Array([2]), 3 * MiB + 100);
    await expect(
      verifyWritten(target, plan, new AbortController().signal, meter),
    ).rejects.toMatchObject({
      code: 'VERIFY_MISMATCH',
    });
    await target.io.close();
  });

  it('stops with CANCELLED when aborted', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'livestick-write-'));
    const target = await openTarget(path.join(dir, 'disk.img'), { createBytes: 8 * MiB });
    const controller = new AbortController();
    controller.abort();
    await expect(
      writeExtents({
        target,
        source: bufferReader(new Uint8Array(0)),
        extents: [zeroExtent(2 * MiB, 10, 'x')],
        signal: controller.signal,
        meter: new ProgressMeter(() => undefined),
        hash: false,
      }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    await target.io.close();
  });
});
