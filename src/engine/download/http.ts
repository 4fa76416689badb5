// SPDX-License-Identifier: GPL-3.0-or-later
import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
import { LiveStickError } from '../../shared/errors';

/**
 * The little of WHATWG fetch the download needs. The CLI uses undici with the proxy settings of
 * the environment; Electron's main process can pass its session's `net.fetch` instead, so the
 * system proxy configuration applies there too. Redirects (Fedora's mirror redirector) are
 * followed by the implementation; `url` is where the bytes finally came from.
 */
export interface HttpResponse {
  readonly status: number;
  readonly url: string;
  readonly headers: { get(name: string): string | null };
  readonly body: AsyncIterable<Uint8Array> | null;
  text(): Promise<string>;
}

export type HttpFetch = (
  url: string,
  init: { readonly headers: Readonly<Record<string, string>>; readonly signal: AbortSignal },
) => Promise<HttpResponse>;

export interface HttpClient {
  readonly fetch: HttpFetch;
  /** Drops kept-alive connections so a finished command can exit at once. */
  close(): Promise<void>;
}

/**
 * undici with HTTP_PROXY / HTTPS_PROXY / NO_PROXY (either case) read when the client is made.
 * Node 20's built-in fetch ignores these variables.
 */
export function environmentHttpClient(): HttpClient {
  // Plain-HTTP URLs go to the proxy as ordinary requests; CONNECT tunnels (undici's default)
  // are what HTTPS needs, and many proxies (squid's default rules) refuse them for port 80.
  const dispatcher = new EnvHttpProxyAgent({ proxyTunnel: false });
  return {
    fetch: (url, init) =>
      undiciFetch(url, {
        headers: { ...init.headers },
        signal: init.signal,
        redirect: 'follow',
        dispatcher,
      }),
    close: () => dispatcher.close(),
  };
}

/** Runs `work` with the given fetch, or with an environment client it closes afterwards. */
export async function withHttp<T>(
  fetch: HttpFetch | undefined,
  work: (fetch: HttpFetch) => Promise<T>,
): Promise<T> {
  if (fetch) return work(fetch);
  const client = environmentHttpClient();
  try {
    return await work(client.fetch);
  } finally {
    await client.close();
  }
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function fileNameOf(url: string): string {
  const path = url.split(/[?#]/)[0]!;
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || url;
}

function causeCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function cancelled(): LiveStickError {
  return new LiveStickError('CANCELLED', 'The download was cancelled.');
}

/** Where a failed connection to a server leaves the user: offline, or cut off mid-transfer. */
export function networkError(
  error: unknown,
  url: string,
  phase: 'connect' | 'transfer',
  signal: AbortSignal,
): LiveStickError {
  if (error instanceof LiveStickError) return error;
  if (signal.aborted) return cancelled();
  const errno = causeCode(error) ?? null;
  const host = hostOf(url);
  if (phase === 'connect') {
    return new LiveStickError(
      'SOURCE_UNREADABLE',
      `Cannot reach ${host}${errno ? ` (${errno})` : ''}`,
      { reason: 'offline', url, errno },
    );
  }
  return new LiveStickError(
    'SOURCE_UNREADABLE',
    `The connection to ${host} dropped while fetching ${fileNameOf(url)}${errno ? ` (${errno})` : ''}`,
    { reason: 'connection-lost', url, errno },
  );
}

export function httpStatusError(status: number, url: string): LiveStickError {
  return new LiveStickError(
    'SOURCE_UNREADABLE',
    `${hostOf(url)} answered HTTP ${status} for ${fileNameOf(url)}`,
    { reason: 'server-error', status, url },
  );
}

/** Fetches a small text document (the catalog, a CHECKSUM file), classifying every failure. */
export async function fetchText(
  fetch: HttpFetch,
  url: string,
  signal: AbortSignal,
): Promise<string> {
  let response: HttpResponse;
  try {
    response = await fetch(url, { headers: {}, signal });
  } catch (error) {
    throw networkError(error, url, 'connect', signal);
  }
  if (response.status !== 200) throw httpStatusError(response.status, url);
  try {
    return await response.text();
  } catch (error) {
    throw networkError(error, url, 'transfer', signal);
  }
}
