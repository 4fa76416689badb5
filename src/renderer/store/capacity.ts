// SPDX-License-Identifier: GPL-3.0-or-later
import { MiB } from '../../shared/units';
import type { AppState } from './app-state';

/** Only what the bar depends on, so components can pass what they already selected. */
export type SizingInputs = Pick<AppState, 'layout' | 'sizing'>;

export type SegmentId = 'system' | 'overlay' | 'home' | 'swap' | 'free';

export interface CapacitySegment {
  readonly id: SegmentId;
  readonly bytes: number;
}

export interface Capacity {
  readonly totalBytes: number;
  readonly segments: readonly CapacitySegment[];
  /** How far the chosen sizes exceed the stick; 0 when they fit. */
  readonly overBytes: number;
}

/** The sizes on screen: what the user typed, else the planner's value for that item. */
export function shownSizes(state: SizingInputs): { overlay: number; home: number; swap: number } {
  const { layout, sizing } = state;
  const pick = (mib: number | undefined, planned: number | undefined): number =>
    mib !== undefined ? mib * MiB : (planned ?? 0);
  return {
    overlay: pick(sizing.overlayMiB, layout?.overlay.bytes),
    home: pick(sizing.homeMiB, layout?.home.bytes),
    swap: pick(sizing.swapMiB, layout?.swap.bytes),
  };
}

/**
 * The capacity bar, updated on every keystroke or slider step without waiting for the planner:
 * the fixed costs (system image, partition table, FAT metadata) come from the newest layout and
 * only the user's sizes move. The planner then confirms or corrects it.
 */
export function capacity(state: SizingInputs): Capacity | null {
  const { layout } = state;
  if (!layout) return null;
  const shown = shownSizes(state);
  const plannedUser = layout.overlay.bytes + layout.home.bytes + layout.swap.bytes;
  // Everything that is neither a user choice nor free space: the system files, FAT metadata,
  // the partition table's gap and the alignment slack.
  const fixed = layout.targetBytes - plannedUser - layout.freeBytes;
  const free = layout.targetBytes - fixed - shown.overlay - shown.home - shown.swap;
  return {
    totalBytes: layout.targetBytes,
    segments: [
      { id: 'system', bytes: fixed },
      { id: 'overlay', bytes: shown.overlay },
      { id: 'home', bytes: shown.home },
      { id: 'swap', bytes: shown.swap },
      { id: 'free', bytes: Math.max(0, free) },
    ],
    overBytes: Math.max(0, -free),
  };
}
