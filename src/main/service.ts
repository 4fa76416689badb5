// SPDX-License-Identifier: GPL-3.0-or-later
import { randomUUID } from 'node:crypto';
import { homedir } from 'node:os';
import path from 'node:path';
import {
  combinedSource,
  drivelistSource,
  watchDrives,
  type DriveSource,
  type DriveWatcher,
} from '../engine/drives';
import type { WriteResult } from '../engine/jobs';
import { DEFAULT_RESTORE_LABEL, type MaintenanceJob } from '../engine/run-maintain';
import { LiveStickError, fromWire, toWire } from '../shared/errors';
import type {
  CancelledStick,
  DriveInfo,
  EventName,
  Events,
  ImageSummary,
  Request,
  ServiceHandlers,
  WriteJobInfo,
  WriteOutcome,
} from '../shared/ipc';
import type { Progress } from '../shared/progress';
import { MiB } from '../shared/units';
import { createEngine, type ServiceEngine } from './engine';
import {
  locateHelper,
  startInspectJob,
  startMaintainJob,
  startWriteJob,
  type HelperJob,
  type HelperLocation,
  type StartHelperJobOptions,
} from './helper-client';

/**
 * The main-process service without Electron: Electron's main and the browser bridge both build
 * it, each supplying what only it can do (a native file dialog, the drive source). Everything the
 * renderer sends was schema-checked by dispatch; here it is checked against the world: a write
 * or inspect may only name a drive that is in the current list and not blocked.
 */
export interface ServiceEnvironment {
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  /**
   * A native "open file" dialog, answering null when the user cancels; null itself where there
   * is no dialog (a plain browser), so the page asks for a typed path instead.
   */
  readonly chooseImageFile: (() => Promise<string | null>) | null;
  /** Where drives come from (default: drivelist). The bridge adds image files. */
  readonly drives?: DriveSource;
  /** Where the helper is and what runs it (default: next to this bundle in dist/). */
  readonly helper?: HelperLocation;
  readonly engine?: ServiceEngine;
  /** Hot-plug poll interval while someone is looking (default 2 s). */
  readonly drivePollMs?: number;
  /** Replaces the helper launcher (tests). */
  readonly launch?: StartHelperJobOptions['launch'];
  /** Helper log lines and background errors (default: stderr). */
  log?(line: string): void;
}

export interface Service {
  readonly handlers: ServiceHandlers;
  /** True while a write runs: quitting must ask first. */
  isBusy(): boolean;
  dispose(): void;
}

export interface DriveAwareService extends Service {
  /** Hot-plug polling runs only while the UI is visible; Electron main toggles it. */
  setDrivePolling(active: boolean): void;
}

const DRIVE_POLL_MS = 2_000;

function defaultHelperLocation(): HelperLocation {
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  const isElectron = typeof process.versions.electron === 'string';
  const packaged = isElectron && resourcesPath !== undefined && !process.defaultApp;
  return locateHelper({
    execPath: process.execPath,
    resourcesPath: packaged ? resourcesPath : null,
    appImage: packaged ? (process.env.APPIMAGE ?? null) : null,
    // This module is bundled into dist/main/main.cjs or dist/bridge/web.cjs.
    distDir: path.resolve(__dirname, '..'),
    isElectron,
  });
}

/** `~` and `~/…` as a shell would expand them: typed paths in the browser often start so. */
export function expandHome(file: string, home: string = homedir()): string {
  if (file === '~') return home;
  return file.startsWith('~/') ? path.join(home, file.slice(2)) : file;
}

/**
 * What a cancelled write left on the stick, judged from the last phase the helper reported: the
 * engine touches the target only after reporting the writing phase, and verification starts
 * once every byte (the partition table last) is written.
 */
export function cancelledStick(last: Progress | null): CancelledStick {
  if (last === null || last.phase === 'preparing') return 'unchanged';
  return last.phase === 'writing' ? 'incomplete' : 'unverified';
}

/** The outcome of a write job as the renderer sees it: data, no engine sentences. */
export function writeOutcome(
  settled: { ok: true; result: WriteResult } | { ok: false; error: unknown },
  last: Progress | null,
): WriteOutcome {
  if (settled.ok) {
    const { label, uuid, freeBytes, verified, biosBoot } = settled.result;
    return { status: 'succeeded', stick: { label, uuid, freeBytes, verified, biosBoot } };
  }
  const wire = toWire(settled.error);
  return wire.code === 'CANCELLED'
    ? { status: 'cancelled', stick: cancelledStick(last) }
    : { status: 'failed', error: wire };
}

