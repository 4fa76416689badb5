// SPDX-License-Identifier: GPL-3.0-or-later
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { LiveStickError } from '../shared/errors';
import type { Extent } from '../core/extent';
import type { ProgressMeter } from './progress-meter';
import type { Target } from './target';

/** One write call: large enough for full USB throughput, small enough to keep memory flat. */
export const CHUNK_BYTES = 4 * 1024 * 1024;
/**
 * The partition table and boot sector live here; they are written last, so an interrupted
 * write never leaves a stick that looks bootable (docs/ARCHITECTURE.md, "Data flow of a write").
 */
export const FIRST_REGION_BYTES = 1024 * 1024;

/** A contiguous piece of the target, ≤ CHUNK_BYTES, assembled from one or more extents. */
interface WriteOp {
  readonly offset: number;
  readonly length: number;
  readonly parts: readonly {
    readonly at: number;
    readonly extent: Extent;
    readonly from: number;
    readonly length: number;
  }[];
}

export interface SourceReader {
  /** Fills `into` with source bytes starting at `offset`. */
  readInto(into: Uint8Array, offset: number): Promise<void>;
}

export function fileSourceReader(handle: FileHandle, label: string): SourceReader {
  return {
    async readInto(into, offset) {
      let done = 0;
      while (done < into.length) {
        const { bytesRead } = await handle.read(into, done, into.length - done, offset + done);
        if (bytesRead === 0) {
          throw new LiveStickError(
            'SOURCE_CORRUPT',
            `${label} ended early at byte ${offset + done}; the file may be truncated.`,
          );
        }
        done += bytesRead;
      }
    },
  };
}

/**
 * Splits sorted extents into contiguous ops of at most CHUNK_BYTES, merging neighbours. No op
 * crosses FIRST_REGION_BYTES, so the first MiB can be held back as a whole.
 */
export function toWriteOps(extents: readonly Extent[]): WriteOp[] {
  const ops: WriteOp[] = [];
  let current: { offset: number; length: number; parts: WriteOp['parts'][number][] } | null = null;
  for (const extent of extents) {
    let from = 0;
    while (from < extent.length) {
      const at = extent.offset + from;
      if (
        !current ||
        current.offset + current.length !== at ||
        current.length === CHUNK_BYTES ||
        at === FIRST_REGION_BYTES
      ) {
        if (current) ops.push(current);
        current = { offset: at, length: 0, parts: [] };
      }
      const boundary = at < FIRST_REGION_BYTES ? FIRST_REGION_BYTES - at : Infinity;
      const take = Math.min(extent.length - from, CHUNK_BYTES - current.length, boundary);
      current.parts.push({ at: current.length, extent, from, length: take });
      current.length += take;
      from += take;
    }
  }
  if (current) ops.push(current);
  return ops;
}

async function fill(op: WriteOp, buffer: Uint8Array, source: SourceReader): Promise<Uint8Array> {
  const view = buffer.subarray(0, op.length);
  for (const part of op.parts) {
    const into = view.subarray(part.at, part.at + part.length);
    const fillKind = part.extent.fill;
    switch (fillKind.kind) {
      case 'zero':
        into.fill(0);
        break;
      case 'bytes':
        into.set(fillKind.data.subarray(part.from, part.from + part.length));
        break;
      case 'source':
        await source.readInto(into, fillKind.sourceOffset + part.from);
        break;
    }
  }
  return view;
}

function digest(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('base64');
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new LiveStickError('CANCELLED', 'The write was cancelled.');
}

export interface WriteExtentsOptions {
  readonly target: Target;
  readonly source: SourceReader;
  /** Sorted, non-overlapping, absolute offsets. */
  readonly extents: readonly Extent[];
  readonly signal: AbortSignal;
  readonly meter: ProgressMeter;
  /** Keep a hash of every chunk for verifyWritten; hashing costs more than the copy itself. */
  readonly hash: boolean;
}

export interface WrittenPlan {
  readonly ops: readonly WriteOp[];
  readonly digests: readonly string[];
  readonly bytesWritten: number;
}

