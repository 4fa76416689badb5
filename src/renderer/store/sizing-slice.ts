// SPDX-License-Identifier: GPL-3.0-or-later
import type { StateCreator } from 'zustand/vanilla';
import { toWire, type WireError } from '../../shared/errors';
import { MAX_SIZE_MIB, type LayoutSummary, type Sizing } from '../../shared/ipc';
import { isActive } from '../../shared/write-state';
import type { AppState } from './app-state';
import type { StoreDeps } from './deps';
import { selectedDrive } from './drives-slice';

export type OverlayType = Sizing['overlayType'];
export type PlanStatus = 'idle' | 'pending' | 'ready' | 'failed';

export const DEFAULT_SIZING: Sizing = {
  overlayType: 'auto',
  encryptedHome: false,
  partitionTable: 'mbr',
};

export interface SizingSlice {
  /** What the user asked for; a size left undefined means "the planner's default". */
  readonly sizing: Sizing;
  readonly planStatus: PlanStatus;
  /** The newest layout that planned successfully; kept while a newer plan runs or fails. */
  readonly layout: LayoutSummary | null;
  readonly planError: WireError | null;
  /** Held only in memory, sent once with startWrite and cleared when the write ends. */
  readonly passphrase: string;
  readonly passphraseConfirm: string;
  setOverlayMiB(mib: number): void;
  setHomeMiB(mib: number): void;
  setSwapMiB(mib: number): void;
  setOverlayType(type: OverlayType): void;
  setEncryptedHome(encrypted: boolean): void;
  setPassphrase(passphrase: string, confirm: string): void;
  clearPassphrase(): void;
  /** Back to the planner's defaults for a new image or stick, and plan again. */
  resetSizing(): void;
}

function cleanMiB(mib: number): number {
  return Number.isFinite(mib) ? Math.min(MAX_SIZE_MIB, Math.max(0, Math.round(mib))) : 0;
}

export const createSizingSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], SizingSlice> =>
  (set, get) => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let planSeq = 0;

    const runPlan = async (): Promise<void> => {
      const state = get();
      const drive = selectedDrive(state);
      if (!state.image || !drive) return;
      const seq = ++planSeq;
      let outcome;
      try {
        outcome = await deps.plan({
          imagePath: state.image.path,
          targetBytes: drive.sizeBytes,
          sizing: state.sizing,
        });
      } catch (error) {
        outcome = { ok: false as const, error: toWire(error) };
      }
      if (seq !== planSeq) return;
      if (outcome.ok) set({ planStatus: 'ready', layout: outcome.layout, planError: null });
      else set({ planStatus: 'failed', planError: outcome.error });
    };

    /** Debounced: a slider drag plans once, after the user pauses. */
    const schedulePlan = (): void => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      const state = get();
      if (!state.image || !selectedDrive(state)) {
        planSeq++;
        set({ planStatus: 'idle', layout: null, planError: null });
        return;
      }
      set({ planStatus: 'pending' });
      timer = setTimeout(() => {
        timer = null;
        void runPlan();
      }, deps.planDelayMs);
    };

    const updateSizing = (change: Partial<Sizing>): void => {
      if (isActive(get().writeState)) return;
      set({ sizing: { ...get().sizing, ...change } });
      schedulePlan();
    };

    return {
      sizing: DEFAULT_SIZING,
      planStatus: 'idle',
      layout: null,
      planError: null,
      passphrase: '',
      passphraseConfirm: '',
      setOverlayMiB: (mib) => updateSizing({ overlayMiB: cleanMiB(mib) }),
      setHomeMiB: (mib) => updateSizing({ homeMiB: cleanMiB(mib) }),
      setSwapMiB: (mib) => updateSizing({ swapMiB: cleanMiB(mib) }),
      setOverlayType: (overlayType) => {
        const kinds = get().image?.overlayKinds ?? [];
        if (overlayType !== 'auto' && !kinds.includes(overlayType)) return;
        updateSizing({ overlayType });
      },
      setEncryptedHome: (encryptedHome) => {
        updateSizing({ encryptedHome });
        if (!encryptedHome) get().clearPassphrase();
      },
      setPassphrase: (passphrase, passphraseConfirm) => set({ passphrase, passphraseConfirm }),
      clearPassphrase: () => set({ passphrase: '', passphraseConfirm: '' }),
      resetSizing: () => {
        if (isActive(get().writeState)) return;
        const { sizing, image } = get();
        const keepType =
          sizing.overlayType === 'auto' ||
          (image?.overlayKinds.includes(sizing.overlayType) ?? false);
        set({
          sizing: {
            ...DEFAULT_SIZING,
            overlayType: keepType ? sizing.overlayType : 'auto',
            encryptedHome: sizing.encryptedHome,
          },
          layout: null,
          planError: null,
        });
        schedulePlan();
      },
    };
  };
