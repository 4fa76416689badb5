// SPDX-License-Identifier: GPL-3.0-or-later
import { z } from 'zod';
import type { WriteResult } from '../engine/jobs';
import { wireErrorSchema } from '../shared/errors';
import {
  sizingSchema,
  type InspectReport,
  type MaintenanceAction,
  type MaintenanceResult,
} from '../shared/ipc';
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

const count = z.number().int().nonnegative();
const overlayKind = z.enum(['dm-snapshot', 'overlayfs']);
const sentences = z.array(z.string());

/**
 * One schema per job result, checked where main receives it (src/main/helper-client.ts). Each is
 * typed against the engine's own result interface, so the two cannot drift apart unnoticed.
 */
export const writeResultSchema: z.ZodType<WriteResult> = z.strictObject({
  target: devicePath,
  label: z.string(),
  uuid: z.string(),
  overlayKind: z.enum([...overlayKind.options, 'none']),
  overlayPath: z.string().nullable(),
  bytesWritten: count,
  freeBytes: count,
  verified: z.boolean(),
  biosBoot: z.boolean(),
  summary: sentences,
});

export const inspectReportSchema: z.ZodType<InspectReport> = z.strictObject({
  device: devicePath,
  label: z.string().nullable(),
  uuid: z.string().nullable(),
  overlay: z
    .strictObject({
      kind: overlayKind,
      path: z.string(),
      sizeBytes: count,
      allocatedSectors: count.nullable(),
      totalSectors: count.nullable(),
      metadataSectors: count.nullable(),
      percentUsed: z.number().nonnegative().nullable(),
      state: z.string(),
      expectedPath: z.string().optional(),
      usedBytes: count.nullable().optional(),
    })
    .nullable(),
  home: z
    .strictObject({ sizeBytes: count, usedBytes: count.nullable(), encrypted: z.boolean() })
    .nullable(),
  freeBytes: count,
  kernelArgs: z.array(z.string()),
  statusLine: z.string().nullable().optional(),
  partitionTable: z.enum(['mbr', 'gpt', 'none']).optional(),
  swapBytes: count.optional(),
  persistenceMenu: z.boolean().optional(),
  rootfsImageBytes: count.nullable().optional(),
  warnings: sentences.optional(),
});

/** The result of one maintenance action; each action answers with its own name. */
function maintenanceResultOf<A extends MaintenanceAction>(action: A) {
  return z.strictObject({
    device: devicePath,
    action: z.literal(action),
    bytesWritten: count,
    summary: sentences,
  });
}

export const maintenanceResultSchema: z.ZodType<MaintenanceResult> = z.discriminatedUnion(
  'action',
  [
    maintenanceResultOf('reset-overlay'),
    maintenanceResultOf('grow'),
    maintenanceResultOf('persistence-menu'),
    maintenanceResultOf('restore'),
  ],
);

/** What each job answers with, by the job message's type. */
export interface JobResults {
  readonly write: WriteResult;
  readonly inspect: InspectReport;
  readonly maintain: MaintenanceResult;
}
export type JobType = keyof JobResults;

/** What the helper sends. A result names the job it answers and has that job's shape. */
export const helperMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    v,
    type: z.literal('hello'),
    token: z.string().regex(/^[0-9a-f]{64}$/),
    pid: z.number().int(),
  }),
  z.strictObject({ v, type: z.literal('progress'), progress: progressSchema }),
  z.strictObject({ v, type: z.literal('log'), message: z.string().max(4096) }),
  z.discriminatedUnion('job', [
    z.strictObject({
      v,
      type: z.literal('result'),
      job: z.literal('write'),
      result: writeResultSchema,
    }),
    z.strictObject({
      v,
      type: z.literal('result'),
      job: z.literal('inspect'),
      result: inspectReportSchema,
    }),
    z.strictObject({
      v,
      type: z.literal('result'),
      job: z.literal('maintain'),
      result: maintenanceResultSchema,
    }),
  ]),
  z.strictObject({ v, type: z.literal('error'), error: wireErrorSchema }),
]);
export type HelperMessage = z.infer<typeof helperMessageSchema>;
export type ResultMessage = Extract<HelperMessage, { type: 'result' }>;

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
