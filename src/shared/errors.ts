// SPDX-License-Identifier: GPL-3.0-or-later
import { z } from 'zod';

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

const bytes = z.number().int().nonnegative();
const text = z.string().max(4096);

/** An operating-system failure: the errno name, and the file or device it happened on. */
const errnoDetails = z.strictObject({ errno: text, path: text.optional() });

/** Something needs more room than there is: how much is missing and how much there was. */
const shortfallDetails = z.strictObject({ missingBytes: bytes, availableBytes: bytes });

/** DOES_NOT_FIT's details: needing `neededBytes` where there are `availableBytes`. */
export function shortfall(
  neededBytes: number,
  availableBytes: number,
): z.infer<typeof shortfallDetails> {
  return { missingBytes: neededBytes - availableBytes, availableBytes };
}

/** The pieces of a stick the planner sizes, named in its errors. */
const sizedItem = z.enum(['squashfs', 'overlay', 'home', 'swap']);

/** An ISO path that cannot be opened as a file, and why. */
const imageFileUnreadable = z.strictObject({
  reason: z.enum(['missing', 'folder', 'permission', 'unreadable']),
  path: text,
});

/** The `reason` of a download failure (src/shared/download.ts) and what each one names. */
const downloadUnreadable = z.discriminatedUnion('reason', [
  z.strictObject({
    reason: z.enum(['offline', 'connection-lost']),
    url: text,
    errno: text.nullable(),
  }),
  z.strictObject({ reason: z.literal('server-error'), url: text, status: z.number().int() }),
  z.strictObject({
    reason: z.literal('key-missing'),
    path: text.optional(),
    errno: text.nullable().optional(),
    release: z.number().int().optional(),
    signer: text.optional(),
  }),
]);
const downloadCorrupt = z.discriminatedUnion('reason', [
  z.strictObject({ reason: z.literal('catalog-invalid') }),
  z.strictObject({
    reason: z.literal('checksum-file-invalid'),
    url: text.optional(),
    line: z.number().int().optional(),
  }),
  z.strictObject({ reason: z.literal('signature-invalid'), url: text, signer: text.optional() }),
  z.strictObject({
    reason: z.literal('catalog-mismatch'),
    catalogSha256: text,
    signedSha256: text,
    catalogBytes: bytes.nullable(),
    signedBytes: bytes.nullable(),
  }),
  z.strictObject({ reason: z.literal('size-mismatch'), url: text, expectedBytes: bytes }),
  z.strictObject({
    reason: z.literal('checksum-mismatch'),
    path: text,
    expected: text,
    actual: text,
  }),
]);

/**
 * What `details` hold, per code (docs/ARCHITECTURE.md, "Error model"). A code without an entry
 * here carries no details; every error may come without them.
 */
