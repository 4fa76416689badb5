// SPDX-License-Identifier: GPL-3.0-or-later
import { mkdir, readFile, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseChecksumFile, type ChecksumEntry } from '../../core/download/checksum-file';
import { classifyError } from '../classify-error';
import type { CatalogImage, DownloadResult } from '../../shared/download';
import { LiveStickError, shortfall } from '../../shared/errors';
import type { DownloadProgress } from '../../shared/progress';
import { sha256File } from './hash-file';
import { fetchText, fileNameOf, withHttp, type HttpFetch } from './http';
import { verifyClearSigned, type Keyring } from './keyring';
import { DownloadMeter } from './progress';
import { transferToPart } from './transfer';

export interface DownloadJob {
  readonly image: CatalogImage;
  /** The folder the ISO (and its signed CHECKSUM file) end up in; created when missing. */
  readonly dir: string;
  readonly keyring: Keyring;
  readonly fetch?: HttpFetch;
  /** Fresh connections after a drop, each resuming where the last one stopped. */
  readonly retries?: number;
  readonly retryDelayMs?: number;
}

/** Same contract as the write's JobHooks: abort `signal` to cancel. */
export interface DownloadHooks {
  readonly signal: AbortSignal;
  onProgress(progress: DownloadProgress): void;
  onLog(message: string): void;
}

export function partPathFor(dir: string, image: CatalogImage): string {
  return path.join(dir, `${image.fileName}.part`);
}

async function sizeOrNull(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return null;
    throw error;
  }
}

interface SignedChecksum {
  readonly entry: ChecksumEntry;
  readonly document: string;
  readonly signedBy: string;
}

/**
 * The image's line of its signed CHECKSUM file, fetched from beside the image. When the server
 * cannot be reached, a copy kept beside an earlier download serves (it is verified the same
 * way), so a finished download can be re-checked offline.
 */
async function signedChecksum(
  job: DownloadJob,
  fetch: HttpFetch,
  hooks: DownloadHooks,
): Promise<SignedChecksum> {
  const { image } = job;
  const stored = path.join(job.dir, fileNameOf(image.checksumUrl));
  let document: string;
  try {
    document = await fetchText(fetch, image.checksumUrl, hooks.signal);
  } catch (error) {
    const network =
      error instanceof LiveStickError && error.code === 'SOURCE_UNREADABLE' ? error : null;
    const copy = network ? await readFile(stored, 'utf8').catch(() => null) : null;
    if (copy === null) throw error;
    hooks.onLog(`${network!.message}; using the CHECKSUM file kept in ${job.dir}`);
    document = copy;
  }
  const verified = await verifyClearSigned(document, job.keyring, {
    release: image.release,
    url: image.checksumUrl,
  });
  const entry = parseChecksumFile(verified.text).get(image.fileName);
  if (!entry) {
    throw new LiveStickError(
      'SOURCE_CORRUPT',
      `The signed ${fileNameOf(image.checksumUrl)} does not list ${image.fileName}`,
      { reason: 'checksum-file-invalid', url: image.checksumUrl },
    );
  }
  if (
    entry.sha256 !== image.sha256 ||
    (entry.sizeBytes !== null && entry.sizeBytes !== image.sizeBytes)
  ) {
    throw new LiveStickError(
      'SOURCE_CORRUPT',
      `The catalog and the signed ${fileNameOf(image.checksumUrl)} disagree about ${image.fileName}`,
      {
        reason: 'catalog-mismatch',
        catalogSha256: image.sha256,
        signedSha256: entry.sha256,
        catalogBytes: image.sizeBytes,
        signedBytes: entry.sizeBytes,
      },
    );
  }
  return { entry, document, signedBy: verified.signedBy };
}

async function checkFreeSpace(dir: string, neededBytes: number): Promise<void> {
  const space = await statfs(dir);
  const availableBytes = space.bavail * space.bsize;
  if (availableBytes < neededBytes) {
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `The download needs ${neededBytes} bytes but ${dir} has ${availableBytes} free`,
      { ...shortfall(neededBytes, availableBytes), reason: 'no-space', dir },
    );
  }
}

