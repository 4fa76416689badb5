// SPDX-License-Identifier: GPL-3.0-or-later
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventName, Events } from '../shared/ipc';
import { dispatch, isMethodName } from '../main/dispatch';
import type { Service } from '../main/service';
import { SHIM_PATH, SOCKET_PATH, type ClientMessage, type ServerMessage } from './protocol';

/**
 * Serves the built renderer to a plain browser and runs main's service behind a WebSocket, so
 * the real wizard can be used and tested without Electron. Listens on loopback only, and the
 * socket accepts only pages that carry the token this process injected.
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

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const token = randomBytes(24).toString('hex');
  const sockets = new Set<WebSocket>();
  const send = (socket: WebSocket, message: ServerMessage): void =>
    socket.send(JSON.stringify(message));
  const service = options.createService((event, payload) => {
    for (const socket of sockets) send(socket, { event, payload });
  });

  const serve = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === SHIM_PATH) {
      response.writeHead(200, { 'Content-Type': CONTENT_TYPES['.js']! });
      response.end(await readFile(options.shimFile));
      return;
    }
    const relative =
      url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(options.rendererDir, relative);
    if (!file.startsWith(path.resolve(options.rendererDir) + path.sep)) {
      response.writeHead(403).end();
      return;
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      response.writeHead(404).end();
      return;
    }
    if (relative === 'index.html') {
      // The shim must define the API before the app's module script runs.
      const tag = `<script src="${SHIM_PATH}?token=${token}"></script>`;
      body = Buffer.from(body.toString('utf8').replace('<script', `${tag}\n    <script`));
    }
    response.writeHead(200, {
      'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-store',
    });
    response.end(body);
  };

  const server = createServer((request, response) => {
    serve(request, response).catch(() => response.writeHead(500).end());
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== SOCKET_PATH || url.searchParams.get('token') !== token) {
      socket.destroy();
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
  return {
    url: `http://127.0.0.1:${port}/`,
    service,
    close: async () => {
      service.dispose();
      for (const socket of sockets) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
