// SPDX-License-Identifier: GPL-3.0-or-later
import path from 'node:path';
import { app, BrowserWindow, ipcMain, session, shell, type WebContents } from 'electron';
import {
  METHOD_NAMES,
  eventChannel,
  invokeChannel,
  type EventName,
  type Events,
} from '../shared/ipc';
import { dispatch } from './dispatch';
import { createMainService } from './main-service';

/**
 * Electron glue only: the window, its security settings and the IPC registration. Everything
 * the service does lives in Electron-free modules so the browser bridge and tests run it too.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

let mainWindow: BrowserWindow | null = null;

function rendererEntry(): string {
  return path.join(__dirname, '..', 'renderer', 'index.html');
}

function isOurRenderer(contents: WebContents): boolean {
  return mainWindow !== null && contents.id === mainWindow.webContents.id;
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 980,
    height: 720,
    minWidth: 760,
    minHeight: 560,
    title: 'LiveStick',
    // Linux and Windows show it in the title bar and task switcher; macOS takes the bundle's.
    icon: path.join(__dirname, '..', 'icon.png'),
    show: false,
    webPreferences: {
      preload: path.join(__dirname, '..', 'preload', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  // The app never navigates: block every navigation and window.open; open https links outside.
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  void window.loadFile(rendererEntry());
  return window;
}

function emit<E extends EventName>(event: E, payload: Events[E]): void {
  mainWindow?.webContents.send(eventChannel(event), payload);
}

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
      },
    });
  });
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) =>
    callback(false),
  );

  const service = createMainService({ emit, getWindow: () => mainWindow });
  for (const method of METHOD_NAMES) {
    ipcMain.handle(invokeChannel(method), (event, payload: unknown) => {
      if (
        !isOurRenderer(event.sender) ||
        !event.senderFrame ||
        event.senderFrame !== event.sender.mainFrame
      ) {
        return {
          ok: false,
          error: { code: 'INTERNAL', message: 'IPC from an unknown sender was refused.' },
        };
      }
      return dispatch(service.handlers, method, payload);
    });
  }

  mainWindow = createWindow();
  service.attachWindow(mainWindow);
  // The page holds a beforeunload while a write runs (the write itself lives here in main).
  // Closing the window quits and so stops the write: asked in 'close', which comes first.
  // A reload (Ctrl+R, View → Reload) keeps the write going: asked in 'will-prevent-unload'.
  let closeConfirmed = false;
  mainWindow.on('close', (event) => {
    if (service.confirmQuit(mainWindow!)) {
      closeConfirmed = true;
      return;
    }
    event.preventDefault();
  });
  mainWindow.webContents.on('will-prevent-unload', (event) => {
    // preventDefault here overrides the page's objection and lets the unload happen.
    if (closeConfirmed || (mainWindow && service.confirmReload(mainWindow))) {
      event.preventDefault();
    }
  });
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
  app.on('before-quit', () => service.dispose());
});

app.on('window-all-closed', () => app.quit());
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});