/** Hashes `file`; on a mismatch deletes it and says so. */
async function verifyFile(
  file: string,
  expected: ChecksumEntry,
  meter: DownloadMeter,
  hooks: DownloadHooks,
): Promise<void> {
  meter.start('verifying', (await stat(file)).size);
  const actual = await sha256File(file, { signal: hooks.signal, onBytes: (n) => meter.add(n) });
  meter.flush();
  if (actual !== expected.sha256) {
    await rm(file, { force: true });
    throw new LiveStickError(
      'SOURCE_CORRUPT',
      `${expected.fileName} does not match its signed SHA-256 and was deleted`,
      { reason: 'checksum-mismatch', path: file, expected: expected.sha256, actual },
    );
  }
}

/**
 * Downloads a catalog image into `job.dir` and returns it only once verified: the CHECKSUM file
 * beside it must carry a valid signature by the release's key and agree with the catalog, and
 * the downloaded bytes must have its SHA-256. A verified file already in the folder is reused.
 * The transfer goes through `<name>.part`, resumed with HTTP Range after a dropped connection or
 * a restart; the final name only ever holds a verified image.
 */
export async function downloadImage(
  job: DownloadJob,
  hooks: DownloadHooks,
): Promise<DownloadResult> {
  const { image } = job;
  const finalPath = path.join(job.dir, image.fileName);
  const partPath = partPathFor(job.dir, image);
  const meter = new DownloadMeter((progress) => hooks.onProgress(progress));
  meter.start('preparing', 0);
  try {
    await mkdir(job.dir, { recursive: true });
    return await withHttp(job.fetch, async (fetch) => {
      const signed = await signedChecksum(job, fetch, hooks);
      const result = (reused: boolean): DownloadResult => ({
        image,
        path: finalPath,
        sha256: signed.entry.sha256,
        sizeBytes: image.sizeBytes,
        reused,
        signedBy: signed.signedBy,
      });

      if ((await sizeOrNull(finalPath)) === image.sizeBytes) {
        try {
          await verifyFile(finalPath, signed.entry, meter, hooks);
          hooks.onLog(`${finalPath} is already downloaded and verified`);
          return result(true);
        } catch (error) {
          const damaged =
            LiveStickError.is(error, 'SOURCE_CORRUPT') &&
            error.details !== undefined &&
            'reason' in error.details &&
            error.details.reason === 'checksum-mismatch';
          if (!damaged) throw error;
          hooks.onLog(`${error.message}; downloading it again`);
        }
      }

      const partBytes = Math.min((await sizeOrNull(partPath)) ?? 0, image.sizeBytes);
      await checkFreeSpace(job.dir, image.sizeBytes - partBytes);
      await transferToPart({
        url: image.url,
        partPath,
        expectedBytes: image.sizeBytes,
        fetch,
        signal: hooks.signal,
        ...(job.retries !== undefined ? { retries: job.retries } : {}),
        ...(job.retryDelayMs !== undefined ? { retryDelayMs: job.retryDelayMs } : {}),
        onStart: (offset) => meter.start('downloading', image.sizeBytes, offset),
        onBytes: (bytes) => meter.add(bytes),
        onLog: (message) => hooks.onLog(message),
      });
      meter.flush();
      await verifyFile(partPath, signed.entry, meter, hooks);
      await rename(partPath, finalPath);
      await writeFile(path.join(job.dir, fileNameOf(image.checksumUrl)), signed.document);
      return result(false);
    });
  } catch (error) {
    if (error instanceof LiveStickError) throw error;
    if (hooks.signal.aborted) throw new LiveStickError('CANCELLED', 'The download was cancelled.');
    throw classifyError(error, { path: job.dir, kind: 'file' });
  }
}
