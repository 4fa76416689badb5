// SPDX-License-Identifier: GPL-3.0-or-later
import { FAT32_MAX_FILE_BYTES } from '../../../core/fat32/volume-plan';
import { usefulMaxBytes } from '../../../core/formats/dm-snapshot';
import type { InspectReport } from '../../../shared/ipc';
import { MiB } from '../../../shared/units';
import { hundredthsToMiB, mibToHundredths, parseFieldText } from '../../i18n/sizes';
import { FAT32_MAX_HUNDREDTHS, floorToField, type MaxReason } from '../../store/size-limits';

/**
 * What "Grow" may do to one file of a checked stick, worked out before anything is written: the
 * current size, the largest useful one (FAT32's limit, the free space, and for a snapshot
 * overlay the most it can ever use) and why. Growth that could not be used is refused here.
 */
export interface GrowLimit {
  readonly currentBytes: number;
  /** The largest field value allowed; at most the current size when it cannot grow. */
  readonly maxHundredths: number;
  readonly maxReason: MaxReason;
  readonly canGrow: boolean;
}

export type GrowProblem =
  | { readonly kind: 'not-a-size' }
  | { readonly kind: 'not-larger' }
  | { readonly kind: 'above-maximum' };

export function growLimit(
  report: Pick<InspectReport, 'freeBytes' | 'rootfsImageBytes'>,
  file: { readonly sizeBytes: number; readonly kind?: 'dm-snapshot' | 'overlayfs' },
): GrowLimit {
  const candidates: [number, MaxReason][] = [
    [FAT32_MAX_FILE_BYTES, 'fat32'],
    [file.sizeBytes + report.freeBytes, 'space'],
  ];
  if (file.kind === 'dm-snapshot' && report.rootfsImageBytes) {
    candidates.push([usefulMaxBytes(report.rootfsImageBytes), 'useful']);
  }
  const [maxBytes, maxReason] = candidates.reduce((best, next) =>
    next[0] < best[0] ? next : best,
  );
  const maxHundredths =
    maxBytes >= FAT32_MAX_FILE_BYTES ? FAT32_MAX_HUNDREDTHS : floorToField(maxBytes);
  return {
    currentBytes: file.sizeBytes,
    maxHundredths,
    maxReason,
    canGrow: grownBytes(maxHundredths) > file.sizeBytes,
  };
}

/** A field value as the size the engine will be asked for ("4" is FAT32's largest file). */
export function grownBytes(hundredths: number): number {
  return hundredths >= FAT32_MAX_HUNDREDTHS
    ? FAT32_MAX_FILE_BYTES
    : hundredthsToMiB(hundredths) * MiB;
}

/** The field's starting text: the current size, as every size field shows sizes. */
export function currentHundredths(limit: GrowLimit): number {
  return mibToHundredths(limit.currentBytes / MiB);
}

/**
 * What a typed new size means: null (leave the file as it is) when it is the current size, a
 * number of MiB to grow to, or what is wrong with it.
 */
export function readGrowText(
  text: string,
  limit: GrowLimit,
): { readonly growToMiB: number | null } | { readonly problem: GrowProblem } {
  const hundredths = parseFieldText(text);
  if (hundredths === null) return { problem: { kind: 'not-a-size' } };
  if (hundredths === currentHundredths(limit)) return { growToMiB: null };
  if (grownBytes(hundredths) <= limit.currentBytes) return { problem: { kind: 'not-larger' } };
  if (hundredths > limit.maxHundredths) return { problem: { kind: 'above-maximum' } };
  return { growToMiB: hundredthsToMiB(hundredths) };
}
