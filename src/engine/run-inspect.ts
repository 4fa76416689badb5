// SPDX-License-Identifier: GPL-3.0-or-later
import { LiveStickError } from '../shared/errors';
import type { InspectReport } from '../shared/ipc';
import { FormatError } from '../core/format-error';
import { inspectStick, type StickInspection } from '../core/stick/read-stick';
import { toInspectReport } from '../core/stick/report';
import { classifyError } from './classify-error';
import { hostDevices } from './device/host-devices';
import { FileSource } from './file-source';
import type { JobHooks } from './jobs';
import type { TargetAccess } from './target';
import { checkInspectTarget, type CheckedTarget } from './target-checks';

/** Turns "these bytes are not what a stick holds" into the shared codes, naming the target. */
export function toInspectError(error: unknown, target: string): LiveStickError {
  if (error instanceof FormatError) {
    const notAStick =
      /^(MBR|GPT|disk)/.test(error.structure) || error.structure === 'FAT32 boot sector';
    return notAStick
      ? new LiveStickError(
          'NOT_LIVEOS',
          `${target} holds no FAT32 LiveOS stick (${error.message}).`,
        )
      : new LiveStickError('SOURCE_CORRUPT', `${target} is damaged: ${error.message}.`);
  }
  return classifyError(error, { path: target, kind: 'device' });
}

/** Inspection reads a few small structures; this is the largest piece read from a disk. */
const DEVICE_READ_BYTES = 1024 * 1024;

/**
 * A checked target as a byte source: an image file directly, a disk through its OS's device
 * layer, whose raw devices take only whole sectors and report no size of their own.
 */
async function openChecked(checked: CheckedTarget, access: TargetAccess): Promise<FileSource> {
  if (checked.kind === 'file') return FileSource.open(checked.path);
  const devices = access.devices ?? hostDevices();
  const disk = await devices.open(checked.path, { write: false, maxWriteBytes: DEVICE_READ_BYTES });
  return FileSource.over(
    {
      read: async (buffer, offset, length, position) => {
        await disk.io.read(buffer.subarray(offset, offset + length), position);
        return { bytesRead: length };
      },
      close: () => disk.io.close(),
    },
    disk.sizeBytes,
    checked.path,
  );
}

/** Reads a stick through the same checks and device layer as `inspect`, without reporting. */
export async function readStick(
  target: string,
  access: TargetAccess = {},
): Promise<StickInspection> {
  const checked = await checkInspectTarget(target, {
    ...access.checks,
    ...(access.devices ? { devices: access.devices } : {}),
  });
  const source = await openChecked(checked, access).catch((error: unknown) => {
    throw toInspectError(error, target);
  });
  try {
    return await inspectStick(source);
  } catch (error) {
    throw toInspectError(error, target);
  } finally {
    await source.close();
  }
}

/** The helper's and the CLI's `inspect` job: read-only, so no confirmation and no progress. */
export async function runInspect(
  target: string,
  hooks: JobHooks,
  access: TargetAccess = {},
): Promise<InspectReport> {
  hooks.signal.throwIfAborted();
  const stick = await readStick(target, access);
  hooks.onLog(`inspected ${target}: FAT32 "${stick.label}", UUID ${stick.uuid}`);
  return toInspectReport(target, stick);
}
