// SPDX-License-Identifier: GPL-3.0-or-later
import type { StateCreator } from 'zustand/vanilla';
import { toWire, type WireError } from '../../shared/errors';
import { MAX_SIZE_MIB, type LayoutSummary, type Sizing } from '../../shared/ipc';
import { MiB } from '../../shared/units';
import { isActive } from '../../shared/write-state';
import { hundredthsToMiB, mibToHundredths, parseFieldText } from '../i18n/sizes';
import type { AppState } from './app-state';
import { shownSizes } from './capacity';
import type { StoreDeps } from './deps';
import { selectedDrive } from './drives-slice';
import { SIZE_ITEMS, checkHundredths, sizeBounds, type SizeItem } from './size-limits';

export type OverlayType = Sizing['overlayType'];
export type PlanStatus = 'idle' | 'pending' | 'ready' | 'failed';

export const DEFAULT_SIZING: Sizing = {
  overlayType: 'auto',
  encryptedHome: false,
  partitionTable: 'mbr',
};

const SIZING_KEYS: Readonly<Record<SizeItem, 'overlayMiB' | 'homeMiB' | 'swapMiB'>> = {
  overlay: 'overlayMiB',
  home: 'homeMiB',
  swap: 'swapMiB',
};

/**
 * Said on the persistence step after the image or the stick changed: which of the user's own
 * sizes no longer fitted and gave way to the planner's, and whether others were kept.
 */
export interface SizingNotice {
  readonly changed: readonly SizeItem[];
  readonly kept: readonly SizeItem[];
}

export interface SizingSlice {
  /** What the user asked for; a size left undefined means "the planner's default". */
  readonly sizing: Sizing;
  readonly planStatus: PlanStatus;
  /** The newest layout that planned successfully; kept while a newer plan runs or fails. */
  readonly layout: LayoutSummary | null;
  readonly planError: WireError | null;
  /**
   * What the user typed into a size field, kept while it is being edited or is wrong, so the
   * field shows it with what is wrong (see sizeProblem) instead of silently changing it.
   */
  readonly sizeTexts: Readonly<Partial<Record<SizeItem, string>>>;
  readonly sizingNotice: SizingNotice | null;
  /** Held only in memory, sent once with startWrite and cleared when the write ends. */
  readonly passphrase: string;
  readonly passphraseConfirm: string;
  /** A size from the slider, in MiB; always within the bounds the slider shows. */
  setSize(item: SizeItem, mib: number): void;
  /** What was typed; applied when it is a size within the bounds, else only kept and marked. */
  setSizeText(item: SizeItem, text: string): void;
  /** The field lost focus: a valid text gives way to the size as the field formats it. */
  settleSizeText(item: SizeItem): void;
  setOverlayType(type: OverlayType): void;
  setEncryptedHome(encrypted: boolean): void;
  setPassphrase(passphrase: string, confirm: string): void;
  clearPassphrase(): void;
  /**
   * A new image or stick: plan again, keeping the user's sizes if they still fit (and saying
   * so), else the planner's defaults (and saying that).
   */
  refitSizing(): void;
}

function cleanMiB(mib: number): number {
  return Number.isFinite(mib) ? Math.min(MAX_SIZE_MIB, Math.max(0, Math.round(mib))) : 0;
}

const userSized = (sizing: Sizing): boolean =>
  SIZE_ITEMS.some((item) => sizing[SIZING_KEYS[item]] !== undefined);

function without<T extends object>(record: T, key: keyof T): T {
  const copy = { ...record };
  delete copy[key];
  return copy;
}

