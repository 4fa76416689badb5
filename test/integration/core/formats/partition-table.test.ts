// SPDX-License-Identifier: GPL-3.0-or-later
/** Our MBR and GPT against the tables sfdisk writes for the same disk, byte for byte. */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hex } from '../../../../src/core/bytes';
import type { Extent } from '../../../../src/core/extent';
import { GPT_TYPE_MICROSOFT_BASIC_DATA } from '../../../../src/core/formats/guid';
import {
  maxPartitionBytes,
  planPartitionTable,
} from '../../../../src/core/formats/partition-table';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const dir = mkdtempSync(join(tmpdir(), 'livestick-pt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Counter bytes: deterministic and different on every call. */
function counterRandom(): (n: number) => Uint8Array {
  let next = 1;
  return (n) => Uint8Array.from({ length: n }, () => next++ & 0xff);
}

function readAt(path: string, offset: number, length: number): Uint8Array {
  const fd = openSync(path, 'r');
  const out = new Uint8Array(length);
  readSync(fd, out, 0, length, offset);
  closeSync(fd);
  return out;
}

function writeImage(path: string, size: number, extents: readonly Extent[]): void {
  const fd = openSync(path, 'w');
  ftruncateSync(fd, size);
  for (const extent of extents) {
    if (extent.fill.kind !== 'bytes') throw new Error('partition tables are bytes only');
    writeSync(fd, extent.fill.data, 0, extent.length, extent.offset);
  }
  closeSync(fd);
}

/** Lets sfdisk write its own table on an empty image of the same size. */
function sfdiskImage(name: string, size: number, script: string): string {
  const path = join(dir, name);
  writeImage(path, size, []);
  execFileSync('sfdisk', ['--no-reread', '--no-tell-kernel', '-q', path], { input: script });
  return path;
}

describe('MBR', () => {
  it('matches what sfdisk writes, byte for byte', () => {
    for (const diskBytes of [64 * MiB, 16 * GiB]) {
      const plan = planPartitionTable({
        scheme: 'mbr',
        diskBytes,
        partitionStartBytes: MiB,
        partitionBytes: diskBytes - MiB,
        label: 'LIVE',
        random: () => Uint8Array.of(0x78, 0x56, 0x34, 0x12),
        biosBootable: true,
      });
      expect(plan.extents).toHaveLength(1);
      const [extent] = plan.extents;
      expect(extent!.offset).toBe(440);
      const theirs = sfdiskImage(
        'mbr.img',
        diskBytes,
        `label: dos\nlabel-id: 0x12345678\nstart=2048, size=${(diskBytes - MiB) / 512}, type=c, bootable\n`,
      );
      expect(extent!.fill.kind === 'bytes' && hex(extent!.fill.data)).toBe(
        hex(readAt(theirs, 440, 72)),
      );
    }
  });
});

describe('GPT', () => {
  const diskBytes = 2 * GiB;
  const plan = planPartitionTable({
    scheme: 'gpt',
    diskBytes,
    partitionStartBytes: MiB,
    partitionBytes: maxPartitionBytes('gpt', diskBytes, MiB),
    label: 'LIVE',
    random: counterRandom(),
    biosBootable: true,
  });
  const image = join(dir, 'ours-gpt.img');
  writeImage(image, diskBytes, plan.extents);

  it('matches what sfdisk writes for the same GUIDs, byte for byte', () => {
    const theirs = sfdiskImage(
      'sfdisk-gpt.img',
      diskBytes,
      [
        'label: gpt',
        `label-id: ${plan.diskGuid}`,
        'first-lba: 34',
        'table-length: 128',
        `start=2048, size=${plan.partitionBytes / 512}, type=${GPT_TYPE_MICROSOFT_BASIC_DATA}, uuid=${plan.partitionGuid}, name="LIVE", attrs="LegacyBIOSBootable"`,
        '',
      ].join('\n'),
    );
    for (const [offset, length] of [
      [440, 72],
      [512, 512],
      [1024, 16384],
      [diskBytes - 33 * 512, 33 * 512],
    ] as const) {
      expect(hex(readAt(image, offset, length)), `bytes at ${offset}`).toBe(
        hex(readAt(theirs, offset, length)),
      );
    }
  });
});