export const ERROR_DETAILS = {
  NOT_LIVEOS: z.never(),
  SOURCE_UNREADABLE: z.union([errnoDetails, imageFileUnreadable, downloadUnreadable]),
  SOURCE_CORRUPT: z.union([
    // A decoder's FormatError: the structure and the byte offset where it went wrong.
    z.strictObject({ structure: text, offset: bytes }),
    // An ISO cut short: what its volume descriptor claims against what the file has.
    z.strictObject({ volumeBytes: bytes, fileBytes: bytes }),
    downloadCorrupt,
  ]),
  DOES_NOT_FIT: z.union([
    shortfallDetails,
    // The planner: the live system alone, or the persistence asked for, does not fit.
    shortfallDetails.extend({ reason: z.enum(['system', 'persistence']) }),
    shortfallDetails.extend({ reason: z.literal('no-space'), dir: text }),
    z.strictObject({ reason: z.literal('target-too-small'), targetBytes: bytes }),
    z.strictObject({ reason: z.literal('too-small'), item: sizedItem, minBytes: bytes }),
    z.strictObject({ reason: z.literal('overlay-type-unsupported'), overlayType: text }),
    errnoDetails,
  ]),
  FAT32_FILE_LIMIT: z.strictObject({
    sizeBytes: bytes,
    limitBytes: bytes,
    item: sizedItem.optional(),
    path: text.optional(),
  }),
  TARGET_REFUSED: z.union([
    errnoDetails,
    // The wizard's drive is no longer listed, or the list blocks it (a system disk, the ISO's).
    z.strictObject({ reason: z.enum(['not-listed', 'blocked']) }),
  ]),
  ACCESS_DENIED: errnoDetails,
  ELEVATION_DENIED: z.never(),
  DEVICE_BUSY: z.union([
    errnoDetails,
    // LiveStick itself is writing that stick (or another one: one write at a time).
    z.strictObject({ reason: z.literal('livestick-writing'), device: text }),
  ]),
  DEVICE_UNPLUGGED: errnoDetails,
  WRITE_PROTECTED: errnoDetails,
  MEDIA_ERROR: errnoDetails,
  VERIFY_MISMATCH: z.strictObject({ offset: bytes, length: bytes, region: text }),
  CANCELLED: z.never(),
  INTERNAL: z.strictObject({ errno: text }),
} as const satisfies Record<ErrorCode, z.ZodType>;

export type ErrorDetails<C extends ErrorCode = ErrorCode> = z.infer<(typeof ERROR_DETAILS)[C]>;

function wireErrorOf<C extends ErrorCode>(code: C) {
  return z.strictObject({
    code: z.literal(code),
    message: z.string(),
    details: z.optional(ERROR_DETAILS[code]),
  });
}

/** What an error looks like on the wire (helper → main → renderer, CLI `--json`). */
export const wireErrorSchema = z.discriminatedUnion('code', [
  wireErrorOf('NOT_LIVEOS'),
  wireErrorOf('SOURCE_UNREADABLE'),
  wireErrorOf('SOURCE_CORRUPT'),
  wireErrorOf('DOES_NOT_FIT'),
  wireErrorOf('FAT32_FILE_LIMIT'),
  wireErrorOf('TARGET_REFUSED'),
  wireErrorOf('ACCESS_DENIED'),
  wireErrorOf('ELEVATION_DENIED'),
  wireErrorOf('DEVICE_BUSY'),
  wireErrorOf('DEVICE_UNPLUGGED'),
  wireErrorOf('WRITE_PROTECTED'),
  wireErrorOf('MEDIA_ERROR'),
  wireErrorOf('VERIFY_MISMATCH'),
  wireErrorOf('CANCELLED'),
  wireErrorOf('INTERNAL'),
]);

export type WireError = {
  readonly [C in ErrorCode]: {
    readonly code: C;
    readonly message: string;
    readonly details?: ErrorDetails<C>;
  };
}[ErrorCode];

export class LiveStickError<C extends ErrorCode = ErrorCode> extends Error {
  override readonly name = 'LiveStickError';
  constructor(
    readonly code: C,
    message: string,
    readonly details?: ErrorDetails<C>,
  ) {
    super(message);
  }

  /** Narrows to one code, so its details have that code's shape. */
  static is<C extends ErrorCode>(error: unknown, code: C): error is LiveStickError<C> {
    return error instanceof LiveStickError && error.code === code;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

export function toWire(error: unknown): WireError {
  if (error instanceof LiveStickError) {
    const bare: WireError = { code: error.code, message: error.message };
    if (error.details === undefined) return bare;
    // Details are typed per code where errors are made; checking them here keeps a mismatch
    // from reaching the wire, where main would reject the whole message.
    const checked = wireErrorSchema.safeParse({ ...bare, details: error.details });
    return checked.success ? checked.data : bare;
  }
  if (isWireError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message };
}

export function fromWire(wire: WireError): LiveStickError {
  return new LiveStickError(wire.code, wire.message, wire.details);
}

export function isWireError(value: unknown): value is WireError {
  return wireErrorSchema.safeParse(value).success;
}
