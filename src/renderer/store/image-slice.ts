// SPDX-License-Identifier: GPL-3.0-or-later
import type { StateCreator } from 'zustand/vanilla';
import { toWire, type WireError } from '../../shared/errors';
import type { ImageSummary } from '../../shared/ipc';
import { isActive } from '../../shared/write-state';
import type { AppState } from './app-state';
import type { StoreDeps } from './deps';

export type ImageStatus = 'empty' | 'opening' | 'ready' | 'failed';

/** How a click on "Choose ISO file…" ended; `no-dialog`: type the path instead (a browser). */
export type ChooseResult = 'opened' | 'failed' | 'cancelled' | 'no-dialog';

export interface ImageSlice {
  /** The image in use; a failed attempt to open another one leaves it in place. */
  readonly image: ImageSummary | null;
  readonly imageStatus: ImageStatus;
  readonly imageError: WireError | null;
  /** The path whose opening failed, so the error can name it. */
  readonly imageErrorPath: string | null;
  /** Learned from the first "Choose ISO file…": there is no file dialog here, paths are typed. */
  readonly noFileDialog: boolean;
  /** Opens the native file dialog, then the chosen file. */
  chooseImage(): Promise<ChooseResult>;
  openImage(path: string): Promise<boolean>;
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
      imageErrorPath: null,
      noFileDialog: false,
      chooseImage: async () => {
        if (isActive(get().writeState)) return 'cancelled';
        try {
          const choice = await api.chooseImage({});
          if (choice.kind === 'no-dialog') set({ noFileDialog: true });
          if (choice.kind !== 'chosen') return choice.kind;
          return (await get().openImage(choice.path)) ? 'opened' : 'failed';
        } catch (error) {
          set({ imageStatus: 'failed', imageError: toWire(error), imageErrorPath: null });
          return 'failed';
        }
      },
      openImage: async (path) => {
        if (isActive(get().writeState)) return false;
        const seq = ++openSeq;
        set({ imageStatus: 'opening', imageError: null, imageErrorPath: null });
        try {
          const image = await api.openImage({ path });
          if (seq !== openSeq) return false;
          set({ image, imageStatus: 'ready' });
          get().refitSizing();
          get().revalidateSelection();
          return true;
        } catch (error) {
          if (seq !== openSeq) return false;
          // The image that worked stays chosen; only the failed attempt is reported.
          set({
            imageStatus: get().image ? 'ready' : 'failed',
            imageError: toWire(error),
            imageErrorPath: path,
          });
          return false;
        }
      },
    };
  };
