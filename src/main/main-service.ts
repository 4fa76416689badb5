// SPDX-License-Identifier: GPL-3.0-or-later
import { Notification, dialog, powerSaveBlocker, type BrowserWindow } from 'electron';
import type { EventName, Events, WriteOutcome } from '../shared/ipc';
import { progressFraction } from '../shared/progress';
import { createService, type DriveAwareService } from './service';

interface MainServiceOptions {
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  getWindow(): BrowserWindow | null;
}

const CANCELLED_BODY: Readonly<Record<'unchanged' | 'incomplete' | 'unverified', string>> = {
  unchanged: 'Nothing had been written yet: the stick is as it was.',
  incomplete:
    'The stick was partly written and will not start a computer until it is written again.',
  unverified: 'Everything was written, but not checked: write it again to be sure.',
};

/** The desktop notification for users who switched to another window meanwhile. */
function finishedNotification(outcome: WriteOutcome): { title: string; body: string } {
  switch (outcome.status) {
    case 'succeeded':
      return {
        title: 'LiveStick: done',
        body: outcome.stick.verified
          ? 'The stick is written and verified. You can unplug it now.'
          : 'The stick is written. You can unplug it now.',
      };
    case 'cancelled':
      return { title: 'LiveStick: cancelled', body: CANCELLED_BODY[outcome.stick] };
    case 'failed':
      // The window words the error (src/renderer/i18n/errors.ts); one place says it.
      return {
        title: 'LiveStick: not written',
        body: 'The stick could not be written. LiveStick’s window says why and what to do.',
      };
  }
}

/**
 * The service with Electron's native pieces plugged in: the file dialog, and while a stick is
 * written the taskbar progress, a power-save blocker (a sleeping laptop would cut the write) and
 * a notification at the end, for users who switched to another window.
 */
export function createMainService(options: MainServiceOptions): DriveAwareService & {
  confirmQuit(window: BrowserWindow): boolean;
  confirmReload(window: BrowserWindow): boolean;
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
        const { title, body } = finishedNotification(outcome);
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
        buttons: ['Keep writing', 'Stop writing and quit'],
        defaultId: 0,
        cancelId: 0,
        message: 'A stick is being written.',
        detail:
          'Quitting stops the write. A partly written stick does not start a computer until it is written again.',
      });
      return choice === 1;
    },
    confirmReload: (window) => {
      if (!service.isBusy()) return true;
      const choice = dialog.showMessageBoxSync(window, {
        type: 'question',
        buttons: ['Keep the window', 'Reload'],
        defaultId: 0,
        cancelId: 0,
        message: 'A stick is being written.',
        detail: 'The write goes on while the window reloads, and the window shows it again.',
      });
      return choice === 1;
    },
  };
}
