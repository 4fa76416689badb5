// SPDX-License-Identifier: GPL-3.0-or-later
import { LiveStickError, isWireError, type ErrorCode, type ErrorDetails } from '../shared/errors';

/**
 * Turns what the OS and the elevation launcher throw (errno names, sudo-prompt's sentences) into
 * the fixed codes (docs/ARCHITECTURE.md, "Error model"), with a message that names the drive or file involved. The
 * helper classifies once, where the error happens; nobody downstream sees a platform code.
 */
export interface ErrorSubject {
  /** The device path or file name the failing operation touched. */
  readonly path: string;
  readonly kind: 'device' | 'file';
  /** Model and size for devices ("SanDisk Ultra, 16 GB"), when known. */
  readonly description?: string;
}

interface Classified {
  readonly code: ErrorCode;
  readonly message: (name: string) => string;
}

const DEVICE_OR_FILE = (
  device: Classified,
  file: Classified,
): Readonly<Record<'device' | 'file', Classified>> => ({
  device,
  file,
});

const ACCESS: Classified = {
  code: 'ACCESS_DENIED',
  message: (name) => `Access to ${name} was denied`,
};
const UNPLUGGED: Classified = {
  code: 'DEVICE_UNPLUGGED',
  message: (name) => `${name} is no longer there; it was unplugged or its connection dropped`,
};
const MEDIA: Classified = {
  code: 'MEDIA_ERROR',
  message: (name) => `${name} reported an input/output error`,
};

/**
 * errno names as Node reports them on every platform (libuv translates Windows system errors
 * such as ERROR_WRITE_PROTECT or ERROR_SHARING_VIOLATION into these same names).
 */
const ERRNO: Readonly<Record<string, Readonly<Record<'device' | 'file', Classified>>>> = {
  EACCES: DEVICE_OR_FILE(ACCESS, ACCESS),
  EPERM: DEVICE_OR_FILE(ACCESS, ACCESS),
  EROFS: DEVICE_OR_FILE(
    { code: 'WRITE_PROTECTED', message: (name) => `${name} is write-protected` },
    { code: 'WRITE_PROTECTED', message: (name) => `${name} is on a read-only file system` },
  ),
  EBUSY: DEVICE_OR_FILE(
    {
      code: 'DEVICE_BUSY',
      message: (name) => `${name} is in use by another program or still has a mounted volume`,
    },
    { code: 'DEVICE_BUSY', message: (name) => `${name} is locked by another program` },
  ),
  ENXIO: DEVICE_OR_FILE(UNPLUGGED, UNPLUGGED),
  ENODEV: DEVICE_OR_FILE(UNPLUGGED, UNPLUGGED),
  ENOMEDIUM: DEVICE_OR_FILE(
    { code: 'DEVICE_UNPLUGGED', message: (name) => `${name} has no medium inserted` },
    UNPLUGGED,
  ),
  ENOENT: DEVICE_OR_FILE(UNPLUGGED, {
    code: 'TARGET_REFUSED',
    message: (name) => `${name} does not exist (or a folder on its path does not)`,
  }),
  EIO: DEVICE_OR_FILE(MEDIA, {
    code: 'MEDIA_ERROR',
    message: (name) => `Reading or writing ${name} failed with an input/output error`,
  }),
  // A device that runs out of space before its advertised size is a fake-capacity stick; a
  // file that does is on a full host file system, which is a sizing problem, not a bad medium.
  ENOSPC: DEVICE_OR_FILE(
    {
      code: 'MEDIA_ERROR',
      message: (name) =>
        `${name} ended before its advertised size; it may be a fake-capacity stick`,
    },
    {
      code: 'DOES_NOT_FIT',
      message: (name) => `The file system holding ${name} is full`,
    },
  ),
  EFBIG: DEVICE_OR_FILE(MEDIA, {
    code: 'DOES_NOT_FIT',
    message: (name) => `${name} would exceed the largest file its file system can hold`,
  }),
  EISDIR: DEVICE_OR_FILE(
    { code: 'TARGET_REFUSED', message: (name) => `${name} is a folder, not a disk` },
    { code: 'TARGET_REFUSED', message: (name) => `${name} is a folder, not a file` },
  ),
};

/** @vscode/sudo-prompt reports elevation outcomes only as these English sentences. */
const SUDO_PROMPT_DENIED = 'User did not grant permission.';
const SUDO_PROMPT_NO_AGENT = 'No polkit authentication agent found.';
const SUDO_PROMPT_NO_LAUNCHER = 'Unable to find pkexec or kdesudo.';

function nameOf(subject: ErrorSubject | undefined): string {
  if (!subject) return 'The drive';
  return subject.description ? `${subject.path} (${subject.description})` : subject.path;
}

function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function isAbort(error: unknown): boolean {
  return (
    error instanceof Error && (error.name === 'AbortError' || errnoCode(error) === 'ABORT_ERR')
  );
}

/**
 * Classifies any thrown value. LiveStickErrors and wire errors pass through unchanged (they were
 * classified where they happened); unknown failures become INTERNAL with their own message.
 */
export function classifyError(error: unknown, subject?: ErrorSubject): LiveStickError {
  if (error instanceof LiveStickError) return error;
  if (isWireError(error)) return new LiveStickError(error.code, error.message, error.details);
  if (isAbort(error)) return new LiveStickError('CANCELLED', 'The write was cancelled.');
  const code = errnoCode(error);
  const entry = code === undefined ? undefined : ERRNO[code];
  if (code !== undefined && entry) {
    const classified = entry[subject?.kind ?? 'device'];
    const details: ErrorDetails = subject ? { errno: code, path: subject.path } : { errno: code };
    return new LiveStickError(classified.code, `${classified.message(nameOf(subject))}.`, details);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new LiveStickError('INTERNAL', message, code ? { errno: code } : undefined);
}

/**
 * Classifies a failure to start the privileged helper through the OS prompt. Anything else the
 * launcher reports (the helper's own exit status) is not an elevation problem and goes through
 * classifyError.
 */
export function classifyElevationError(error: unknown): LiveStickError {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith(SUDO_PROMPT_DENIED)) {
    return new LiveStickError(
      'ELEVATION_DENIED',
      'Administrator access was refused or the password prompt was closed.',
    );
  }
  if (message.startsWith(SUDO_PROMPT_NO_AGENT)) {
    return new LiveStickError(
      'ELEVATION_DENIED',
      'No password prompt could be shown because no polkit authentication agent is running in this session.',
    );
  }
  if (message.startsWith(SUDO_PROMPT_NO_LAUNCHER)) {
    return new LiveStickError(
      'ELEVATION_DENIED',
      'This system has neither pkexec nor kdesudo to ask for administrator access; install polkit or run LiveStick as root.',
    );
  }
  return classifyError(error);
}
