// SPDX-License-Identifier: GPL-3.0-or-later
import type { StateCreator } from 'zustand/vanilla';
import { toWire, type WireError } from '../../shared/errors';
import type { DriveInfo, LayoutSummary, WriteOutcome } from '../../shared/ipc';
import type { Progress } from '../../shared/progress';
import { isActive, nextWriteState, type WriteState } from '../../shared/write-state';
import type { AppState } from './app-state';
import type { StoreDeps } from './deps';
import { selectedDrive } from './drives-slice';
import { writeBlocker } from './steps';

/** What the done screen describes: fixed when the write starts, so later choices cannot alter it. */
export interface WrittenTarget {
  readonly drive: DriveInfo;
  readonly layout: LayoutSummary;
}

export interface WriteSlice {
  readonly writeState: WriteState;
  readonly jobId: string | null;
  readonly progress: Progress | null;
  readonly writeError: WireError | null;
  readonly writeSummary: readonly string[];
  readonly writeTarget: WrittenTarget | null;
  /** Starts the write the user confirmed; refused unless everything is ready (see writeBlocker). */
  startWrite(): Promise<boolean>;
  applyProgress(jobId: string, progress: Progress): boolean;
  finishWrite(jobId: string, outcome: WriteOutcome): boolean;
  cancelWrite(): Promise<boolean>;
  /** Back to idle after a finished write (not while one runs). */
  resetWrite(): boolean;
}

type PendingEvent =
  | { readonly kind: 'progress'; readonly jobId: string; readonly progress: Progress }
  | { readonly kind: 'finished'; readonly jobId: string; readonly outcome: WriteOutcome };

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

    return {
      writeState: 'idle',
      jobId: null,
      progress: null,
      writeError: null,
      writeSummary: [],
      writeTarget: null,
      startWrite: async () => {
        const state = get();
        const drive = selectedDrive(state);
        if (writeBlocker(state) !== null || !drive || !state.image || !state.layout) return false;
        if (!transition({ type: 'start' })) return false;
        early = [];
        set({
          jobId: null,
          progress: null,
          writeError: null,
          writeSummary: [],
          writeTarget: { drive, layout: state.layout },
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
        if (outcome.status === 'succeeded') set({ writeSummary: outcome.summary });
        if (outcome.status === 'failed') set({ writeError: outcome.error });
        settle();
        return true;
      },
      cancelWrite: async () => {
        const { jobId } = get();
        if (jobId === null || !transition({ type: 'cancel' })) return false;
        try {
          await api.cancelWrite({ jobId });
        } catch (error) {
          // The job goes on (or already ended); its writeFinished event settles the state.
          set({ writeError: toWire(error) });
        }
        return true;
      },
      resetWrite: () => {
        if (!transition({ type: 'reset' })) return false;
        set({ jobId: null, progress: null, writeError: null, writeSummary: [], writeTarget: null });
        settle();
        return true;
      },
    };
  };
