// SPDX-License-Identifier: GPL-3.0-or-later
import { LiveStickError } from '../shared/errors';
import type { InspectReport } from '../shared/ipc';
import { FormatError } from '../core/format-error';
import { inspectStick, type StickInspection } from '../core/stick/read-stick';
import { toInspectReport } from '../core/stick/report';
import { classifyError } from './classify-error';
import { FileSource } from './file-source';
import type { JobHooks } from './jobs';
import { checkInspectTarget } from './target-checks';

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

/**
 * Opens a stick read-only and inspects it. The caller closes the source; maintenance keeps it
 * open to plan against the same bytes it read.
 */
export async function openStick(
  target: string,
  options: { readonly sizeBytes?: number } = {},
): Promise<{ stick: StickInspection; source: FileSource }> {
  const source = await FileSource.open(
    target,
    options.sizeBytes === undefined ? {} : { size: options.sizeBytes },
  ).catch((error: unknown) => {
    throw toInspectError(error, target);
  });
  try {
    return { stick: await inspectStick(source), source };
  } catch (error) {
    await source.close();
    throw toInspectError(error, target);
  }
}

/** The helper's and the CLI's `inspect` job: read-only, so no confirmation and no progress. */
export async function runInspect(target: string, hooks: JobHooks): Promise<InspectReport> {
  const checked = await checkInspectTarget(target);
  hooks.signal.throwIfAborted();
  const { stick, source } = await openStick(checked.path);
  await source.close();
  hooks.onLog(`inspected ${target}: FAT32 "${stick.label}", UUID ${stick.uuid}`);
  return toInspectReport(target, stick);
}
