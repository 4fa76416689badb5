// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The write job as main owns it (src/main/service.ts): it outlives the page, so a page that comes
 * back finds it; jobs on its stick are refused as LiveStick's own; and however a cancel races
 * the job's end, the outcome says what really happened to the stick. The helper is the real
 * helper process and protocol with a scripted runner (scripted-helper.ts).
 */
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureImageFileDrives, imageFileDrives } from '../../src/engine/drives';
import type { LaunchSpec } from '../../src/main/elevate';
import { createService, type DriveAwareService } from '../../src/main/service';
import type { LiveStickError } from '../../src/shared/errors';
import type { Events, Sizing, WriteOutcome } from '../../src/shared/ipc';
import { ROOT, nodeLocation, recordingLauncher } from './helper-harness';
import { makeLiveIso, tempDir } from './iso-fixtures';

const MiB = 1024 ** 2;
const sizing: Sizing = { overlayType: 'auto', encryptedHome: false, partitionTable: 'mbr' };

let work: ReturnType<typeof tempDir>;
let iso: string;
let stick: string;
let other: string;
let service: DriveAwareService;
let script = '';
const progress: Events['writeProgress'][] = [];
const finished: Events['writeFinished'][] = [];
const recorder = recordingLauncher();

beforeAll(async () => {
  work = tempDir('service-job');
  const helper = path.join(work.path, 'scripted-helper.cjs');
  await build({
    entryPoints: [path.join(ROOT, 'test/integration/scripted-helper.ts')],
    outfile: helper,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
  });
  iso = makeLiveIso(work.path, { era: 'modern' });
  stick = path.join(work.path, 'stick.img');
  other = path.join(work.path, 'other.img');
  const drives = [
    { path: stick, sizeBytes: 256 * MiB },
    { path: other, sizeBytes: 256 * MiB },
  ];
  await ensureImageFileDrives(drives);
  service = createService({
    emit: (event, payload) => {
      if (event === 'writeProgress') progress.push(payload as Events['writeProgress']);
      if (event === 'writeFinished') finished.push(payload as Events['writeFinished']);
    },
    chooseImageFile: null,
    drives: imageFileDrives(drives),
    helper: nodeLocation(helper),
    launch: (spec: LaunchSpec) =>
      recorder.launch({ ...spec, env: { ...spec.env, LIVESTICK_TEST_SCRIPT: script } }),
    log: () => undefined,
  });
  await service.handlers.openImage({ path: iso });
});

afterAll(() => {
  service?.dispose();
  work?.remove();
});

async function until<T>(find: () => T | undefined): Promise<T> {
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Starts a scripted write, waits for its one progress event, cancels it and returns the end. */
async function cancelDuring(course: string): Promise<WriteOutcome> {
  script = course;
  const { jobId } = await service.handlers.startWrite({
    imagePath: iso,
    device: stick,
    sizing,
    verify: true,
  });
  await until(() => progress.find((event) => event.jobId === jobId));
  const cancelling = service.handlers.cancelWrite({ jobId });
  const during = await service.handlers.currentWrite({});
  expect(during).toMatchObject({ jobId, cancelling: true, outcome: null });
  await cancelling;
  const { outcome } = await until(() => finished.find((event) => event.jobId === jobId));
  const after = await service.handlers.currentWrite({});
  expect(after).toMatchObject({ jobId, cancelling: false, outcome });
  await service.handlers.dismissWrite({ jobId });
  expect(await service.handlers.currentWrite({})).toBeNull();
  return outcome;
}

describe('the write job main owns', () => {
  it('is there for a page that comes back, and refuses other jobs on its stick as its own', async () => {
    script = 'writing:stop';
    const { jobId } = await service.handlers.startWrite({
      imagePath: iso,
      device: stick,
      sizing,
      verify: true,
    });
    await until(() => progress.find((event) => event.jobId === jobId));
    const current = await service.handlers.currentWrite({});
    expect(current).toMatchObject({
      jobId,
      drive: { device: stick },
      image: { path: iso },
      sizing,
      verify: true,
      progress: { phase: 'writing' },
      cancelling: false,
      outcome: null,
    });
    expect(current?.layout.targetBytes).toBe(256 * MiB);
    expect(service.isBusy()).toBe(true);

    const refusals = await Promise.allSettled([
      service.handlers.inspect({ device: stick }),
      service.handlers.maintain({ device: stick, action: 'reset-overlay' }),
      service.handlers.startWrite({ imagePath: iso, device: stick, sizing, verify: true }),
      service.handlers.startWrite({ imagePath: iso, device: other, sizing, verify: true }),
    ]);
    for (const refusal of refusals) {
      expect(refusal.status).toBe('rejected');
      const error = (refusal as PromiseRejectedResult).reason as LiveStickError;
      expect(error.code).toBe('DEVICE_BUSY');
      expect(error.details).toMatchObject({ reason: 'livestick-writing', device: stick });
    }
    // A finished write cannot be dismissed while it runs.
    await service.handlers.dismissWrite({ jobId });
    expect((await service.handlers.currentWrite({}))?.jobId).toBe(jobId);

    await service.handlers.cancelWrite({ jobId });
    await until(() => finished.find((event) => event.jobId === jobId));
    expect(service.isBusy()).toBe(false);
    await service.handlers.dismissWrite({ jobId });
  });

  it('says the stick is unchanged when the cancel came while preparing', async () => {
    expect(await cancelDuring('preparing:stop')).toEqual({
      status: 'cancelled',
      stick: 'unchanged',
    });
  });

  it('says the stick is incomplete when the cancel came while writing', async () => {
    expect(await cancelDuring('writing:stop')).toEqual({
      status: 'cancelled',
      stick: 'incomplete',
    });
  });

  it('says the stick is written but unverified when the cancel came while verifying', async () => {
    expect(await cancelDuring('verifying:stop')).toEqual({
      status: 'cancelled',
      stick: 'unverified',
    });
  });

  it('reports success when the job completed inside the cancel grace period', async () => {
    expect(await cancelDuring('finalizing:succeed')).toEqual({
      status: 'succeeded',
      stick: {
        label: 'LIVE',
        uuid: '1A2B-3C4D',
        freeBytes: 123 * MiB,
        verified: true,
        biosBoot: false,
      },
    });
  });

  it('expands ~ in a typed image path and has no dialog where none was given', async () => {
    expect(await service.handlers.chooseImage({})).toEqual({ kind: 'no-dialog' });
    const home = process.env.HOME;
    process.env.HOME = path.dirname(iso);
    try {
      const summary = await service.handlers.openImage({ path: `~/${path.basename(iso)}` });
      expect(summary.path).toBe(iso);
    } finally {
      process.env.HOME = home;
    }
  });
});
