// SPDX-License-Identifier: GPL-3.0-or-later
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { AppState } from '../store/app-state';
import type { AppStore } from '../store/store';

const StoreContext = createContext<AppStore | null>(null);

export function StoreProvider({ store, children }: { store: AppStore; children: ReactNode }) {
  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}

/** Reads the store through a narrow selector; wrap object-returning selectors in useShallow. */
export function useApp<T>(selector: (state: AppState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp needs a StoreProvider above it.');
  return useStore(store, selector);
}

/**
 * The named fields of the store as one object; the component re-renders only when one of them
 * changes.
 */
export function useAppFields<K extends keyof AppState>(...keys: K[]): Pick<AppState, K> {
  return useApp(
    useShallow(
      (state) => Object.fromEntries(keys.map((key) => [key, state[key]])) as Pick<AppState, K>,
    ),
  );
}
