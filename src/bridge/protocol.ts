// SPDX-License-Identifier: GPL-3.0-or-later
import type { Envelope, EventName } from '../shared/ipc';

/** Messages between the page's shim and the bridge server, over one WebSocket. */
export type ClientMessage = {
  readonly id: number;
  readonly method: string;
  readonly payload: unknown;
};
export type ServerMessage =
  | { readonly id: number; readonly envelope: Envelope<unknown> }
  | { readonly event: EventName; readonly payload: unknown };

export const BRIDGE_PREFIX = '/__bridge/';
export const SHIM_PATH = `${BRIDGE_PREFIX}shim.js`;
export const SOCKET_PATH = `${BRIDGE_PREFIX}socket`;
/** The HttpOnly cookie that carries the bridge's session secret to the WebSocket upgrade. */
export const SESSION_COOKIE = 'livestick-session';
