// SPDX-License-Identifier: GPL-3.0-or-later
import { planLayout, type PlannerImage } from '../src/core/plan/planner';
import { LiveStickError, toWire } from '../src/shared/errors';
import type {
  DriveInfo,
  EventName,
  Events,
  ImageSummary,
  InspectReport,
  ServiceHandlers,
} from '../src/shared/ipc';
import type { Progress } from '../src/shared/progress';
import { GiB, MiB } from '../src/shared/units';
import type { Service } from '../src/main/service';

/**
 * A service whose answers are scripted, for the UI tier's screenshots and accessibility scans:
 * every step can be shown in a known state (mid-write, a failure) without depending on disk
 * timing. Sizing runs the real pure planner, so the persistence step shows real limits. The
 * functional walk through the real service is wizard.e2e.test.ts.
 */
export const SCRIPTED_ISO = '/isos/Fedora-Workstation-Live-x86_64-41.iso';

export const SCRIPTED_IMAGE: ImageSummary = {
  path: SCRIPTED_ISO,
  fileName: 'Fedora-Workstation-Live-x86_64-41.iso',
  isoBytes: 2_297_036_800,
  label: 'Fedora-WS-Live-41',
  era: 'grub2',
  rootfs: 'nested-ext4',
  rootfsImageBytes: 2 * GiB,
  squashfsBytes: 2_150_000_000,
  payloadBytes: 2_240_000_000,
  overlayKinds: ['dm-snapshot', 'overlayfs'],
  efi: true,
  biosBoot: true,
  payloadFileSizes: [2_150_000_000, 60_000_000, 15_000_000, 14_000_000, 1_000_000],
  directoryCount: 8,
};

const PLANNER_IMAGE: PlannerImage = {
  label: SCRIPTED_IMAGE.label,
  payloadFileSizes: SCRIPTED_IMAGE.payloadFileSizes,
  directoryCount: SCRIPTED_IMAGE.directoryCount,
  squashfsBytes: SCRIPTED_IMAGE.squashfsBytes,
  rootfsImageBytes: 2 * GiB,
  overlayKinds: SCRIPTED_IMAGE.overlayKinds,
};

const DRIVES: readonly DriveInfo[] = [
  {
    device: '/dev/sdb',
    description: 'SanDisk Ultra Fit',
    sizeBytes: 30_752_636_928,
    bus: 'usb',
    removable: true,
    system: false,
    readOnly: false,
    mountpoints: ['/run/media/user/STICK'],
    blockedReason: null,
  },
  {
    device: '/dev/sdc',
    description: 'Kingston DataTraveler 2.0',
    sizeBytes: 1_006_632_960,
    bus: 'usb',
    removable: true,
    system: false,
    readOnly: false,
    mountpoints: [],
    blockedReason: null,
  },
  {
    device: '/dev/sdd',
    description: 'WD Elements 25A2',
    sizeBytes: 2_000_365_289_472,
    bus: 'usb',
    removable: false,
    system: false,
    readOnly: false,
    mountpoints: ['/run/media/user/Backup'],
    blockedReason: 'holds the image you chose',
  },
  {
    device: '/dev/nvme0n1',
    description: 'Samsung SSD 980 PRO 1TB',
    sizeBytes: 1_000_204_886_016,
    bus: 'nvme',
    removable: false,
    system: true,
    readOnly: false,
    mountpoints: ['/', '/boot', '/home'],
    blockedReason: null,
  },
];

export const SCRIPTED_REPORT: InspectReport = {
  device: '/dev/sdb',
  label: 'LIVE',
  uuid: '4A1C-2F3B',
  overlay: {
    kind: 'dm-snapshot',
    path: '/LiveOS/overlay-LIVE-4A1C-2F3B',
    sizeBytes: 4 * GiB - 512,
    allocatedSectors: 7_340_032,
    totalSectors: 8_388_607,
    metadataSectors: 28_696,
    percentUsed: 87.5,
    state: 'Active',
  },
  home: { sizeBytes: 3 * GiB, usedBytes: 1.2 * GiB, encrypted: false },
  freeBytes: 12.4 * GiB,
  kernelArgs: ['root=live:UUID=4A1C-2F3B', 'rd.live.image', 'rw', 'rd.live.overlay=UUID=4A1C-2F3B'],
};

export interface ScriptedControls {
  /** The next write stops after this many progress events and waits for release(). */
  holdWriteAfter(events: number): void;
  release(): void;
  /** The next write fails with this error after its first progress event. */
  failNextWrite(code: 'MEDIA_ERROR' | 'DEVICE_UNPLUGGED'): void;
  /** The next cancel comes too late: the write it asks to stop completes anyway. */
  finishDespiteCancel(): void;
}

