// SPDX-License-Identifier: GPL-3.0-or-later
import { Notification, dialog, powerSaveBlocker, type BrowserWindow } from 'electron';
import { describeError } from '../shared/messages';
import type { EventName, Events } from '../shared/ipc';
import { progressFraction } from '../shared/progress';
import { createService, type DriveAwareService } from './service';

interface MainServiceOptions {
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  getWindow(): BrowserWindow | null;
}

/**
 * The service with Electron's native pieces plugged in: the file dialog, and while a stick is
 * written the taskbar progress, a power-save blocker (a sleeping laptop would cut the write) and
 * a notification at the end, for users who switched to another window.
 */
export function createMainService(options: MainServiceOptions): DriveAwareService & {
  confirmQuit(window: BrowserWindow): boolean;
  attachWindow(window: BrowserWindow): void;
} {
  let blocker: number | null = null;
  const release = (): void => {
    if (blocker !== null && powerSaveBlocker.isStarted(blocker)) powerSaveBlocker.stop(blocker);
    blocker = null;
  };

  const emit = <E extends EventName>(event: E, payload: Events[E]): void => {
    const window = options.getWindow();
    if (event === 'writeProgress') {
      const { progress } = payload as Events['writeProgress'];
      blocker ??= powerSaveBlocker.start('prevent-app-suspension');
      window?.setProgressBar(progressFraction(progress));
    } else if (event === 'writeFinished') {
      const { outcome } = payload as Events['writeFinished'];
      release();
      window?.setProgressBar(-1);
      if (Notification.isSupported()) {
        const body =
          outcome.status === 'succeeded'
            ? 'The stick is ready. You can unplug it now.'
            : outcome.status === 'cancelled'
              ? 'The write was cancelled; the stick must be written again before use.'
              : describeError(outcome.error);
        const title = outcome.status === 'succeeded' ? 'LiveStick: done' : 'LiveStick: not written';
        new Notification({ title, body }).show();
      }
    }
    options.emit(event, payload);
  };

  const service = createService({
    emit,
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
    dispose: () => {
      release();
      service.dispose();
    },
    attachWindow: (window) => {
      // Poll for plugged sticks only while someone can see the list.
      const update = (): void =>
        service.setDrivePolling(window.isVisible() && !window.isMinimized());
      window.on('show', update);
      window.on('hide', update);
      window.on('minimize', update);
      window.on('restore', update);
    },
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
