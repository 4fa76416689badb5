// SPDX-License-Identifier: GPL-3.0-or-later
import { execFileSync, spawnSync } from 'node:child_process';
import { openSync, readSync, closeSync } from 'node:fs';

/**
 * Independent views of a written disk image, through Debian's tools only: whatever our own
 * readers think, these are what Linux, mtools and dosfstools see.
 */
export interface SfdiskPartition {
  readonly start: number;
  readonly size: number;
  readonly type: string;
  readonly bootable?: boolean;
  readonly attrs?: string;
  readonly name?: string;
}

export function sfdiskJson(image: string): { label: string; partitions: SfdiskPartition[] } {
  const json = JSON.parse(execFileSync('sfdisk', ['--json', image], { encoding: 'utf8' }));
  return json.partitiontable;
}

/** The FAT partition as its own file (fsck.fat and blkid want a filesystem, not a disk). */
export function extractPartition(image: string, out: string): SfdiskPartition {
  const part = sfdiskJson(image).partitions[0]!;
  execFileSync('dd', [
    `if=${image}`,
    `of=${out}`,
    'bs=512',
    `skip=${part.start}`,
    `count=${part.size}`,
    'conv=sparse',
    'status=none',
  ]);
  return part;
}

export function fsckFat(partition: string): { code: number; output: string } {
  const result = spawnSync('fsck.fat', ['-n', '-v', partition], { encoding: 'utf8' });
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

export function blkidValues(file: string): Record<string, string> {
  const out = execFileSync('blkid', ['-p', '-o', 'export', file], { encoding: 'utf8' });
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => line.split(/=(.*)/s).slice(0, 2)),
  );
}

/** `mtools` address of the first partition of a disk image. */
export function mtoolsImage(image: string, partitionStartBytes: number): string {
  return `${image}@@${partitionStartBytes}`;
}

export function mdirRecursive(image: string, partitionStartBytes: number): string[] {
  const out = execFileSync(
    'mdir',
    ['-/', '-b', '-a', '-i', mtoolsImage(image, partitionStartBytes), '::/'],
    {
      encoding: 'utf8',
    },
  );
  return out
    .split('\n')
    .map((line) => line.trim().replace(/^::/, ''))
    .filter((line) => line && !line.endsWith('/'));
}

export function mcopyOut(
  image: string,
  partitionStartBytes: number,
  path: string,
  out: string,
): void {
  execFileSync('mcopy', [
    '-n',
    '-o',
    '-i',
    mtoolsImage(image, partitionStartBytes),
    `::${path}`,
    out,
  ]);
}

export function readBytes(file: string, offset: number, length: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, offset);
    return buffer;
  } finally {
    closeSync(fd);
  }
}
