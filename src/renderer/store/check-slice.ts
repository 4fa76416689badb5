// SPDX-License-Identifier: GPL-3.0-or-later
import type { StateCreator } from 'zustand/vanilla';
import { toWire, type WireError } from '../../shared/errors';
import type { InspectReport, MaintenanceResult, Request } from '../../shared/ipc';
import { isActive } from '../../shared/write-state';
import type { AppState } from './app-state';
import type { StoreDeps } from './deps';

export interface CheckSlice {
  readonly checkDevice: string | null;
  readonly checkStatus: 'idle' | 'inspecting' | 'ready' | 'failed';
  readonly checkReport: InspectReport | null;
  readonly checkError: WireError | null;
  readonly maintainStatus: 'idle' | 'working' | 'done' | 'failed';
  readonly maintainResult: MaintenanceResult | null;
  readonly maintainError: WireError | null;
  chooseCheckDevice(device: string | null): void;
  inspectStick(): Promise<void>;
  /** Runs a confirmed maintenance action on the checked stick, then reads it again. */
  maintainStick(options: Omit<Request<'maintain'>, 'device'>): Promise<boolean>;
}

/** What a newly chosen device starts with: no report, no maintenance outcome. */
const NOTHING_CHECKED = {
  checkStatus: 'idle',
  checkReport: null,
  checkError: null,
  maintainStatus: 'idle',
  maintainResult: null,
  maintainError: null,
} as const;

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
        const { checkDevice: device, checkStatus, maintainStatus, writeState } = get();
        // Only a stick that was read (so the user saw what it holds) may be changed.
        if (device === null || checkStatus !== 'ready' || maintainStatus === 'working')
          return false;
        if (isActive(writeState)) return false;
        set({ maintainStatus: 'working', maintainResult: null, maintainError: null });
        try {
          const result = await api.maintain({ device, ...options });
          set({ maintainStatus: 'done', maintainResult: result });
        } catch (error) {
          set({ maintainStatus: 'failed', maintainError: toWire(error) });
        }
        // A restored drive is no LiveStick any more: there is nothing left to read back.
        if (options.action === 'restore' && get().maintainStatus === 'done') {
          set({ checkStatus: 'idle', checkReport: null });
        } else {
          await get().inspectStick();
        }
        return true;
      },
    };
  };
