// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * A stand-in for Fedora's download infrastructure on 127.0.0.1: the catalog (releases.json),
 * a redirector (`/pub/…` answers 302 to `/mirror/pub/…`, like download.fedoraproject.org
 * sending a client to a mirror) and a mirror serving files with HTTP Range. Every request is
 * logged with its Range header and what was sent, so tests can see a resume happen. Failure
 * modes (a cut connection, a stall, a corrupted byte, a tampered or foreign-signed CHECKSUM)
 * are switched per test.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface RequestLog {
  readonly path: string;
  readonly range: string | null;
  status: number;
  /** Body bytes handed to the socket. */
  bytesSent: number;
}

export interface MirrorFile {
  readonly bytes: Buffer;
}

export interface MirrorBehaviour {
  /** Destroy the connection of the first full GET of this path after this many bytes. */
  cutAfter?: { path: string; bytes: number };
  /** Send this many bytes of the path, then stall until the client goes away. */
  stallAfter?: { path: string; bytes: number };
  /** Serve this content instead for the path (same URL, other bytes). */
  replace?: Map<string, Buffer>;
  /** Answer every request with the whole file, as servers without Range support do. */
  ignoreRange?: boolean;
}

const CHUNK = 64 * 1024;

export class FedoraMirror {
  readonly log: RequestLog[] = [];
  readonly files = new Map<string, MirrorFile>();
  catalog = '[]';
  behaviour: MirrorBehaviour = {};
  private server: Server | null = null;
  private port = 0;
  /** Called when a stalled transfer has sent its bytes. */
  onStall: (() => void) | null = null;

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get catalogUrl(): string {
    return `${this.origin}/releases.json`;
  }

  /** The URL of a file under the redirector, as a catalog links it. */
  url(path: string): string {
    return `${this.origin}${path}`;
  }

  async start(port = 0): Promise<void> {
    const server = createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  requestsFor(path: string): RequestLog[] {
    return this.log.filter((entry) => entry.path === path);
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const entry: RequestLog = {
      path,
      range: request.headers.range ?? null,
      status: 0,
      bytesSent: 0,
    };
    this.log.push(entry);
    const reply = (status: number, headers: Record<string, string | number>, body = ''): void => {
      entry.status = status;
      response.writeHead(status, headers).end(body);
    };
    if (path === '/releases.json') {
      reply(200, { 'content-type': 'application/json' }, this.catalog);
      return;
    }
    if (path.startsWith('/pub/')) {
      reply(302, { location: `/mirror${path}` });
      return;
    }
    const served = path.startsWith('/mirror/') ? path.slice('/mirror'.length) : null;
    const file = served === null ? undefined : this.files.get(served);
    if (served === null || !file) {
      reply(404, {}, 'not found');
      return;
    }
    const bytes = this.behaviour.replace?.get(served) ?? file.bytes;
    let start = 0;
    let status = 200;
    const headers: Record<string, string | number> = { 'accept-ranges': 'bytes' };
    const range = this.behaviour.ignoreRange ? null : /^bytes=(\d+)-$/.exec(entry.range ?? '');
    if (range) {
      start = Number(range[1]);
      if (start >= bytes.length) {
        reply(416, { 'content-range': `bytes */${bytes.length}` });
        return;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${bytes.length - 1}/${bytes.length}`;
    }
    headers['content-length'] = bytes.length - start;
    entry.status = status;
    response.writeHead(status, headers);

    const cut = this.behaviour.cutAfter;
    const cutHere = cut?.path === served && start === 0 ? cut.bytes : null;
    if (cutHere !== null) this.behaviour.cutAfter = undefined;
    const stall = this.behaviour.stallAfter;
    const stallHere = stall?.path === served && start === 0 ? stall.bytes : null;
    const end = Math.min(bytes.length, cutHere ?? stallHere ?? bytes.length);
    let offset = start;
    const pump = (): void => {
      while (offset < end) {
        const chunk = bytes.subarray(offset, Math.min(end, offset + CHUNK));
        offset += chunk.length;
        entry.bytesSent += chunk.length;
        if (!response.write(chunk)) {
          response.once('drain', pump);
          return;
        }
      }
      if (cutHere !== null) {
        // Let the bytes reach the client, then drop the connection without ending the body.
        response.write('', () => response.socket?.destroy());
      } else if (stallHere !== null && end < bytes.length) {
        this.onStall?.();
      } else {
        response.end();
      }
    };
    pump();
  }
}

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A throwaway OpenPGP signing key made by gpg in its own GNUPGHOME: its armored public key (what
 * `--keyring` is given) and a binary keyring for gpgv, the independent check.
 */
export class TestSigner {
  readonly armoredPublicKey: string;
  readonly fingerprint: string;

  constructor(
    private readonly home: string,
    readonly name: string,
  ) {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    this.gpg([
      '--quick-gen-key',
      `${name} <${name}@livestick.invalid>`,
      'ed25519',
      'sign',
      'never',
    ]);
    const colons = this.gpg(['--with-colons', '--list-keys', `${name}@livestick.invalid`]);
    this.fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(colons)![1]!;
    this.armoredPublicKey = this.gpg(['--armor', '--export', this.fingerprint]);
  }

  gpg(args: readonly string[], input?: string): string {
    return execFileSync(
      'gpg',
      [
        '--homedir',
        this.home,
        '--batch',
        '--no-tty',
        '--pinentry-mode',
        'loopback',
        '--passphrase',
        '',
        ...args,
      ],
      { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] },
    );
  }

  /** Stops the gpg-agent that key generation and signing started for this home. */
  dispose(): void {
    execFileSync('gpgconf', ['--homedir', this.home, '--kill', 'gpg-agent'], { stdio: 'ignore' });
  }

  /** A clear-signed document, as Fedora's CHECKSUM files are. */
  clearSign(text: string): string {
    return this.gpg(
      ['--digest-algo', 'SHA256', '--local-user', this.fingerprint, '--clearsign'],
      text,
    );
  }

  writePublicKey(dir: string): { armored: string; binary: string } {
    const armored = join(dir, `${this.name}.asc`);
    const binary = join(dir, `${this.name}.gpg`);
    writeFileSync(armored, this.armoredPublicKey);
    execFileSync('gpg', [
      '--homedir',
      this.home,
      '--batch',
      '--yes',
      '--output',
      binary,
      '--export',
      this.fingerprint,
    ]);
    return { armored, binary };
  }
}

/** `gpgv`'s verdict on a clear-signed file: the oracle for what LiveStick kept. */
export function gpgvAccepts(keyring: string, file: string): boolean {
  try {
    execFileSync('gpgv', ['--keyring', keyring, file], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function sha256sumOf(file: string): string {
  return execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]!;
}

export function readBytes(file: string): Buffer {
  return readFileSync(file);
}
