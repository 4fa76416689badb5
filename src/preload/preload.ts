// SPDX-License-Identifier: GPL-3.0-or-later
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import {
  EVENT_NAMES,
  METHOD_NAMES,
  RAW_API_GLOBAL,
  eventChannel,
  invokeChannel,
  type EventName,
  type Events,
  type RawApi,
} from '../shared/ipc';

/**
 * The renderer's only door: one function per service method and `on` for the declared events.
 * Built from the shared tables, so nothing else of ipcRenderer is reachable from the page.
 */
const methods = Object.fromEntries(
  METHOD_NAMES.map((method) => [
    method,
    (request: unknown) => ipcRenderer.invoke(invokeChannel(method), request),
  ]),
);

function on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
  if (!EVENT_NAMES.includes(event)) throw new Error(`unknown event ${String(event)}`);
  const channel = eventChannel(event);
  const wrapped = (_event: unknown, payload: Events[E]): void => listener(payload);
  ipcRenderer.on(channel, wrapped);
  return () => ipcRenderer.removeListener(channel, wrapped);
}

// A dropped file's path is known only here; the page gets the path string and nothing else.
const pathForFile = (file: File): string => webUtils.getPathForFile(file);

contextBridge.exposeInMainWorld(RAW_API_GLOBAL, {
  ...methods,
  on,
  pathForFile,
} as unknown as RawApi);
