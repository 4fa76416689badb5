// SPDX-License-Identifier: GPL-3.0-or-later
import path from 'node:path';
import type { JobHooks } from '../engine/jobs';
import { runInspect } from '../engine/run-inspect';
import { runMaintain, type MaintenanceJob } from '../engine/run-maintain';
import { openLiveImage } from '../engine/run-write';
import { plannerImage } from '../core/plan/from-image';
import { planLayout, type PlannerImage } from '../core/plan/planner';
import { toWire } from '../shared/errors';
import type {
  ImageSummary,
  InspectReport,
  MaintenanceResult,
  PlanOutcome,
  Request,
} from '../shared/ipc';

/**
 * What the service needs from the engine without a helper: reading the ISO (the user's own
 * file, no privileges) and planning. Injectable so the service can be driven in tests with a
 * fake image, and so the bridge and Electron share one wiring.
 */
export interface ServiceEngine {
  probeImage(imagePath: string): Promise<ImageSummary>;
  plan(request: Request<'plan'>): Promise<PlanOutcome>;
  /** Image files only; devices are inspected by the helper. */
  inspectFile(target: string): Promise<InspectReport>;
  /** Image files only; devices are maintained by the helper. */
  maintainFile(job: MaintenanceJob): Promise<MaintenanceResult>;
}

export interface EngineOptions {
  /** Replaces the engine's stick inspection (tests). */
  readonly inspectFile?: (target: string) => Promise<InspectReport>;
  /** Replaces the engine's maintenance jobs (tests). */
  readonly maintainFile?: (job: MaintenanceJob) => Promise<MaintenanceResult>;
}

/** Image files need no progress: they are small writes on the user's own disk. */
const quietHooks = (): JobHooks => ({
  signal: new AbortController().signal,
  onProgress: () => undefined,
  onLog: () => undefined,
});

export function createEngine(options: EngineOptions = {}): ServiceEngine {
  // Planning runs on every slider move; the ISO is read once per path.
  const images = new Map<string, PlannerImage>();

  const probe = async (
    imagePath: string,
  ): Promise<{ summary: ImageSummary; planner: PlannerImage }> => {
    const { image, source } = await openLiveImage(imagePath);
    try {
      const planner = plannerImage(image);
      images.set(imagePath, planner);
      const summary: ImageSummary = {
        path: imagePath,
        fileName: path.basename(imagePath),
        isoBytes: image.isoBytes,
        label: image.label,
        era: image.era,
        rootfs: image.rootfs.kind,
        ...(image.rootfs.rootfsImageBytes !== undefined
          ? { rootfsImageBytes: image.rootfs.rootfsImageBytes }
          : {}),
        squashfsBytes: image.squashfs.size,
        payloadBytes: image.payloadBytes,
        overlayKinds: image.overlayKinds,
        efi: image.efi,
        biosBoot: image.biosBoot,
        payloadFileSizes: planner.payloadFileSizes,
        directoryCount: planner.directoryCount,
      };
      return { summary, planner };
    } finally {
      await source.close();
    }
  };

  return {
    probeImage: async (imagePath) => (await probe(imagePath)).summary,
    plan: async (request) => {
      const planner = images.get(request.imagePath) ?? (await probe(request.imagePath)).planner;
      try {
        const layout = planLayout(planner, {
          targetBytes: request.targetBytes,
          partitionTable: request.sizing.partitionTable,
          overlayType: request.sizing.overlayType,
          overlayMiB: request.sizing.overlayMiB,
          homeMiB: request.sizing.homeMiB,
          swapMiB: request.sizing.swapMiB,
          encryptedHome: request.sizing.encryptedHome,
          label: request.sizing.label,
        });
        return { ok: true, layout };
      } catch (error) {
        return { ok: false, error: toWire(error) };
      }
    },
    inspectFile: options.inspectFile ?? ((target) => runInspect(target, quietHooks())),
    maintainFile: options.maintainFile ?? ((job) => runMaintain(job, quietHooks())),
  };
}
