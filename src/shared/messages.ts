// SPDX-License-Identifier: GPL-3.0-or-later
import { isDownloadFailure, type DownloadFailure } from './download';
import type { ErrorCode, WireError } from './errors';
import type { DownloadPhase, WritePhase } from './progress';

/**
 * How each error code is worded for people: a short title and what to do. The engine's own
 * message carries the specifics (which file, how many bytes); the CLI prints
 * `<message> — <action>` and the wizard shows the title, the message and the action.
 */
export const ERROR_TEXT: Readonly<Record<ErrorCode, { title: string; action: string }>> = {
  NOT_LIVEOS: {
    title: 'Not a Fedora live image',
    action: 'Choose a Fedora-style live ISO (one with LiveOS/squashfs.img).',
  },
  SOURCE_UNREADABLE: {
    title: 'The image cannot be read',
    action: 'Check that the file exists and that you may read it.',
  },
  SOURCE_CORRUPT: {
    title: 'The image is damaged',
    action: 'Download the ISO again and check its checksum.',
  },
  DOES_NOT_FIT: {
    title: 'It does not fit',
    action: 'Choose smaller persistence sizes or a larger stick.',
  },
  FAT32_FILE_LIMIT: {
    title: 'A file is too large for FAT32',
    action: 'Keep each of overlay, home and swap under 4 GB.',
  },
  TARGET_REFUSED: {
    title: 'This drive cannot be used',
    action: 'Choose a removable USB drive that does not hold the image or the running system.',
  },
  ACCESS_DENIED: {
    title: 'Permission denied',
    action: 'Run again and allow administrator access when asked.',
  },
  ELEVATION_DENIED: {
    title: 'Administrator access was not granted',
    action: 'Try again and enter your password when asked.',
  },
  DEVICE_BUSY: {
    title: 'The drive is in use',
    action: 'Close programs using it and unmount its volumes, then try again.',
  },
  DEVICE_UNPLUGGED: {
    title: 'The drive went away',
    action: 'Plug it in again (preferably directly, not through a hub) and start over.',
  },
  WRITE_PROTECTED: {
    title: 'The drive is write-protected',
    action: 'Slide its lock switch off or use another drive.',
  },
  MEDIA_ERROR: {
    title: 'The drive reported an error',
    action: 'The stick may be failing; try another one.',
  },
  VERIFY_MISMATCH: {
    title: 'Verification failed',
    action:
      'What was read back differs from what was written; the stick may be failing — try another one.',
  },
  CANCELLED: {
    title: 'Cancelled',
    action: 'Nothing usable was left on the drive; start again when ready.',
  },
  INTERNAL: {
    title: 'Something went wrong inside LiveStick',
    action: 'Please report this with the message above.',
  },
};

/** How the wizard and the CLI's progress line name each phase of a write or a download. */
export const PHASE_NAMES: Readonly<Record<WritePhase | DownloadPhase, string>> = {
  preparing: 'Preparing',
  downloading: 'Downloading',
  writing: 'Writing',
  verifying: 'Verifying',
  finalizing: 'Finishing',
};

/**
 * A failed download shares its code with a bad image file (SOURCE_UNREADABLE, SOURCE_CORRUPT,
 * DOES_NOT_FIT), but the advice differs; `details.reason` picks it.
 */
export const DOWNLOAD_ACTIONS: Readonly<Record<DownloadFailure, string>> = {
  offline: 'Check the network connection (and the proxy settings), then try again.',
  'connection-lost': 'Try again; the download resumes where it stopped.',
  'server-error': 'The server or mirror has a problem; try again later.',
  'catalog-invalid': 'Check the catalog address, or try again later.',
  'key-missing':
    'This LiveStick does not know the key that signs this release; update LiveStick, or give the release key with --keyring.',
  'signature-invalid':
    'The checksum file may have been tampered with; nothing was kept. Try again later or from another mirror.',
  'checksum-file-invalid': 'The checksum file does not describe this image; try again later.',
  'catalog-mismatch':
    'The catalog and the signed checksum file disagree; nothing was downloaded. Try again later.',
  'size-mismatch': 'The download was deleted; try again (another mirror will likely be used).',
  'checksum-mismatch':
    'The damaged download was deleted; try again (another mirror will likely be used).',
  'no-space': 'Free some space in the download folder or choose another folder.',
};

/** What to do about an error, in one sentence. */
export function errorAction(error: WireError): string {
  const reason = error.details && 'reason' in error.details ? error.details.reason : undefined;
  return isDownloadFailure(reason) ? DOWNLOAD_ACTIONS[reason] : ERROR_TEXT[error.code].action;
}

/** One line for a terminal or a notification. */
export function describeError(error: WireError): string {
  const message = error.message.trim().replace(/\.$/, '');
  return `${message}. ${errorAction(error)}`;
}
