// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The contract of "Download Fedora…": what the catalog offers, what a finished download is and
 * why one failed. The catalog is parsed in src/core/download, the bytes move in
 * src/engine/download; the CLI and the wizard only read these shapes.
 */

/** One x86_64 live image of Fedora's catalog (Fedora's releases.json, filtered). */
export interface CatalogImage {
  /** Short stable name used on the command line: `workstation`, `kde`, `xfce`, `i3`, … */
  readonly edition: string;
  readonly name: string;
  readonly description: string;
  readonly release: number;
  /** The release tree the image sits in (`Workstation`, `KDE`, `Spins`); it also names the CHECKSUM file. */
  readonly variant: string;
  readonly subvariant: string;
  readonly arch: 'x86_64';
  readonly url: string;
  readonly fileName: string;
  /** As published in the catalog; the signed CHECKSUM must agree with it. */
  readonly sha256: string;
  readonly sizeBytes: number;
  /** The clear-signed `Fedora-<variant>-<release>-<compose>-x86_64-CHECKSUM` beside the image. */
  readonly checksumUrl: string;
}

export interface Catalog {
  readonly url: string;
  /** Newest first: the current release and the one before it. */
  readonly releases: readonly number[];
  readonly images: readonly CatalogImage[];
  /** ISO 8601 time the list was fetched from `url`. */
  readonly fetchedAt: string;
  /** True when the server could not be reached and the cached copy was used. */
  readonly fromCache: boolean;
}

export interface DownloadResult {
  readonly image: CatalogImage;
  readonly path: string;
  readonly sha256: string;
  readonly sizeBytes: number;
  /** A verified file already in the download folder was used; nothing was downloaded. */
  readonly reused: boolean;
  /** The key that signed the CHECKSUM file, as an uppercase hex fingerprint. */
  readonly signedBy: string;
}

/**
 * `details.reason` of a download error, so the wizard and the CLI can say precisely what went
 * wrong. Codes: SOURCE_UNREADABLE for the network and an unverifiable release, SOURCE_CORRUPT
 * for anything that failed a check, DOES_NOT_FIT for the disk space.
 */
export const DOWNLOAD_FAILURES = [
  /** The server could not be reached (no network, DNS, refused) and nothing was cached. */
  'offline',
  /** The connection dropped during a transfer, more often than the retries allow. */
  'connection-lost',
  /** The server answered with an HTTP error status (`details.status`). */
  'server-error',
  /** The catalog is not the JSON list Fedora publishes. */
  'catalog-invalid',
  /** No key for the release (bundled) or for the signer (`--keyring`) is known. */
  'key-missing',
  /** The CHECKSUM file is not clear-signed, or its signature does not verify. */
  'signature-invalid',
  /** The signed CHECKSUM file does not list the image, or cannot be parsed. */
  'checksum-file-invalid',
  /** The catalog's sha256 or size differs from the signed CHECKSUM file. */
  'catalog-mismatch',
  /** The downloaded file's size differs from the published one; it was deleted. */
  'size-mismatch',
  /** The downloaded file's SHA-256 differs from the signed one; it was deleted. */
  'checksum-mismatch',
  /** Not enough free space in the download folder (`details.missingBytes`, `availableBytes`). */
  'no-space',
] as const;
export type DownloadFailure = (typeof DOWNLOAD_FAILURES)[number];

export function isDownloadFailure(value: unknown): value is DownloadFailure {
  return typeof value === 'string' && (DOWNLOAD_FAILURES as readonly string[]).includes(value);
}
