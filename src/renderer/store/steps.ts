// SPDX-License-Identifier: GPL-3.0-or-later
import { isActive } from '../../shared/write-state';
import { en } from '../i18n/en';
import type { AppState } from './app-state';
import { judgeDrive } from './drive-rules';
import { selectedDrive } from './drives-slice';
import { SIZE_ITEMS, sizeProblem } from './size-limits';

/**
 * The wizard's steps in order, one component each (docs/ARCHITECTURE.md, "The wizard's store").
 * Confirming is a dialog, not a step.
 */
export const STEP_IDS = ['image', 'drive', 'persistence', 'write'] as const;
export type StepId = (typeof STEP_IDS)[number];

/**
 * Why the write cannot start yet, or null when it can. One place decides, so the Write button,
 * the confirmation and startWrite agree.
 */
export function writeBlocker(state: AppState): string | null {
  if (isActive(state.writeState)) return en.write.title;
  const drive = selectedDrive(state);
  if (!state.image || !drive || !judgeDrive(drive, state.image).usable) return en.drive.title;
  if (state.planStatus !== 'ready' || !state.layout) return en.persistence.planning;
  if (SIZE_ITEMS.some((item) => sizeProblem(state, item) !== null)) return en.persistence.fixSizes;
  if (state.sizing.encryptedHome) {
    if (state.passphrase.length === 0) return en.persistence.passphraseEmpty;
    if (state.passphrase !== state.passphraseConfirm) return en.persistence.passphraseMismatch;
  }
  return null;
}

/** Which steps can be opened, computed from the store, never stored. */
export function availableSteps(state: AppState): Readonly<Record<StepId, boolean>> {
  const busy = isActive(state.writeState);
  const imageReady = state.imageStatus === 'ready' && state.image !== null;
  const drive = selectedDrive(state);
  const driveReady = imageReady && drive !== null && judgeDrive(drive, state.image).usable;
  return {
    image: !busy,
    drive: !busy && imageReady,
    persistence: !busy && driveReady,
    write: state.writeState !== 'idle',
  };
}

/**
 * The step on screen: the write step while a write runs or has a result to show; otherwise the
 * requested step, or the furthest step before it that can be opened.
 */
export function currentStep(state: AppState): StepId {
  if (state.writeState !== 'idle') return 'write';
  const available = availableSteps(state);
  const wanted = STEP_IDS.indexOf(state.step);
  for (let index = wanted; index > 0; index--) {
    const step = STEP_IDS[index]!;
    if (available[step]) return step;
  }
  return 'image';
}
