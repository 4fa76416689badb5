// SPDX-License-Identifier: GPL-3.0-or-later
import {
  EVENT_NAMES,
  METHOD_NAMES,
  RAW_API_GLOBAL,
  type Envelope,
  type EventName,
  type RawApi,
} from '../shared/ipc';
import { SOCKET_PATH, type ClientMessage, type ServerMessage } from './protocol';

/**
 * Stands in for the preload when the renderer runs in a plain browser: the same RawApi, carried
 * over a WebSocket to the bridge server, which runs the same service main runs. The socket is
 * admitted by the HttpOnly session cookie the bridge set with the page; this script never sees
 * the secret.
 */
const socketUrl = new URL(SOCKET_PATH, window.location.href);
socketUrl.protocol = socketUrl.protocol === 'https:' ? 'wss:' : 'ws:';

const socket = new WebSocket(socketUrl);
const opened = new Promise<void>((resolve, reject) => {
  socket.addEventListener('open', () => resolve(), { once: true });
  socket.addEventListener('error', () => reject(new Error('bridge connection failed')), {
    once: true,
  });
});
const pending = new Map<number, (envelope: Envelope<unknown>) => void>();
const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
let nextId = 1;

socket.addEventListener('message', (message) => {
  const data = JSON.parse(String(message.data)) as ServerMessage;
  if ('id' in data) {
    pending.get(data.id)?.(data.envelope);
    pending.delete(data.id);
  } else {
    listeners.get(data.event)?.forEach((listener) => listener(data.payload));
  }
});
socket.addEventListener('close', () => {
  for (const resolve of pending.values()) {
    resolve({ ok: false, error: { code: 'INTERNAL', message: 'The bridge connection closed.' } });
  }
  pending.clear();
});

async function call(method: string, payload: unknown): Promise<Envelope<unknown>> {
  await opened;
  const id = nextId++;
  const message: ClientMessage = { id, method, payload };
  return new Promise((resolve) => {
    pending.set(id, resolve);
    socket.send(JSON.stringify(message));
  });
}

const methods = Object.fromEntries(
  METHOD_NAMES.map((method) => [method, (payload: unknown) => call(method, payload)]),
);

const api = {
  ...methods,
  on(event: EventName, listener: (payload: never) => void) {
    if (!EVENT_NAMES.includes(event)) throw new Error(`unknown event ${String(event)}`);
    const set = listeners.get(event) ?? new Set();
    set.add(listener as (payload: unknown) => void);
    listeners.set(event, set);
    return () => set.delete(listener as (payload: unknown) => void);
  },
} as unknown as RawApi;

(window as unknown as Record<string, RawApi>)[RAW_API_GLOBAL] = api;
