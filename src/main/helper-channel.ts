// SPDX-License-Identifier: GPL-3.0-or-later
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ARG_SOCKET,
  ARG_TOKEN_FILE,
  LineDecoder,
  encodeMessage,
  helperMessageSchema,
  type HelperMessage,
  type ParentMessage,
} from '../helper/protocol';

/**
 * Main's end of the helper channel. Main listens and the helper connects, because an elevated
 * process started through pkexec, osascript or UAC inherits no pipes from us. The socket sits in
 * a fresh 0700 directory (Windows: a pipe with a random name), and the first line a client sends
 * must carry the token from the 0600 file beside it; anyone else is disconnected. The token is
 * single-use: the file is deleted and the server stops listening once the helper is in.
 */
export interface HelperConnection {
  send(message: ParentMessage): void;
  /** Messages after the hello, in order; the error is a protocol violation by the helper. */
  onMessage(listener: (message: HelperMessage) => void): void;
  onClose(listener: (protocolError: string | null) => void): void;
  close(): void;
}

export interface HelperChannel {
  readonly dir: string;
  /** The helper's command-line arguments that point it at this channel. */
  readonly helperArgs: readonly string[];
  /** Resolves with the authenticated helper; rejects when aborted. */
  accept(signal: AbortSignal): Promise<HelperConnection>;
  close(): Promise<void>;
}

const TOKEN_BYTES = 32;
/** How long a client has to present the token before it is dropped. */
const HELLO_TIMEOUT_MS = 5_000;

export async function openHelperChannel(platform = process.platform): Promise<HelperChannel> {
  const dir = await mkdtemp(path.join(tmpdir(), 'livestick-'));
  await chmod(dir, 0o700);
  const token = randomBytes(TOKEN_BYTES).toString('hex');
  const tokenFile = path.join(dir, 'token');
  await writeFile(tokenFile, token, { mode: 0o600, flag: 'wx' });
  const address =
    platform === 'win32'
      ? `\\\\.\\pipe\\livestick-${randomBytes(16).toString('hex')}`
      : path.join(dir, 'helper.sock');
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    dir,
    helperArgs: [ARG_SOCKET, address, ARG_TOKEN_FILE, tokenFile],
    accept: (signal) => acceptHelper(server, token, tokenFile, signal),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function tokenMatches(expected: string, presented: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

function acceptHelper(
  server: Server,
  token: string,
  tokenFile: string,
  signal: AbortSignal,
): Promise<HelperConnection> {
  return new Promise((resolve, reject) => {
    const pending = new Set<Socket>();
    const stop = (): void => {
      server.off('connection', onConnection);
      signal.removeEventListener('abort', onAbort);
      for (const socket of pending) socket.destroy();
    };
    const onAbort = (): void => {
      stop();
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    const onConnection = (socket: Socket): void => {
      pending.add(socket);
      const decoder = new LineDecoder(helperMessageSchema);
      const timer = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS);
      socket.setEncoding('utf8');
      const onData = (chunk: string): void => {
        let messages: HelperMessage[];
        try {
          messages = decoder.push(chunk);
        } catch {
          socket.destroy();
          return;
        }
        const [hello, ...rest] = messages;
        if (!hello) return;
        clearTimeout(timer);
        socket.off('data', onData);
        pending.delete(socket);
        if (hello.type !== 'hello' || !tokenMatches(token, hello.token)) {
          socket.destroy();
          return;
        }
        stop();
        server.close();
        void rm(tokenFile, { force: true });
        resolve(connectionOver(socket, decoder, rest));
      };
      socket.on('data', onData);
      socket.on('error', () => undefined);
      socket.once('close', () => {
        clearTimeout(timer);
        pending.delete(socket);
      });
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    server.on('connection', onConnection);
  });
}

function connectionOver(
  socket: Socket,
  decoder: LineDecoder<HelperMessage>,
  early: HelperMessage[],
): HelperConnection {
  const listeners: ((message: HelperMessage) => void)[] = [];
  const closeListeners: ((protocolError: string | null) => void)[] = [];
  const queue = [...early];
  let protocolError: string | null = null;
  socket.on('data', (chunk: string) => {
    try {
      for (const message of decoder.push(chunk)) deliver(message);
    } catch (error) {
      protocolError = (error as Error).message;
      socket.destroy();
    }
  });
  socket.once('close', () => closeListeners.forEach((listener) => listener(protocolError)));
  const deliver = (message: HelperMessage): void => {
    if (listeners.length === 0) queue.push(message);
    else listeners.forEach((listener) => listener(message));
  };
  return {
    send: (message) => {
      if (socket.writable) socket.write(encodeMessage(message));
    },
    onMessage: (listener) => {
      listeners.push(listener);
      for (const message of queue.splice(0)) listener(message);
    },
    onClose: (listener) => {
      if (socket.destroyed) listener(protocolError);
      else closeListeners.push(listener);
    },
    close: () => socket.destroy(),
  };
}
