// SPDX-License-Identifier: GPL-3.0-or-later
import { readFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { SECTOR_BYTES } from '../core/sector';

/**
 * The size of a block device. fstat reports 0 for them; Linux publishes the size in 512-byte
 * sectors in sysfs (this covers loop devices too). Other systems' callers pass the size the
 * drive list reported.
 */
export async function blockDeviceBytes(stat: Stats): Promise<number | null> {
  const major = Math.floor(stat.rdev / 256) & 0xfff;
  const minor = (stat.rdev & 0xff) | ((Math.floor(stat.rdev / 4096) & 0xfff00) >>> 0);
  const sectors = await readFile(`/sys/dev/block/${major}:${minor}/size`, 'utf8').catch(() => null);
  return sectors !== null && /^\d+\s*$/.test(sectors)
    ? Number(sectors.trim()) * SECTOR_BYTES
    : null;
}
