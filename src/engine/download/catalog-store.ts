// SPDX-License-Identifier: GPL-3.0-or-later
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { liveCatalog, parseReleasesJson } from '../../core/download/catalog';
import type { Catalog } from '../../shared/download';
import { LiveStickError } from '../../shared/errors';
import { fetchText, withHttp, type HttpFetch } from './http';

export interface CatalogRequest {
  readonly url: string;
  /** Holds the last good copy of each catalog URL, for use offline. */
  readonly cacheDir: string;
  readonly signal: AbortSignal;
  readonly fetch?: HttpFetch;
}

interface CachedCatalog {
  readonly url: string;
  readonly fetchedAt: string;
  readonly body: string;
}

function cachePath(cacheDir: string, url: string): string {
  const id = createHash('sha256').update(url).digest('hex').slice(0, 16);
  return path.join(cacheDir, `catalog-${id}.json`);
}

async function readCache(cacheDir: string, url: string): Promise<CachedCatalog | null> {
  try {
    const cached = JSON.parse(await readFile(cachePath(cacheDir, url), 'utf8')) as CachedCatalog;
    return cached.url === url && typeof cached.body === 'string' ? cached : null;
  } catch {
    return null;
  }
}

async function writeCache(cacheDir: string, entry: CachedCatalog): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const file = cachePath(cacheDir, entry.url);
  await writeFile(`${file}.tmp`, JSON.stringify(entry));
  await rename(`${file}.tmp`, file);
}

/**
 * The live images Fedora offers now, or — when the catalog cannot be fetched or is not usable
 * (offline, a server error, a captive portal's page) — the list cached the last time it could.
 * Without a cached copy the fetch error is what the caller gets.
 */
export async function loadCatalog(request: CatalogRequest): Promise<Catalog> {
  const { url, cacheDir, signal } = request;
  let body: string;
  let parsed: ReturnType<typeof liveCatalog>;
  try {
    body = await withHttp(request.fetch, (fetch) => fetchText(fetch, url, signal));
    parsed = liveCatalog(parseReleasesJson(body));
  } catch (error) {
    if (error instanceof LiveStickError && error.code === 'CANCELLED') throw error;
    const cached = await readCache(cacheDir, url);
    if (!cached) throw error;
    const { releases, images } = liveCatalog(parseReleasesJson(cached.body));
    return { url, releases, images, fetchedAt: cached.fetchedAt, fromCache: true };
  }
  const fetchedAt = new Date().toISOString();
  // The cache only helps a later offline start; failing to write it must not fail this one.
  await writeCache(cacheDir, { url, fetchedAt, body }).catch(() => undefined);
  return { url, ...parsed, fetchedAt, fromCache: false };
}
