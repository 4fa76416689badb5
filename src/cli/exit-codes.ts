// SPDX-License-Identifier: GPL-3.0-or-later
import type { ErrorCode } from '../shared/errors';

/** Exit codes (docs/ARCHITECTURE.md, "Contracts between processes"): scripts depend on them. */
export const EXIT = {
  OK: 0,
  USAGE: 2,
  BAD_SOURCE: 3,
  DOES_NOT_FIT: 4,
  TARGET: 5,
  VERIFY: 6,
  CANCELLED: 130,
  /** Not in the contract's list: a bug, not a user error. */
  INTERNAL: 1,
} as const;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'NOT_LIVEOS':
    case 'SOURCE_UNREADABLE':
    case 'SOURCE_CORRUPT':
      return EXIT.BAD_SOURCE;
    case 'DOES_NOT_FIT':
    case 'FAT32_FILE_LIMIT':
      return EXIT.DOES_NOT_FIT;
    case 'VERIFY_MISMATCH':
      return EXIT.VERIFY;
    case 'CANCELLED':
      return EXIT.CANCELLED;
    case 'TARGET_REFUSED':
    case 'ACCESS_DENIED':
    case 'ELEVATION_DENIED':
    case 'DEVICE_BUSY':
    case 'DEVICE_UNPLUGGED':
    case 'WRITE_PROTECTED':
    case 'MEDIA_ERROR':
      return EXIT.TARGET;
    case 'INTERNAL':
      return EXIT.INTERNAL;
  }
}
