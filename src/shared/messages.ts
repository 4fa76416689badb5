// SPDX-License-Identifier: GPL-3.0-or-later
import type { ErrorCode, WireError } from './errors';
import type { WritePhase } from './progress';

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

/** How the wizard and the CLI's progress line name each phase of a write. */
export const PHASE_NAMES: Readonly<Record<WritePhase, string>> = {
  preparing: 'Preparing',
  writing: 'Writing',
  verifying: 'Verifying',
  finalizing: 'Finishing',
};

/** One line for a terminal or a notification. */
export function describeError(error: WireError): string {
  const text = ERROR_TEXT[error.code];
  const message = error.message.trim().replace(/\.$/, '');
  return `${message}. ${text.action}`;
}
