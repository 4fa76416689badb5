// SPDX-License-Identifier: GPL-3.0-or-later
import type { StateCreator } from 'zustand/vanilla';
import { toWire, type WireError } from '../../shared/errors';
import type { InspectReport, Request } from '../../shared/ipc';
import { isActive } from '../../shared/write-state';
import type { AppState } from './app-state';
import type { StoreDeps } from './deps';

export type MaintenanceRequest = Omit<Request<'maintain'>, 'device'>;

export interface CheckSlice {
  readonly checkDevice: string | null;
  readonly checkStatus: 'idle' | 'inspecting' | 'ready' | 'failed';
  readonly checkReport: InspectReport | null;
  readonly checkError: WireError | null;
  readonly maintainStatus: 'idle' | 'working' | 'done' | 'failed';
  /** The last action asked for: the screen words its outcome from it, not from the engine. */
  readonly maintainRequest: MaintenanceRequest | null;
  readonly maintainError: WireError | null;
  chooseCheckDevice(device: string | null): void;
  inspectStick(): Promise<void>;
  /** Runs a confirmed maintenance action on the checked stick, then reads it again. */
  maintainStick(options: MaintenanceRequest): Promise<boolean>;
}

/** What a newly chosen device starts with: no report, no maintenance outcome. */
const NOTHING_CHECKED = {
  checkStatus: 'idle',
  checkReport: null,
  checkError: null,
  maintainStatus: 'idle',
  maintainRequest: null,
  maintainError: null,
} as const;

/** A report of a drive that holds no live system: an ordinary drive, nothing to maintain. */
export function isLiveStick(report: InspectReport): boolean {
  return report.kernelArgs.length > 0 || report.overlay !== null || report.home !== null;
}

/**
 * Restoring to an ordinary drive is offered for a LiveStick and for a drive nothing can be read
 * from (an interrupted write leaves one); an ordinary drive that reads fine is left alone.
 */
export function canRestore(state: Pick<AppState, 'checkStatus' | 'checkReport' | 'checkError'>) {
  if (state.checkStatus === 'ready' && state.checkReport) return isLiveStick(state.checkReport);
  return (
    state.checkStatus === 'failed' &&
    (state.checkError?.code === 'NOT_LIVEOS' || state.checkError?.code === 'SOURCE_CORRUPT')
  );
}

export const createCheckSlice =
  ({ api }: StoreDeps): StateCreator<AppState, [], [], CheckSlice> =>
  (set, get) => {
    let inspectSeq = 0;
    return {
      checkDevice: null,
      ...NOTHING_CHECKED,
      chooseCheckDevice: (device) => {
        inspectSeq++;
        set({ checkDevice: device, ...NOTHING_CHECKED });
      },
      inspectStick: async () => {
        const device = get().checkDevice;
        // Reading a stick while it is written would show half-written numbers.
        if (device === null || isActive(get().writeState)) return;
        const seq = ++inspectSeq;
        set({ checkStatus: 'inspecting', checkError: null });
        try {
          const report = await api.inspect({ device });
          if (seq === inspectSeq) set({ checkStatus: 'ready', checkReport: report });
        } catch (error) {
          if (seq === inspectSeq) {
            set({ checkStatus: 'failed', checkReport: null, checkError: toWire(error) });
          }
        }
      },
      maintainStick: async (options) => {
        const state = get();
        const { checkDevice: device, maintainStatus, writeState } = state;
        // Only a stick that was read (so the user saw what it holds) may be changed.
        if (device === null || maintainStatus === 'working' || isActive(writeState)) return false;
        const allowed =
          options.action === 'restore'
            ? canRestore(state)
            : state.checkStatus === 'ready' &&
              state.checkReport !== null &&
              isLiveStick(state.checkReport);
        if (!allowed) return false;
        set({ maintainStatus: 'working', maintainRequest: options, maintainError: null });
        try {
          await api.maintain({ device, ...options });
          set({ maintainStatus: 'done' });
        } catch (error) {
          set({ maintainStatus: 'failed', maintainError: toWire(error) });
        }
        await get().inspectStick();
        return true;
      },
    };
  };