export const createSizingSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], SizingSlice> =>
  (set, get) => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let planSeq = 0;
    /**
     * Set by refitSizing: the next plans decide which of the user's sizes survive. Sizes that no
     * longer fit are dropped one per round (the planner's default for one changes the room of
     * the others), and `changed` collects them for the notice.
     */
    let refit: { changed: SizeItem[] } | null = null;

    /** The user's sizes that the newest layout cannot hold. */
    const misfits = (): SizeItem[] => {
      const state = get();
      const shown = shownSizes(state);
      return SIZE_ITEMS.filter((item) => {
        if (state.sizing[SIZING_KEYS[item]] === undefined) return false;
        const bounds = sizeBounds(state, item);
        return (
          bounds === null || checkHundredths(mibToHundredths(shown[item] / MiB), bounds) !== null
        );
      });
    };

    /** Ends a refit or goes round once more without the sizes that did not fit. */
    const settleRefit = (drop: readonly SizeItem[]): void => {
      if (!refit) return;
      if (drop.length === 0) {
        const changed = refit.changed;
        const kept = SIZE_ITEMS.filter((item) => get().sizing[SIZING_KEYS[item]] !== undefined);
        refit = null;
        set({ sizingNotice: { changed, kept } });
        return;
      }
      refit.changed.push(...drop);
      const sizing = { ...get().sizing };
      for (const item of drop) delete sizing[SIZING_KEYS[item]];
      set({ sizing });
      schedulePlan();
    };

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
      if (outcome.ok) {
        set({ planStatus: 'ready', layout: outcome.layout, planError: null });
        // One at a time, least needed first (swap, then home): what is left may fit again.
        settleRefit(misfits().slice(-1));
      } else if (refit && userSized(get().sizing)) {
        // The planner refused the user's sizes outright: none of them is kept.
        settleRefit(SIZE_ITEMS.filter((item) => get().sizing[SIZING_KEYS[item]] !== undefined));
      } else {
        refit = null;
        set({ planStatus: 'failed', planError: outcome.error });
      }
    };

    /** Debounced: a slider drag plans once, after the user pauses. */
    function schedulePlan(): void {
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
    }

    const updateSizing = (change: Partial<Sizing>): void => {
      if (isActive(get().writeState)) return;
      // The user's own change ends any refit: what they set now is what they want.
      refit = null;
      set({ sizing: { ...get().sizing, ...change }, sizingNotice: null });
      schedulePlan();
    };

    const setSizeMiB = (item: SizeItem, mib: number): void =>
      updateSizing({ [SIZING_KEYS[item]]: cleanMiB(mib) });

    return {
      sizing: DEFAULT_SIZING,
      planStatus: 'idle',
      layout: null,
      planError: null,
      sizeTexts: {},
      sizingNotice: null,
      passphrase: '',
      passphraseConfirm: '',
      setSize: (item, mib) => {
        if (isActive(get().writeState)) return;
        set({ sizeTexts: without(get().sizeTexts, item) });
        setSizeMiB(item, mib);
      },
      setSizeText: (item, text) => {
        if (isActive(get().writeState)) return;
        set({ sizeTexts: { ...get().sizeTexts, [item]: text }, sizingNotice: null });
        const hundredths = parseFieldText(text);
        const bounds = sizeBounds(get(), item);
        if (hundredths === null || bounds === null || checkHundredths(hundredths, bounds)) return;
        setSizeMiB(item, hundredthsToMiB(hundredths));
      },
      settleSizeText: (item) => {
        const text = get().sizeTexts[item];
        if (text === undefined) return;
        const hundredths = parseFieldText(text);
        const bounds = sizeBounds(get(), item);
        if (hundredths === null || bounds === null || checkHundredths(hundredths, bounds)) return;
        set({ sizeTexts: without(get().sizeTexts, item) });
      },
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
      refitSizing: () => {
        if (isActive(get().writeState)) return;
        const { sizing, image } = get();
        const keepType =
          sizing.overlayType === 'auto' ||
          (image?.overlayKinds.includes(sizing.overlayType) ?? false);
        set({
          sizing: { ...sizing, overlayType: keepType ? sizing.overlayType : 'auto' },
          layout: null,
          planError: null,
          sizeTexts: {},
          sizingNotice: null,
        });
        refit = userSized(get().sizing) ? { changed: [] } : null;
        schedulePlan();
      },
    };
  };