export function createScriptedService(
  emit: <E extends EventName>(event: E, payload: Events[E]) => void,
): Service & { controls: ScriptedControls } {
  let jobCounter = 0;
  let running: {
    jobId: string;
    timer: ReturnType<typeof setTimeout> | null;
    phase: Progress['phase'];
  } | null = null;
  let holdAfter: number | null = null;
  let resume: (() => void) | null = null;
  let failWith: 'MEDIA_ERROR' | 'DEVICE_UNPLUGGED' | null = null;
  let tooLateToCancel = false;

  const TOTAL = 2_400 * MiB;
  const steps: readonly Progress[] = [
    { phase: 'preparing', bytesDone: 0, bytesTotal: TOTAL, speedBps: 0, etaSeconds: null },
    {
      phase: 'writing',
      bytesDone: 700 * MiB,
      bytesTotal: TOTAL,
      speedBps: 38 * MiB,
      etaSeconds: 45,
    },
    {
      phase: 'writing',
      bytesDone: 1_500 * MiB,
      bytesTotal: TOTAL,
      speedBps: 36 * MiB,
      etaSeconds: 25,
    },
    {
      phase: 'verifying',
      bytesDone: 2_000 * MiB,
      bytesTotal: TOTAL,
      speedBps: 120 * MiB,
      etaSeconds: 4,
    },
    { phase: 'finalizing', bytesDone: TOTAL, bytesTotal: TOTAL, speedBps: 0, etaSeconds: 0 },
  ];

  const run = (jobId: string, index: number): void => {
    if (running?.jobId !== jobId) return;
    if (index === steps.length) {
      running = null;
      emit('writeFinished', {
        jobId,
        outcome: {
          status: 'succeeded',
          stick: {
            label: 'LIVE',
            uuid: '4A1C-2F3B',
            freeBytes: 12.4 * GiB,
            verified: true,
            biosBoot: true,
          },
        },
      });
      return;
    }
    running.phase = steps[index]!.phase;
    emit('writeProgress', { jobId, progress: steps[index]! });
    if (failWith && index === 1) {
      const code = failWith;
      failWith = null;
      running = null;
      emit('writeFinished', {
        jobId,
        outcome: {
          status: 'failed',
          error: toWire(
            new LiveStickError(code, 'Writing 4 MB at 1.2 GB failed: input/output error'),
          ),
        },
      });
      return;
    }
    const next = (): void => {
      if (running?.jobId === jobId) running.timer = setTimeout(() => run(jobId, index + 1), 40);
    };
    if (holdAfter !== null && index + 1 >= holdAfter) {
      holdAfter = null;
      resume = next;
    } else {
      next();
    }
  };

  const handlers: ServiceHandlers = {
    chooseImage: async () => ({ kind: 'chosen', path: SCRIPTED_ISO }),
    openImage: async ({ path }) => {
      if (path === SCRIPTED_ISO) return SCRIPTED_IMAGE;
      throw new LiveStickError('NOT_LIVEOS', `${path.split('/').pop()} has no LiveOS/squashfs.img`);
    },
    listDrives: async ({ showAll }) => (showAll ? DRIVES : DRIVES.filter((d) => !d.system)),
    plan: async ({ targetBytes, sizing }) => {
      try {
        const layout = planLayout(PLANNER_IMAGE, { targetBytes, ...sizing });
        return { ok: true, layout };
      } catch (error) {
        return { ok: false, error: toWire(error) };
      }
    },
    startWrite: async () => {
      const jobId = `job-${++jobCounter}`;
      running = { jobId, timer: setTimeout(() => run(jobId, 0), 20), phase: 'preparing' };
      return { jobId };
    },
    cancelWrite: async ({ jobId }) => {
      if (running?.jobId === jobId && tooLateToCancel) {
        tooLateToCancel = false;
        const next = resume;
        resume = null;
        next?.();
        return null;
      }
      if (running?.jobId === jobId) {
        if (running.timer) clearTimeout(running.timer);
        const { phase } = running;
        running = null;
        resume = null;
        const stick =
          phase === 'preparing' ? 'unchanged' : phase === 'writing' ? 'incomplete' : 'unverified';
        setTimeout(
          () => emit('writeFinished', { jobId, outcome: { status: 'cancelled', stick } }),
          30,
        );
      }
      return null;
    },
    // The screens of a reloaded page are the real service's (wizard walk); none here.
    currentWrite: async () => null,
    dismissWrite: async () => null,
    inspect: async ({ device }) => ({ ...SCRIPTED_REPORT, device }),
    maintain: async ({ device, action }) => ({
      device,
      action,
      bytesWritten: 65_536,
      summary: ['The overlay was reset: the next start is a fresh system.'],
    }),
  };

  return {
    handlers,
    isBusy: () => running !== null,
    dispose: () => {
      if (running?.timer) clearTimeout(running.timer);
      running = null;
    },
    controls: {
      holdWriteAfter: (events) => {
        holdAfter = events;
      },
      release: () => {
        const next = resume;
        resume = null;
        next?.();
      },
      failNextWrite: (code) => {
        failWith = code;
      },
      finishDespiteCancel: () => {
        tooLateToCancel = true;
      },
    },
  };
}
