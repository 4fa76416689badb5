// SPDX-License-Identifier: GPL-3.0-or-later
import { usefulMaxBytes } from '../../core/formats/dm-snapshot';
import { autoOverlayKind } from '../../core/plan/planner';
import { MiB } from '../../shared/units';
import { hundredthsToMiB, parseFieldText } from '../i18n/sizes';
import type { AppState } from './app-state';
import { capacity, shownSizes } from './capacity';

/**
 * How large each persistence file may be made, given the others: the number every size control
 * shows as its maximum and checks typed values against, with the reason that binds.
 */
export const SIZE_ITEMS = ['overlay', 'home', 'swap'] as const;
export type SizeItem = (typeof SIZE_ITEMS)[number];

/** The smallest size other than 0 (none) the wizard offers, above the planner's minimum. */
export const MIN_SIZE_HUNDREDTHS = 10;
/** "4" in a size field asks for FAT32's largest file, 4 GiB − 512 B (the planner's rule). */
export const FAT32_MAX_HUNDREDTHS = 400;

/** What binds a maximum: FAT32's file size, the stick's space, or what a snapshot can use. */
export type MaxReason = 'fat32' | 'space' | 'useful';

export interface SizeBounds {
  readonly maxHundredths: number;
  readonly maxReason: MaxReason;
}

export type SizeProblem =
  | { readonly kind: 'not-a-size' }
  | { readonly kind: 'below-minimum' }
  | { readonly kind: 'above-maximum'; readonly bounds: SizeBounds }
  | { readonly kind: 'no-room' };

type BoundsInputs = Pick<AppState, 'layout' | 'sizing' | 'image'>;

/** The overlay the image and the chosen type make, even while the overlay is set to none. */
export function overlayKindFor(state: Pick<AppState, 'sizing' | 'image'>) {
  const kinds = state.image?.overlayKinds ?? [];
  if (kinds.length === 0) return null;
  return state.sizing.overlayType === 'auto'
    ? autoOverlayKind(kinds)
    : kinds.includes(state.sizing.overlayType)
      ? state.sizing.overlayType
      : null;
}

/** The largest field value whose size does not exceed `bytes`. */
export function floorToField(bytes: number): number {
  const mib = Math.floor(bytes / MiB);
  let hundredths = Math.floor((mib * 100) / 1024);
  while (hundredths > 0 && hundredthsToMiB(hundredths) > mib) hundredths--;
  return Math.max(0, hundredths);
}

/** The smallest field value whose size is at least `bytes`. */
export function ceilToField(bytes: number): number {
  const mib = Math.ceil(bytes / MiB);
  let hundredths = Math.ceil((mib * 100) / 1024);
  while (hundredthsToMiB(hundredths) < mib) hundredths++;
  return hundredths;
}

/** The overlay size past which a snapshot overlay is never used, or null when none applies. */
export function usefulOverlayBytes(state: Pick<AppState, 'sizing' | 'image'>): number | null {
  const rootfs = state.image?.rootfsImageBytes;
  return overlayKindFor(state) === 'dm-snapshot' && rootfs ? usefulMaxBytes(rootfs) : null;
}

export function sizeBounds(state: BoundsInputs, item: SizeItem): SizeBounds | null {
  const bar = capacity(state);
  if (!bar) return null;
  const shown = shownSizes(state);
  const fixed = bar.segments.find((segment) => segment.id === 'system')?.bytes ?? 0;
  const others = SIZE_ITEMS.filter((other) => other !== item).reduce(
    (sum, other) => sum + shown[other],
    0,
  );
  const candidates: [number, MaxReason][] = [
    [FAT32_MAX_HUNDREDTHS, 'fat32'],
    [floorToField(Math.max(0, bar.totalBytes - fixed - others)), 'space'],
  ];
  const useful = item === 'overlay' ? usefulOverlayBytes(state) : null;
  if (useful !== null) candidates.push([ceilToField(useful), 'useful']);
  // The first of equal candidates names the reason: FAT32's limit is the one to explain.
  const [maxHundredths, maxReason] = candidates.reduce((best, next) =>
    next[0] < best[0] ? next : best,
  );
  return { maxHundredths, maxReason };
}

/** Whether a field value may be written, given the bounds. */
export function checkHundredths(hundredths: number, bounds: SizeBounds): SizeProblem | null {
  if (hundredths === 0) return null;
  if (bounds.maxHundredths < MIN_SIZE_HUNDREDTHS) return { kind: 'no-room' };
  if (hundredths < MIN_SIZE_HUNDREDTHS) return { kind: 'below-minimum' };
  if (hundredths > bounds.maxHundredths) return { kind: 'above-maximum', bounds };
  return null;
}

/** What is wrong with what the user typed into a size field, or null. */
export function sizeProblem(
  state: BoundsInputs & Pick<AppState, 'sizeTexts'>,
  item: SizeItem,
): SizeProblem | null {
  const text = state.sizeTexts[item];
  if (text === undefined) return null;
  const hundredths = parseFieldText(text);
  if (hundredths === null) return { kind: 'not-a-size' };
  const bounds = sizeBounds(state, item);
  return bounds ? checkHundredths(hundredths, bounds) : null;
}
