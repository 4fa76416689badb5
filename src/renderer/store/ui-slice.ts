// SPDX-License-Identifier: GPL-3.0-or-later
import type { StateCreator } from 'zustand/vanilla';
import { isActive } from '../../shared/write-state';
import type { AppState } from './app-state';
import { availableSteps, writeBlocker, type StepId } from './steps';

export type Mode = 'create' | 'check';

export interface UiSlice {
  readonly mode: Mode;
  /** The step the user asked for; what is shown is currentStep(), which may fall back. */
  readonly step: StepId;
  /** The erase confirmation; it can only open when the write could start. */
  readonly confirmOpen: boolean;
  setMode(mode: Mode): boolean;
  goToStep(step: StepId): boolean;
  openConfirm(): boolean;
  closeConfirm(): void;
}

export const createUiSlice: StateCreator<AppState, [], [], UiSlice> = (set, get) => ({
  mode: 'create',
  step: 'image',
  confirmOpen: false,
  setMode: (mode) => {
    if (isActive(get().writeState)) return false;
    set({ mode });
    return true;
  },
  goToStep: (step) => {
    if (!availableSteps(get())[step]) return false;
    set({ step });
    return true;
  },
  openConfirm: () => {
    if (writeBlocker(get()) !== null) return false;
    set({ confirmOpen: true });
    return true;
  },
  closeConfirm: () => set({ confirmOpen: false }),
});
