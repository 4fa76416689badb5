// SPDX-License-Identifier: GPL-3.0-or-later
import { randomUUID } from 'node:crypto';
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
import { LiveStickError, toWire } from '../shared/errors';
import type { DriveInfo, EventName, Events, Request, ServiceHandlers } from '../shared/ipc';
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
  /** A native "open file" dialog; null when the user cancels. */
  chooseImageFile(): Promise<string | null>;
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
  let active: { jobId: string; job: HelperJob<WriteResult> } | null = null;

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
    if (polling && active === null) watcher.start();
    else watcher.stop();
  };

  /** The drive as the current list shows it, refusing what the user could not have chosen. */
  const choosable = async (device: string): Promise<DriveInfo> => {
    const list = await drives.list({ showAll: true, imagePath });
    const drive = list.find((candidate) => candidate.device === device);
    if (!drive) {
      throw new LiveStickError('TARGET_REFUSED', `${device} is not one of the listed drives.`);
    }
    if (drive.blockedReason) {
      throw new LiveStickError('TARGET_REFUSED', `${device} ${drive.blockedReason}.`);
    }
    return drive;
  };

  const handlers: ServiceHandlers = {
    chooseImage: () => environment.chooseImageFile(),

    openImage: async ({ path: file }) => {
      const summary = await engine.probeImage(file);
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
      if (active) throw new LiveStickError('DEVICE_BUSY', 'A stick is already being written.');
      if (request.sizing.encryptedHome && !request.homePassphrase) {
        throw new LiveStickError('INTERNAL', 'An encrypted home needs a passphrase.');
      }
      imagePath = request.imagePath;
      const drive = await choosable(request.device);
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
          onProgress: (progress) => environment.emit('writeProgress', { jobId, progress }),
          onLog: log,
        },
        ...(environment.launch ? { launch: environment.launch } : {}),
      });
      active = { jobId, job };
      updatePolling();
      void job.outcome
        .then(
          (result) =>
            environment.emit('writeFinished', {
              jobId,
              outcome: { status: 'succeeded', summary: result.summary },
            }),
          (error: unknown) => {
            const wire = toWire(error);
            environment.emit('writeFinished', {
              jobId,
              outcome:
                wire.code === 'CANCELLED'
                  ? { status: 'cancelled' }
                  : { status: 'failed', error: wire },
            });
          },
        )
        .finally(() => {
          active = null;
          updatePolling();
          void watcher.poll().catch(() => undefined);
        });
      return { jobId };
    },

    cancelWrite: async ({ jobId }) => {
      if (!active || active.jobId !== jobId) {
        throw new LiveStickError('INTERNAL', 'No write with that id is running.');
      }
      await active.job.cancel();
      return null;
    },

    inspect: async ({ device }) => {
      const drive = await drives
        .list({ showAll: true, imagePath })
        .then((list) => list.find((candidate) => candidate.device === device));
      if (!drive) {
        throw new LiveStickError('TARGET_REFUSED', `${device} is not one of the listed drives.`);
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
      if (active) throw new LiveStickError('DEVICE_BUSY', 'A stick is being written.');
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
    isBusy: () => active !== null,
    setDrivePolling: (on) => {
      polling = on;
      updatePolling();
    },
    dispose: () => {
      watcher.stop();
      void active?.job.cancel();
    },
  };
}
