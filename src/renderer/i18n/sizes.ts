// SPDX-License-Identifier: GPL-3.0-or-later
import { GiB, KiB, MiB, TiB } from '../../shared/units';

/**
 * The wizard's one unit convention, on every screen: binary multiples, labelled as such (MiB,
 * GiB, TiB). They are what FAT32's limit (4 GiB) and the stick's files are measured in, so "4.0
 * GiB" means exactly the largest file a stick can hold. The CLI words sizes its own way.
 */
export function formatSize(bytes: number): string {
  if (bytes >= TiB) return `${(bytes / TiB).toFixed(1)} TiB`;
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(1)} GiB`;
  if (bytes >= MiB) return `${Math.round(bytes / MiB)} MiB`;
  if (bytes >= KiB) return `${Math.round(bytes / KiB)} KiB`;
  return `${Math.round(bytes)} bytes`;
}

export function formatSpeed(bytesPerSecond: number): string {
  return `${formatSize(bytesPerSecond)}/s`;
}

/**
 * Size fields hold GiB with at most two decimals: a hundredth of a GiB (about 10 MiB) is finer
 * than anyone sizes persistence, and "4" in the field is exactly the FAT32 maximum.
 */
export const FIELD_UNIT = 'GiB';

/** Hundredths of a GiB as whole MiB (the service takes MiB). */
export function hundredthsToMiB(hundredths: number): number {
  return Math.round((hundredths * 1024) / 100);
}

/** The grid point of the field nearest to a size in MiB. */
export function mibToHundredths(mib: number): number {
  return Math.round((mib * 100) / 1024);
}

/** A size in MiB as the field shows it: "2.0", "2.5", "0.25". */
export function fieldText(mib: number): string {
  const text = (mibToHundredths(mib) / 100).toFixed(2);
  return text.endsWith('0') ? text.slice(0, -1) : text;
}

/** A size as the fields show it, with the unit: "2.01 GiB" beside a field that says 2.01. */
export function fieldSize(mib: number): string {
  return `${fieldText(mib)} ${FIELD_UNIT}`;
}

/** What a person typed into a size field, in hundredths of a GiB, or null when it is no size. */
export function parseFieldText(text: string): number | null {
  const match = /^\s*(\d{1,6})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!match) return null;
  const fraction = (match[2] ?? '').padEnd(2, '0');
  return Number(match[1]) * 100 + Number(fraction);
}
