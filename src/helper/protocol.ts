// SPDX-License-Identifier: GPL-3.0-or-later
import { z } from 'zod';
import { wireErrorSchema } from '../shared/errors';
import { sizingSchema } from '../shared/ipc';
import { WRITE_PHASES } from '../shared/progress';
import { volumeLabelSchema } from '../shared/volume-label';

/**
 * The helper protocol (docs/ARCHITECTURE.md, "Contracts between processes"): JSON lines over a private channel that main listens on and
 * the helper connects to. The helper speaks first with the token it read from the 0600 file
 * next to the socket; main answers with exactly one job; then the helper streams progress and
 * logs and ends with one result or error. Main may send `cancel` at any time. Every message
 * carries the protocol version so a stale helper next to a newer app fails loudly.
 */
export const PROTOCOL_VERSION = 1;

/** A job line holds at most a few paths and a passphrase; anything longer is not ours. */
export const MAX_LINE_BYTES = 256 * 1024;

const v = z.literal(PROTOCOL_VERSION);
const devicePath = z.string().min(1).max(4096);

export const writeJobSchema = z.strictObject({
  imagePath: devicePath,
  target: devicePath,
  targetSizeBytes: z.number().int().positive().optional(),
  sizing: sizingSchema,
  verify: z.boolean(),
  zeroFill: z.boolean(),
  homePassphrase: z.string().min(1).max(1024).optional(),
  pbkdf2Iterations: z.number().int().min(1000).max(100_000_000).optional(),
});

export const inspectJobSchema = z.strictObject({ target: devicePath });

const newSizeBytes = z
  .number()
  .int()
  .positive()
  .max(2 ** 32);
/** A maintenance job (src/engine/run-maintain.ts MaintenanceJob), one per action. */
export const maintainJobSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('reset-overlay'), target: devicePath }),
  z.strictObject({
    action: z.literal('grow'),
    target: devicePath,
    overlayBytes: newSizeBytes.optional(),
    homeBytes: newSizeBytes.optional(),
  }),
  z.strictObject({
    action: z.literal('persistence-menu'),
    target: devicePath,
    enabled: z.boolean(),
  }),
  z.strictObject({
    action: z.literal('restore'),
    target: devicePath,
    label: volumeLabelSchema,
  }),
]);

/** What main sends. `unmount`/`eject` are the user's consent to release the stick. */
export const parentMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    v,
    type: z.literal('write'),
    job: writeJobSchema,
    unmount: z.boolean(),
    eject: z.boolean(),
  }),
  z.strictObject({ v, type: z.literal('inspect'), job: inspectJobSchema }),
  z.strictObject({ v, type: z.literal('maintain'), job: maintainJobSchema, unmount: z.boolean() }),
  z.strictObject({ v, type: z.literal('cancel') }),
]);
export type ParentMessage = z.infer<typeof parentMessageSchema>;
export type JobMessage = Exclude<ParentMessage, { type: 'cancel' }>;

const progressSchema = z.strictObject({
  phase: z.enum(WRITE_PHASES),
  bytesDone: z.number().nonnegative(),
  bytesTotal: z.number().nonnegative(),
  speedBps: z.number().nonnegative(),
  etaSeconds: z.number().nonnegative().nullable(),
});

/** What the helper sends. Results are the engine's own plain-data shapes. */
export const helperMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    v,
    type: z.literal('hello'),
    token: z.string().regex(/^[0-9a-f]{64}$/),
    pid: z.number().int(),
  }),
  z.strictObject({ v, type: z.literal('progress'), progress: progressSchema }),
  z.strictObject({ v, type: z.literal('log'), message: z.string().max(4096) }),
  z.strictObject({ v, type: z.literal('result'), result: z.record(z.string(), z.unknown()) }),
  z.strictObject({ v, type: z.literal('error'), error: wireErrorSchema }),
]);
export type HelperMessage = z.infer<typeof helperMessageSchema>;

export function encodeMessage(message: ParentMessage | HelperMessage): string {
  return `${JSON.stringify(message)}\n`;
}

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/**
 * Splits a byte stream into lines and parses each with the given schema. A line that is too
 * long, not JSON, or not a valid message is a protocol error: the peer is not who we think.
 */
export class LineDecoder<T> {
  private buffer = '';

  constructor(private readonly schema: z.ZodType<T>) {}

  push(chunk: string): T[] {
    this.buffer += chunk;
    const messages: T[] = [];
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) !== -1) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      if (line.trim() !== '') messages.push(this.parse(line));
    }
    if (this.buffer.length > MAX_LINE_BYTES) {
      throw new ProtocolError(`a protocol line exceeds ${MAX_LINE_BYTES} bytes`);
    }
    return messages;
  }

  private parse(line: string): T {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ProtocolError('a protocol line is not JSON');
    }
    const version = (value as { v?: unknown } | null)?.v;
    if (version !== PROTOCOL_VERSION) {
      throw new ProtocolError(
        `protocol version ${String(version)} received, ${PROTOCOL_VERSION} expected`,
      );
    }
    const parsed = this.schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ProtocolError(
        `invalid message${issue?.path.length ? ` at ${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`,
      );
    }
    return parsed.data;
  }
}

/** Argument names shared by the launcher (main) and the entry (helper). */
export const ARG_SOCKET = '--socket';
export const ARG_TOKEN_FILE = '--token-file';
