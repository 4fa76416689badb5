// SPDX-License-Identifier: GPL-3.0-or-later
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventName, Events } from '../shared/ipc';
import { dispatch, isMethodName } from '../main/dispatch';
import type { Service } from '../main/service';
import {
  SESSION_COOKIE,
  SHIM_PATH,
  SOCKET_PATH,
  type ClientMessage,
  type ServerMessage,
} from './protocol';

/**
 * Serves the built renderer to a plain browser and runs main's service behind a WebSocket, so
 * the real wizard can be used and tested without Electron. The service can erase disks, so the
 * bridge answers only its own page:
 *
 * - it listens on 127.0.0.1 only;
 * - every request and the WebSocket upgrade must name exactly `127.0.0.1:<port>` as Host (a
 *   DNS-rebinding page reaches the port under its own host name) and, where the browser says
 *   where a request comes from (Origin, Sec-Fetch-Site), that it comes from this origin;
 * - the WebSocket also needs the session cookie, set HttpOnly with the page, so no script (not
 *   even the page's own) and no other origin can read the secret.
 */
export interface BridgeOptions {
  readonly rendererDir: string;
  readonly shimFile: string;
  readonly port?: number;
  readonly createService: (
    emit: <E extends EventName>(event: E, payload: Events[E]) => void,
  ) => Service;
}

export interface Bridge {
  readonly url: string;
  readonly service: Service;
  close(): Promise<void>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** The policy Electron's main applies to the window, plus a ban on being framed. */
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

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** Why a request is refused, or null when it comes from the bridge's own page. */
export function foreignRequest(
  headers: IncomingHttpHeaders,
  own: { readonly host: string; readonly origin: string },
  options: { readonly originRequired: boolean },
): string | null {
  if (headers.host !== own.host) return `Host ${headers.host ?? '(none)'} is not ${own.host}`;
  const origin = headers.origin;
  if (origin === undefined ? options.originRequired : origin !== own.origin) {
    return `Origin ${origin ?? '(none)'} is not ${own.origin}`;
  }
  // Browsers mark requests another site's page made (an <img>, a <script>, a form) even where
  // they send no Origin; a person typing the address sends "none".
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `a request from another site (${String(site)})`;
  }
  return null;
}

function sessionCookieOf(headers: IncomingHttpHeaders): string | null {
  for (const part of (headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=');
  }
  return null;
}

function sameSecret(presented: string | null, secret: string): boolean {
  if (presented === null) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

function refuseUpgrade(socket: Duplex): void {
  socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  socket.destroy();
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const secret = randomBytes(24).toString('hex');
  const sockets = new Set<WebSocket>();
  const send = (socket: WebSocket, message: ServerMessage): void =>
    socket.send(JSON.stringify(message));
  const service = options.createService((event, payload) => {
    for (const socket of sockets) send(socket, { event, payload });
  });
  // Known once the server listens; no request can arrive before.
  let own = { host: '', origin: '' };

  const serve = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (foreignRequest(request.headers, own, { originRequired: false }) !== null) {
      response.writeHead(403, SECURITY_HEADERS).end();
      return;
    }
    const url = new URL(request.url ?? '/', own.origin);
    if (url.pathname === SHIM_PATH) {
      response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': CONTENT_TYPES['.js']! });
      response.end(await readFile(options.shimFile));
      return;
    }
    const relative =
      url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(options.rendererDir, relative);
    if (!file.startsWith(path.resolve(options.rendererDir) + path.sep)) {
      response.writeHead(403, SECURITY_HEADERS).end();
      return;
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      response.writeHead(404, SECURITY_HEADERS).end();
      return;
    }
    const headers: Record<string, string> = {
      ...SECURITY_HEADERS,
      'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    };
    if (relative === 'index.html') {
      // The shim must define the API before the app's module script runs.
      const tag = `<script src="${SHIM_PATH}"></script>`;
      body = Buffer.from(body.toString('utf8').replace('<script', `${tag}\n    <script`));
      headers['Set-Cookie'] =
        `${SESSION_COOKIE}=${secret}; HttpOnly; SameSite=Strict; Path=${SOCKET_PATH}`;
    }
    response.writeHead(200, headers);
    response.end(body);
  };

  const server = createServer((request, response) => {
    serve(request, response).catch(() => response.writeHead(500).end());
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', own.origin);
    if (
      url.pathname !== SOCKET_PATH ||
      foreignRequest(request.headers, own, { originRequired: true }) !== null ||
      !sameSecret(sessionCookieOf(request.headers), secret)
    ) {
      refuseUpgrade(socket);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        let message: ClientMessage;
        try {
          message = JSON.parse(String(data)) as ClientMessage;
        } catch {
          return;
        }
        if (!isMethodName(message.method)) {
          send(ws, {
            id: message.id,
            envelope: { ok: false, error: { code: 'INTERNAL', message: 'Unknown method.' } },
          });
          return;
        }
        void dispatch(service.handlers, message.method, message.payload).then((envelope) =>
          send(ws, { id: message.id, envelope }),
        );
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  own = { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` };
  return {
    url: `${own.origin}/`,
    service,
    close: async () => {
      service.dispose();
      for (const socket of sockets) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
