// SPDX-License-Identifier: GPL-3.0-or-later
import type { StateCreator } from 'zustand/vanilla';
import { toWire, type WireError } from '../../shared/errors';
import type { DriveInfo } from '../../shared/ipc';
import { isActive } from '../../shared/write-state';
import type { AppState } from './app-state';
import type { StoreDeps } from './deps';
import { judgeDrive, visibleDrives } from './drive-rules';

export interface DrivesSlice {
  readonly drives: readonly DriveInfo[];
  readonly drivesLoaded: boolean;
  readonly drivesError: WireError | null;
  readonly showAllDrives: boolean;
  readonly selectedDevice: string | null;
  refreshDrives(): Promise<void>;
  /** A new list from the service (a listDrives answer or a drivesChanged event). */
  receiveDrives(drives: readonly DriveInfo[]): void;
  setShowAllDrives(showAll: boolean): Promise<void>;
  /** Refuses (returns false) a drive that is not listed, hidden or not usable for the image. */
  selectDrive(device: string): boolean;
  /** Drops the selection when it no longer qualifies (new image, drive list changed). */
  revalidateSelection(): void;
}

export const createDrivesSlice =
  ({ api }: StoreDeps): StateCreator<AppState, [], [], DrivesSlice> =>
  (set, get) => {
    const selectable = (state: AppState, device: string): boolean => {
      const drive = visibleDrives(state.drives, state.showAllDrives).find(
        (candidate) => candidate.device === device,
      );
      return drive !== undefined && judgeDrive(drive, state.image).usable;
    };
    return {
      drives: [],
      drivesLoaded: false,
      drivesError: null,
      showAllDrives: false,
      selectedDevice: null,
      refreshDrives: async () => {
        try {
          get().receiveDrives(await api.listDrives({ showAll: get().showAllDrives }));
        } catch (error) {
          set({ drivesLoaded: true, drivesError: toWire(error) });
        }
      },
      receiveDrives: (drives) => {
        set({ drives, drivesLoaded: true, drivesError: null });
        get().revalidateSelection();
      },
      setShowAllDrives: async (showAll) => {
        if (showAll === get().showAllDrives) return;
        set({ showAllDrives: showAll });
        get().revalidateSelection();
        await get().refreshDrives();
      },
      selectDrive: (device) => {
        const state = get();
        if (isActive(state.writeState) || !selectable(state, device)) return false;
        if (state.selectedDevice !== device) {
          set({ selectedDevice: device });
          get().refitSizing();
        }
        return true;
      },
      revalidateSelection: () => {
        const state = get();
        // The write in progress names its drive; the service reports it if the drive vanishes.
        if (isActive(state.writeState) || state.selectedDevice === null) return;
        if (!selectable(state, state.selectedDevice)) {
          set({ selectedDevice: null });
          get().refitSizing();
        }
      },
    };
  };

/** The selected drive's record, if it is still listed. */
export function selectedDrive(state: AppState): DriveInfo | null {
  return state.drives.find((drive) => drive.device === state.selectedDevice) ?? null;
}
