// SPDX-License-Identifier: GPL-3.0-or-later
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AppState } from './app-state';
import { createCheckSlice } from './check-slice';
import type { StoreDeps } from './deps';
import { createDrivesSlice } from './drives-slice';
import { createImageSlice } from './image-slice';
import { createSizingSlice } from './sizing-slice';
import { createUiSlice } from './ui-slice';
import { createWriteSlice } from './write-slice';

export type AppStore = StoreApi<AppState>;

/**
 * The one store of the wizard. Nothing is persisted: the only secret (the home passphrase) lives
 * here in memory and is cleared when a write ends.
 */
export function createAppStore(deps: StoreDeps): AppStore {
  return createStore<AppState>()((...args) => ({
    ...createImageSlice(deps)(...args),
    ...createDrivesSlice(deps)(...args),
    ...createSizingSlice(deps)(...args),
    ...createWriteSlice(deps)(...args),
    ...createUiSlice(...args),
    ...createCheckSlice(deps)(...args),
  }));
}
