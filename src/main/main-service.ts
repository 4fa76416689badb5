// SPDX-License-Identifier: GPL-3.0-or-later
import { dialog, type BrowserWindow } from 'electron';
import type { EventName, Events } from '../shared/ipc';
import { createService, type Service } from './service';

interface MainServiceOptions {
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  getWindow(): BrowserWindow | null;
}

/** The service with Electron's native pieces plugged in. */
export function createMainService(options: MainServiceOptions): Service & {
  confirmQuit(window: BrowserWindow): boolean;
} {
  const service = createService({
    emit: options.emit,
    chooseImageFile: async () => {
      const window = options.getWindow();
      const dialogOptions: Electron.OpenDialogOptions = {
        title: 'Choose a Fedora live image',
        properties: ['openFile'],
        filters: [{ name: 'ISO images', extensions: ['iso'] }],
      };
      const result = window
        ? await dialog.showOpenDialog(window, dialogOptions)
        : await dialog.showOpenDialog(dialogOptions);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
  });
  return {
    ...service,
    confirmQuit: (window) => {
      if (!service.isBusy()) return true;
      const choice = dialog.showMessageBoxSync(window, {
        type: 'warning',
        buttons: ['Keep writing', 'Quit and leave the stick unusable'],
        defaultId: 0,
        cancelId: 0,
        message: 'A stick is being written.',
        detail: 'Quitting now stops the write; the stick will have to be written again.',
      });
      return choice === 1;
    },
  };
}