/**
 * The refusal for any job on a stick LiveStick itself is writing: said as that, never as "in use
 * by another program".
 */
function writingError(device: string, writing: DriveInfo): LiveStickError {
  const details = { reason: 'livestick-writing' as const, device: writing.device };
  return device === writing.device
    ? new LiveStickError('DEVICE_BUSY', `LiveStick is writing ${device} right now.`, details)
    : new LiveStickError(
        'DEVICE_BUSY',
        `LiveStick is writing ${writing.device}; one stick at a time.`,
        details,
      );
}

/** The renderer's request as the engine's job; sizes cross IPC in MiB, the engine counts bytes. */
export function maintenanceJob(request: Request<'maintain'>): MaintenanceJob {
  const target = request.device;
  switch (request.action) {
    case 'reset-overlay':
      return { action: 'reset-overlay', target };
    case 'grow':
      if (request.overlayMiB === undefined && request.homeMiB === undefined) {
        throw new LiveStickError('INTERNAL', 'Growing needs a new overlay or home size.');
      }
      return {
        action: 'grow',
        target,
        ...(request.overlayMiB !== undefined ? { overlayBytes: request.overlayMiB * MiB } : {}),
        ...(request.homeMiB !== undefined ? { homeBytes: request.homeMiB * MiB } : {}),
      };
    case 'persistence-menu':
      return { action: 'persistence-menu', target, enabled: request.enabled ?? true };
    case 'restore':
      return { action: 'restore', target, label: request.label ?? DEFAULT_RESTORE_LABEL };
  }
}

