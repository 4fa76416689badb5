// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The fixed set of error codes (docs/ARCHITECTURE.md, "Error model"). The engine and helper classify; the CLI and the
 * renderer word them (see messages.ts). Errors cross process boundaries as plain data, so code is
 * compared by string, never by `instanceof`.
 */
export const ERROR_CODES = [
  'NOT_LIVEOS',
  'SOURCE_UNREADABLE',
  'SOURCE_CORRUPT',
  'DOES_NOT_FIT',
  'FAT32_FILE_LIMIT',
  'TARGET_REFUSED',
  'ACCESS_DENIED',
  'ELEVATION_DENIED',
  'DEVICE_BUSY',
  'DEVICE_UNPLUGGED',
  'WRITE_PROTECTED',
  'MEDIA_ERROR',
  'VERIFY_MISMATCH',
  'CANCELLED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorDetails = Readonly<Record<string, string | number | boolean | null>>;

/** What an error looks like on the wire (helper → main → renderer, CLI `--json`). */
export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: ErrorDetails;
}

export class LiveStickError extends Error {
  override readonly name = 'LiveStickError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

export function toWire(error: unknown): WireError {
  if (error instanceof LiveStickError) {
    return error.details
      ? { code: error.code, message: error.message, details: error.details }
      : { code: error.code, message: error.message };
  }
  if (isWireError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message };
}

export function fromWire(wire: WireError): LiveStickError {
  return new LiveStickError(wire.code, wire.message, wire.details);
}

export function isWireError(value: unknown): value is WireError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { code?: unknown; message?: unknown };
  return isErrorCode(candidate.code) && typeof candidate.message === 'string';
}