/**
 * Writes the plan in one ascending pass with read-ahead: while chunk N is being written, chunk
 * N+1 is already being assembled from the ISO. Ops inside the first MiB are held back and
 * written after everything else and a flush, so a stick interrupted at any moment has no
 * partition table and does not look bootable. A SHA-256 of every chunk is kept for the
 * read-back verification.
 */
export async function writeExtents(options: WriteExtentsOptions): Promise<WrittenPlan> {
  const { target, source, signal, meter } = options;
  const all = toWriteOps(options.extents);
  const head = all.filter((op) => op.offset < FIRST_REGION_BYTES);
  const rest = all.filter((op) => op.offset >= FIRST_REGION_BYTES);
  const ordered = [...rest, ...head];
  const bytesTotal = ordered.reduce((sum, op) => sum + op.length, 0);
  meter.start('writing', bytesTotal);

  const buffers = [new Uint8Array(CHUNK_BYTES), new Uint8Array(CHUNK_BYTES)];
  const digests: string[] = [];
  let pending = ordered.length ? fill(ordered[0]!, buffers[0]!, source) : null;
  for (let i = 0; i < ordered.length; i++) {
    throwIfCancelled(signal);
    const data = await pending!;
    const next = ordered[i + 1];
    pending = next ? fill(next, buffers[(i + 1) % 2]!, source) : null;
    // Ensure a failing read-ahead never becomes an unhandled rejection while we write.
    pending?.catch(() => undefined);
    if (
      i > 0 &&
      ordered[i]!.offset < FIRST_REGION_BYTES &&
      ordered[i - 1]!.offset >= FIRST_REGION_BYTES
    ) {
      // Everything else must be on the medium before the partition table makes it a stick.
      await target.io.sync();
    }
    if (options.hash) digests.push(digest(data));
    await target.io.write(data, ordered[i]!.offset);
    meter.add(data.length);
  }
  await target.io.sync();
  meter.flush();
  return { ops: ordered, digests, bytesWritten: bytesTotal };
}

/** Zeroes ranges (old signatures at both ends of the disk) and flushes, before anything else. */
export async function wipeRanges(
  target: Target,
  ranges: readonly { offset: number; length: number }[],
): Promise<void> {
  const zeros = new Uint8Array(CHUNK_BYTES);
  for (const range of ranges) {
    for (let done = 0; done < range.length; done += CHUNK_BYTES) {
      const length = Math.min(CHUNK_BYTES, range.length - done);
      await target.io.write(zeros.subarray(0, length), range.offset + done);
    }
  }
  await target.io.sync();
}

/**
 * Reads back every written chunk and compares its hash. With direct I/O the reads come from the
 * medium; otherwise Linux's buffer cache of the device is dropped first, for the same reason.
 */
export async function verifyWritten(
  target: Target,
  plan: WrittenPlan,
  signal: AbortSignal,
  meter: ProgressMeter,
): Promise<void> {
  if (target.kind === 'device' && !target.io.direct && process.platform === 'linux') {
    spawnSync('blockdev', ['--flushbufs', target.path], { stdio: 'ignore' });
  }
  if (plan.digests.length !== plan.ops.length) {
    throw new LiveStickError('INTERNAL', 'The write kept no hashes to verify against.');
  }
  meter.start('verifying', plan.bytesWritten);
  const buffer = new Uint8Array(CHUNK_BYTES);
  for (let i = 0; i < plan.ops.length; i++) {
    throwIfCancelled(signal);
    const op = plan.ops[i]!;
    const view = buffer.subarray(0, op.length);
    await target.io.read(view, op.offset);
    if (digest(view) !== plan.digests[i]) {
      const labels = [...new Set(op.parts.map((part) => part.extent.label))].join(', ');
      throw new LiveStickError(
        'VERIFY_MISMATCH',
        `Bytes read back at offset ${op.offset} (${labels}) differ from what was written`,
        { offset: op.offset, length: op.length, region: labels },
      );
    }
    meter.add(op.length);
  }
  meter.flush();
}
