// SPDX-License-Identifier: GPL-3.0-or-later
import type { StateCreator } from 'zustand/vanilla';
import { toWire, type WireError } from '../../shared/errors';
import type { ImageSummary } from '../../shared/ipc';
import { isActive } from '../../shared/write-state';
import type { AppState } from './app-state';
import type { StoreDeps } from './deps';

export type ImageStatus = 'empty' | 'opening' | 'ready' | 'failed';

export interface ImageSlice {
  readonly image: ImageSummary | null;
  readonly imageStatus: ImageStatus;
  readonly imageError: WireError | null;
  /** Opens the native file dialog (or the bridge's stand-in), then the chosen file. */
  chooseImage(): Promise<void>;
  openImage(path: string): Promise<void>;
}

export const createImageSlice =
  ({ api }: StoreDeps): StateCreator<AppState, [], [], ImageSlice> =>
  (set, get) => {
    // Only the newest open may land: a slow read of an earlier choice must not overwrite it.
    let openSeq = 0;
    return {
      image: null,
      imageStatus: 'empty',
      imageError: null,
      chooseImage: async () => {
        if (isActive(get().writeState)) return;
        let path: string | null;
        try {
          path = await api.chooseImage({});
        } catch (error) {
          set({ imageStatus: 'failed', imageError: toWire(error) });
          return;
        }
        if (path) await get().openImage(path);
      },
      openImage: async (path) => {
        if (isActive(get().writeState)) return;
        const seq = ++openSeq;
        set({ imageStatus: 'opening', imageError: null });
        try {
          const image = await api.openImage({ path });
          if (seq !== openSeq) return;
          set({ image, imageStatus: 'ready' });
          get().resetSizing();
          get().revalidateSelection();
        } catch (error) {
          if (seq !== openSeq) return;
          set({ image: null, imageStatus: 'failed', imageError: toWire(error) });
          get().resetSizing();
        }
      },
    };
  };
