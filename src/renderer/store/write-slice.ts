// SPDX-License-Identifier: GPL-3.0-or-later
import type { StateCreator } from 'zustand/vanilla';
import { toWire, type WireError } from '../../shared/errors';
import type {
  CancelledStick,
  DriveInfo,
  ImageSummary,
  LayoutSummary,
  WriteJobInfo,
  WriteOutcome,
  WrittenStick,
} from '../../shared/ipc';
import type { Progress } from '../../shared/progress';
import { isActive, nextWriteState, type WriteState } from '../../shared/write-state';
import type { AppState } from './app-state';
import type { StoreDeps } from './deps';
import { selectedDrive } from './drives-slice';
import { writeBlocker } from './steps';

/** What the write screens describe: fixed when the write starts, so later choices cannot alter it. */
export interface WrittenTarget {
  readonly drive: DriveInfo;
  readonly image: ImageSummary;
  readonly layout: LayoutSummary;
  readonly verify: boolean;
}

export interface WriteSlice {
  readonly writeState: WriteState;
  readonly jobId: string | null;
  readonly progress: Progress | null;
  readonly writeError: WireError | null;
  /** What a successful write made. */
  readonly writtenStick: WrittenStick | null;
  /** What a cancelled write left on the stick. */
  readonly cancelledStick: CancelledStick | null;
  /** The user asked to stop this write (it may have finished regardless). */
  readonly cancelAsked: boolean;
  readonly writeTarget: WrittenTarget | null;
  /** Starts the write the user confirmed; refused unless everything is ready (see writeBlocker). */
  startWrite(): Promise<boolean>;
  applyProgress(jobId: string, progress: Progress): boolean;
  finishWrite(jobId: string, outcome: WriteOutcome): boolean;
  cancelWrite(): Promise<boolean>;
  /** Back to idle after a finished write (not while one runs); main forgets it too. */
  resetWrite(): boolean;
  /**
   * Takes over the write main owns, when this page was reloaded or opened while one runs (or
   * had finished unseen): its screen, progress and Cancel come back.
   */
  adoptWrite(): Promise<boolean>;
}

type PendingEvent =
  | { readonly kind: 'progress'; readonly jobId: string; readonly progress: Progress }
  | { readonly kind: 'finished'; readonly jobId: string; readonly outcome: WriteOutcome };

/** The state a job main reports is in, as this page's machine names it. */
function adoptedState(info: WriteJobInfo): WriteState {
  if (info.outcome) return info.outcome.status;
  if (info.cancelling) return 'cancelling';
  return info.progress?.phase ?? 'preparing';
}

export const createWriteSlice =
  ({ api }: StoreDeps): StateCreator<AppState, [], [], WriteSlice> =>
  (set, get) => {
    /**
     * Events can overtake startWrite's reply (the service emits as soon as the job runs), so
     * while the job id is unknown they wait here and are replayed once it is.
     */
    let early: PendingEvent[] = [];

    const transition = (event: Parameters<typeof nextWriteState>[1]): boolean => {
      const next = nextWriteState(get().writeState, event);
      if (next === null) return false;
      set({ writeState: next });
      return true;
    };

    const settle = (): void => {
      // The passphrase has done its job (or the write is over): it must not linger.
      get().clearPassphrase();
    };

    const outcomeFields = (outcome: WriteOutcome): Partial<WriteSlice> => {
      switch (outcome.status) {
        case 'succeeded':
          return { writtenStick: outcome.stick };
        case 'failed':
          return { writeError: outcome.error };
        case 'cancelled':
          return { cancelledStick: outcome.stick };
      }
    };

    const NOTHING_WRITTEN = {
      jobId: null,
      progress: null,
      writeError: null,
      writtenStick: null,
      cancelledStick: null,
      cancelAsked: false,
    } as const;

    return {
      writeState: 'idle',
      ...NOTHING_WRITTEN,
      writeTarget: null,
      startWrite: async () => {
        const state = get();
        const drive = selectedDrive(state);
        if (writeBlocker(state) !== null || !drive || !state.image || !state.layout) return false;
        if (!transition({ type: 'start' })) return false;
        early = [];
        set({
          ...NOTHING_WRITTEN,
          writeTarget: { drive, image: state.image, layout: state.layout, verify: true },
        });
        try {
          const { jobId } = await api.startWrite({
            imagePath: state.image.path,
            device: drive.device,
            sizing: state.sizing,
            verify: true,
            ...(state.sizing.encryptedHome ? { homePassphrase: state.passphrase } : {}),
          });
          set({ jobId });
          const replay = early.filter((event) => event.jobId === jobId);
          early = [];
          for (const event of replay) {
            if (event.kind === 'progress') get().applyProgress(event.jobId, event.progress);
            else get().finishWrite(event.jobId, event.outcome);
          }
        } catch (error) {
          early = [];
          transition({ type: 'failed' });
          set({ writeError: toWire(error) });
          settle();
        }
        return true;
      },
      applyProgress: (jobId, progress) => {
        const state = get();
        if (state.jobId === null && isActive(state.writeState)) {
          early.push({ kind: 'progress', jobId, progress });
          return true;
        }
        if (jobId !== state.jobId) return false;
        // While cancelling, the last numbers stay on screen; the phase no longer matters.
        if (state.writeState === 'cancelling') return false;
        if (!transition({ type: 'phase', phase: progress.phase })) return false;
        set({ progress });
        return true;
      },
      finishWrite: (jobId, outcome) => {
        const state = get();
        if (state.jobId === null && isActive(state.writeState)) {
          early.push({ kind: 'finished', jobId, outcome });
          return true;
        }
        if (jobId !== state.jobId) return false;
        if (!transition({ type: outcome.status })) return false;
        set(outcomeFields(outcome));
        settle();
        return true;
      },
      cancelWrite: async () => {
        const { jobId } = get();
        if (jobId === null || !transition({ type: 'cancel' })) return false;
        set({ cancelAsked: true });
        try {
          await api.cancelWrite({ jobId });
        } catch {
          // The job had already ended: its writeFinished event says how, and that is shown.
        }
        return true;
      },
      resetWrite: () => {
        const { jobId } = get();
        if (!transition({ type: 'reset' })) return false;
        if (jobId !== null) void api.dismissWrite({ jobId }).catch(() => undefined);
        set({ ...NOTHING_WRITTEN, writeTarget: null });
        settle();
        return true;
      },
      adoptWrite: async () => {
        let info: WriteJobInfo | null;
        try {
          info = await api.currentWrite({});
        } catch {
          return false;
        }
        // This page started its own write meanwhile, or there is nothing to take over.
        if (info === null || get().writeState !== 'idle') return false;
        const { drive, image, layout, verify, sizing } = info;
        set({
          ...NOTHING_WRITTEN,
          writeState: adoptedState(info),
          jobId: info.jobId,
          progress: info.progress,
          cancelAsked: info.cancelling,
          writeTarget: { drive, image, layout, verify },
          ...(info.outcome ? outcomeFields(info.outcome) : {}),
          // The wizard behind the write is the one that started it, ready for another stick.
          step: 'persistence',
          image,
          imageStatus: 'ready',
          imageError: null,
          selectedDevice: drive.device,
          sizing,
          layout,
          planStatus: 'ready',
        });
        return true;
      },
    };
  };