export function createService(environment: ServiceEnvironment): DriveAwareService {
  const engine = environment.engine ?? createEngine();
  const drives = environment.drives ?? combinedSource([drivelistSource()]);
  const log = environment.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let helperLocation: HelperLocation | null = environment.helper ?? null;
  const helper = (): HelperLocation => (helperLocation ??= defaultHelperLocation());

  let showAll = false;
  let imagePath: string | null = null;
  let polling = true;
  /** Images as they were opened, so a write can describe its image without reading it again. */
  const images = new Map<string, ImageSummary>();

  /**
   * The write this service owns (docs/ARCHITECTURE.md, "The wizard's store"): running, or
   * finished and kept until a page dismisses it, so the job outlives the page that started it.
   */
  let write: {
    readonly info: Omit<WriteJobInfo, 'progress' | 'cancelling' | 'outcome'>;
    readonly job: HelperJob<WriteResult>;
    progress: Progress | null;
    cancelling: boolean;
    outcome: WriteOutcome | null;
  } | null = null;
  const running = (): typeof write => (write !== null && write.outcome === null ? write : null);

  const query = () => ({ showAll, imagePath });
  const watcher: DriveWatcher = watchDrives({
    source: drives,
    query,
    intervalMs: environment.drivePollMs ?? DRIVE_POLL_MS,
    onChange: (list) => environment.emit('drivesChanged', list),
    onError: (error) => log(`drive scan failed: ${toWire(error).message}`),
  });
  const updatePolling = (): void => {
    // Like rpi-imager: no scanning while a write holds the bus.
    if (polling && running() === null) watcher.start();
    else watcher.stop();
  };

  /** The drive as the current list shows it, refusing what the user could not have chosen. */
  const choosable = async (device: string): Promise<DriveInfo> => {
    const list = await drives.list({ showAll: true, imagePath });
    const drive = list.find((candidate) => candidate.device === device);
    if (!drive) {
      throw new LiveStickError('TARGET_REFUSED', `${device} is not one of the listed drives.`, {
        reason: 'not-listed',
      });
    }
    if (drive.blockedReason) {
      throw new LiveStickError('TARGET_REFUSED', `${device} ${drive.blockedReason}.`, {
        reason: 'blocked',
      });
    }
    return drive;
  };

  const refuseWhileWriting = (device: string): void => {
    const current = running();
    if (current) throw writingError(device, current.info.drive);
  };

  const handlers: ServiceHandlers = {
    chooseImage: async () => {
      if (environment.chooseImageFile === null) return { kind: 'no-dialog' };
      const chosen = await environment.chooseImageFile();
      return chosen === null ? { kind: 'cancelled' } : { kind: 'chosen', path: chosen };
    },

    openImage: async ({ path: typed }) => {
      const file = expandHome(typed);
      const summary = await engine.probeImage(file);
      images.set(file, summary);
      imagePath = file;
      return summary;
    },

    listDrives: async (request) => {
      showAll = request.showAll;
      const list = await watcher.poll();
      updatePolling();
      return list;
    },

    plan: (request) => engine.plan(request),

    startWrite: async (request) => {
      refuseWhileWriting(request.device);
      if (request.sizing.encryptedHome && !request.homePassphrase) {
        throw new LiveStickError('INTERNAL', 'An encrypted home needs a passphrase.');
      }
      imagePath = request.imagePath;
      const drive = await choosable(request.device);
      const image = images.get(request.imagePath) ?? (await engine.probeImage(request.imagePath));
      const planned = await engine.plan({
        imagePath: request.imagePath,
        targetBytes: drive.sizeBytes,
        sizing: request.sizing,
      });
      if (!planned.ok) throw fromWire(planned.error);
      // Checked again: a second page may have started a write while this one was planning.
      refuseWhileWriting(request.device);
      const isDevice = drive.bus !== 'file';
      const jobId = randomUUID();
      const job = startWriteJob({
        location: helper(),
        elevate: isDevice,
        message: {
          v: 1,
          type: 'write',
          job: {
            imagePath: request.imagePath,
            target: request.device,
            sizing: request.sizing,
            verify: request.verify,
            zeroFill: false,
            ...(request.homePassphrase ? { homePassphrase: request.homePassphrase } : {}),
          },
          unmount: isDevice,
          eject: isDevice,
        },
        callbacks: {
          onProgress: (progress) => {
            if (write?.info.jobId === jobId) write.progress = progress;
            environment.emit('writeProgress', { jobId, progress });
          },
          onLog: log,
        },
        ...(environment.launch ? { launch: environment.launch } : {}),
      });
      const record: NonNullable<typeof write> = {
        info: {
          jobId,
          image,
          drive,
          sizing: request.sizing,
          layout: planned.layout,
          verify: request.verify,
        },
        job,
        progress: null,
        cancelling: false,
        outcome: null,
      };
      write = record;
      updatePolling();
      void job.outcome
        .then(
          (result) => ({ ok: true as const, result }),
          (error: unknown) => ({ ok: false as const, error }),
        )
        .then((settled) => {
          record.outcome = writeOutcome(settled, record.progress);
          record.cancelling = false;
          environment.emit('writeFinished', { jobId, outcome: record.outcome });
        })
        .finally(() => {
          updatePolling();
          void watcher.poll().catch(() => undefined);
        });
      return { jobId };
    },

    cancelWrite: async ({ jobId }) => {
      const current = running();
      if (!current || current.info.jobId !== jobId) {
        throw new LiveStickError('INTERNAL', 'No write with that id is running.');
      }
      current.cancelling = true;
      await current.job.cancel();
      return null;
    },

    currentWrite: async () =>
      write === null
        ? null
        : {
            ...write.info,
            progress: write.progress,
            cancelling: write.cancelling,
            outcome: write.outcome,
          },

    dismissWrite: async ({ jobId }) => {
      if (write?.info.jobId === jobId && write.outcome !== null) write = null;
      return null;
    },

    inspect: async ({ device }) => {
      refuseWhileWriting(device);
      const drive = await drives
        .list({ showAll: true, imagePath })
        .then((list) => list.find((candidate) => candidate.device === device));
      if (!drive) {
        throw new LiveStickError('TARGET_REFUSED', `${device} is not one of the listed drives.`, {
          reason: 'not-listed',
        });
      }
      if (drive.bus === 'file') return engine.inspectFile(device);
      const job = startInspectJob({
        location: helper(),
        elevate: true,
        message: { v: 1, type: 'inspect', job: { target: device } },
        callbacks: { onProgress: () => undefined, onLog: log },
        ...(environment.launch ? { launch: environment.launch } : {}),
      });
      return job.outcome;
    },

    maintain: async (request) => {
      refuseWhileWriting(request.device);
      const drive = await choosable(request.device);
      const job = maintenanceJob(request);
      if (drive.bus === 'file') return engine.maintainFile(job);
      const helperJob = startMaintainJob({
        location: helper(),
        elevate: true,
        message: { v: 1, type: 'maintain', job, unmount: true },
        callbacks: { onProgress: () => undefined, onLog: log },
        ...(environment.launch ? { launch: environment.launch } : {}),
      });
      return helperJob.outcome;
    },
  };

  return {
    handlers,
    isBusy: () => running() !== null,
    setDrivePolling: (on) => {
      polling = on;
      updatePolling();
    },
    dispose: () => {
      watcher.stop();
      void running()?.job.cancel();
    },
  };
}
