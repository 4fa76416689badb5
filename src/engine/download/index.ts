// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * "Download Fedora…" for the CLI and the app's main process:
 *
 *   const keyring = await loadBundledKeyring();          // or loadKeyringFile(path)
 *   const catalog = await loadCatalog({ url, cacheDir, signal });
 *   const result = await downloadImage({ image, dir, keyring }, { signal, onProgress, onLog });
 *
 * Progress uses the write's shape (src/shared/progress.ts) with the phases preparing →
 * downloading → verifying; abort `signal` to cancel (the `.part` file stays for a resume).
 * Errors are LiveStickErrors whose `details.reason` is a DownloadFailure (src/shared/download.ts).
 */
export { loadCatalog, type CatalogRequest } from './catalog-store';
export { downloadImage, partPathFor, type DownloadHooks, type DownloadJob } from './download-image';
export { environmentHttpClient, type HttpClient, type HttpFetch, type HttpResponse } from './http';
export { bundledKeysPath, loadBundledKeyring, loadKeyringFile, type Keyring } from './keyring';
export { defaultCacheDir, defaultDownloadDir } from './user-dirs';
