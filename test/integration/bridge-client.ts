// SPDX-License-Identifier: GPL-3.0-or-later
import { request } from 'node:http';
import { WebSocket } from 'ws';
import { SOCKET_PATH } from '../../src/bridge/protocol';

/** A raw HTTP GET with the headers a test chooses (fetch forbids setting Host). */
export function rawGet(
  url: string,
  headers: Readonly<Record<string, string>> = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** The session cookie the bridge sets with its page, as a Cookie header value. */
export async function sessionCookie(bridgeUrl: string): Promise<string> {
  const page = await rawGet(bridgeUrl);
  const setCookie = page.headers['set-cookie'];
  const cookie = (Array.isArray(setCookie) ? setCookie[0] : setCookie)?.split(';')[0];
  if (!cookie) throw new Error('the bridge set no session cookie with its page');
  return cookie;
}

/**
 * Connects to the bridge's WebSocket as its page would: with the page's origin and the cookie.
 * `override` replaces headers to play a foreign page; resolves with the open socket or rejects
 * with the status the upgrade was refused with.
 */
export async function openBridgeSocket(
  bridgeUrl: string,
  override: Readonly<Record<string, string>> = {},
): Promise<WebSocket> {
  const origin = new URL(bridgeUrl).origin;
  const url = new URL(SOCKET_PATH, bridgeUrl);
  url.protocol = 'ws:';
  const socket = new WebSocket(url, {
    headers: { Origin: origin, Cookie: await sessionCookie(bridgeUrl), ...override },
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`upgrade refused with ${response.statusCode}`)),
    );
    socket.once('error', reject);
  });
}
