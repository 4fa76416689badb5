// SPDX-License-Identifier: GPL-3.0-or-later
import { open, stat, truncate, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { LiveStickError } from '../../shared/errors';
import { classifyError } from '../classify-error';
import {
  cancelled,
  fileNameOf,
  hostOf,
  httpStatusError,
  networkError,
  type HttpFetch,
  type HttpResponse,
} from './http';

export interface TransferOptions {
  readonly url: string;
  /** Bytes accumulate here; what is already there is resumed with an HTTP Range request. */
  readonly partPath: string;
  readonly expectedBytes: number;
  readonly fetch: HttpFetch;
  readonly signal: AbortSignal;
  /** Fresh connections after a drop or a server error, each resuming from the `.part` file. */
  readonly retries?: number;
  readonly retryDelayMs?: number;
  /** Called before each request with the bytes already on disk. */
  onStart(offset: number): void;
  onBytes(bytes: number): void;
  onLog(message: string): void;
}

const DEFAULT_RETRIES = 3;
const DEFAULT_RETRY_DELAY_MS = 500;

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return 0;
    throw error;
  }
}

/** `Content-Range: bytes 1000-4999/5000` → its first byte and the full length. */
function parseContentRange(header: string | null): { start: number; total: number | null } | null {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (!match) return null;
  return { start: Number(match[1]), total: match[3] === '*' ? null : Number(match[3]) };
}

function isRetryable(error: LiveStickError): boolean {
  const details = error.details;
  if (details === undefined || !('reason' in details)) return false;
  return (
    details.reason === 'connection-lost' ||
    details.reason === 'offline' ||
    (details.reason === 'server-error' && details.status >= 500)
  );
}

async function writeChunk(handle: FileHandle, chunk: Uint8Array, file: string): Promise<void> {
  try {
    await handle.write(chunk);
  } catch (error) {
    throw classifyError(error, { path: file, kind: 'file' });
  }
}

/**
 * One request: from `offset` when the server honours the range, otherwise from the start.
 * Returns the bytes now in the part file.
 */
async function fetchOnce(options: TransferOptions, offset: number): Promise<number> {
  const { url, signal } = options;
  let response: HttpResponse;
  try {
    response = await options.fetch(url, {
      headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
      signal,
    });
  } catch (error) {
    throw networkError(error, url, 'connect', signal);
  }
  let start = 0;
  if (offset > 0 && response.status === 206) {
    const range = parseContentRange(response.headers.get('content-range'));
    if (
      range?.start === offset &&
      (range.total === null || range.total === options.expectedBytes)
    ) {
      start = offset;
    } else {
      options.onLog(`${hostOf(response.url)} sent a different range; starting over`);
      await response.body?.[Symbol.asyncIterator]().return?.();
      await truncate(options.partPath, 0);
      return 0;
    }
  } else if (offset > 0 && response.status === 416) {
    // The part file does not fit what the server has (another build of the same name).
    options.onLog('the partial download does not match the server; starting over');
    await truncate(options.partPath, 0);
    return 0;
  } else if (response.status === 200) {
    if (offset > 0) options.onLog(`${hostOf(response.url)} cannot resume; starting over`);
  } else {
    throw httpStatusError(response.status, response.url || url);
  }
  if (response.url && hostOf(response.url) !== hostOf(url))
    options.onLog(`downloading from ${hostOf(response.url)}`);
  options.onStart(start);

  const handle = await open(options.partPath, start > 0 ? 'a' : 'w').catch((error: unknown) => {
    throw classifyError(error, { path: options.partPath, kind: 'file' });
  });
  let written = start;
  try {
    const chunks = response.body?.[Symbol.asyncIterator]();
    while (chunks) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await chunks.next();
      } catch (error) {
        throw networkError(error, response.url || url, 'transfer', signal);
      }
      if (next.done) break;
      const chunk = next.value;
      if (written + chunk.length > options.expectedBytes) {
        await chunks.return?.();
        throw new LiveStickError(
          'SOURCE_CORRUPT',
          `${fileNameOf(url)} from ${hostOf(response.url || url)} is larger than the ${options.expectedBytes} bytes Fedora publishes`,
          { reason: 'size-mismatch', url, expectedBytes: options.expectedBytes },
        );
      }
      await writeChunk(handle, chunk, options.partPath);
      written += chunk.length;
      options.onBytes(chunk.length);
    }
    await handle.datasync();
  } finally {
    await handle.close();
  }
  if (written < options.expectedBytes) {
    throw networkError(
      new Error(`ended after ${written} of ${options.expectedBytes} bytes`),
      response.url || url,
      'transfer',
      signal,
    );
  }
  return written;
}

/**
 * Brings `partPath` to `expectedBytes` bytes of `url`, resuming what an earlier run or an
 * earlier connection left, and retrying dropped connections and server errors a few times.
 * The part file is left in place on failure and on cancel, so the next run resumes it.
 */
export async function transferToPart(options: TransferOptions): Promise<void> {
  const retries = options.retries ?? DEFAULT_RETRIES;
  const delay = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  for (let attempt = 0; ; attempt++) {
    if (options.signal.aborted) throw cancelled();
    let offset = await sizeOf(options.partPath);
    if (offset > options.expectedBytes) {
      options.onLog('the partial download is larger than the image; starting over');
      await truncate(options.partPath, 0);
      offset = 0;
    }
    if (offset === options.expectedBytes) return;
    if (offset > 0) options.onLog(`resuming ${fileNameOf(options.url)} at byte ${offset}`);
    try {
      if ((await fetchOnce(options, offset)) === options.expectedBytes) return;
    } catch (error) {
      const classified =
        error instanceof LiveStickError
          ? error
          : options.signal.aborted
            ? cancelled()
            : classifyError(error, { path: options.partPath, kind: 'file' });
      if (!isRetryable(classified) || attempt >= retries) throw classified;
      options.onLog(`${classified.message}; retrying (${attempt + 1} of ${retries})`);
      try {
        await sleep(delay * (attempt + 1), undefined, { signal: options.signal });
      } catch {
        throw cancelled();
      }
    }
  }
}
