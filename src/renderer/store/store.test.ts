import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveStickError } from '../../shared/errors';
import type {
  DriveInfo,
  Events,
  EventName,
  ImageSummary,
  LayoutSummary,
  LiveStickApi,
  PlanOutcome,
  Request,
  SizeLimit,
} from '../../shared/ipc';
import type { Progress } from '../../shared/progress';
import { GiB, MiB } from '../../shared/units';
import { connectServiceEvents } from './engine-events';
import { capacity } from './capacity';
import { minimumStickBytes } from '../../core/plan/planner';
import { LARGE_DRIVE_BYTES, needsTypedConfirmation } from './drive-rules';
import { availableSteps, currentStep, writeBlocker } from './steps';
import { createAppStore, type AppStore } from './store';

const PLAN_DELAY_MS = 100;

const IMAGE: ImageSummary = {
  path: '/isos/Fedora-Live.iso',
  fileName: 'Fedora-Live.iso',
  isoBytes: 2 * GiB,
  label: 'Fedora-WS-Live-41',
  era: 'grub2',
  rootfs: 'flat-squashfs',
  squashfsBytes: 2 * GiB - 100 * MiB,
  payloadBytes: 2 * GiB - 20 * MiB,
  overlayKinds: ['overlayfs'],
  efi: true,
  biosBoot: true,
  payloadFileSizes: [2 * GiB - 100 * MiB, 80 * MiB],
  directoryCount: 8,
};

function drive(device: string, sizeBytes: number, extra: Partial<DriveInfo> = {}): DriveInfo {
  return {
    device,
    description: `Stick ${device}`,
    sizeBytes,
    bus: 'usb',
    removable: true,
    system: false,
    readOnly: false,
    mountpoints: [],
    blockedReason: null,
    ...extra,
  };
}

const STICK = drive('/dev/sdb', 16 * GiB);
const OTHER = drive('/dev/sdc', 32 * GiB);
const TINY = drive('/dev/sdd', 1 * GiB);
const SYSTEM = drive('/dev/nvme0n1', 512 * GiB, { system: true, removable: false, bus: 'nvme' });
const LOCKED = drive('/dev/sde', 16 * GiB, { readOnly: true });
const BLOCKED = drive('/dev/sdf', 16 * GiB, { blockedReason: 'It holds the image.' });

function limit(bytes: number, maxBytes: number): SizeLimit {
  return { bytes, minBytes: 0, maxBytes, defaultBytes: bytes, maxReason: 'test' };
}

/** A planner stand-in: fixed costs of 2.1 GiB, the rest split as the request says. */
function fakeLayout(request: Request<'plan'>): LayoutSummary {
  const fixed = 2 * GiB + 100 * MiB;
  const overlay = (request.sizing.overlayMiB ?? 1024) * MiB;
  const home = (request.sizing.homeMiB ?? 2048) * MiB;
  const swap = (request.sizing.swapMiB ?? 0) * MiB;
  return {
    targetBytes: request.targetBytes,
    partitionBytes: request.targetBytes - MiB,
    systemBytes: 2 * GiB,
    overlayKind: 'overlayfs',
    overlay: limit(overlay, 4 * GiB - 512),
    home: { ...limit(home, 4 * GiB - 512), encrypted: request.sizing.encryptedHome },
    swap: limit(swap, 4 * GiB - 512),
    freeBytes: request.targetBytes - fixed - overlay - home - swap,
    label: 'LIVE',
    warnings: [],
    notes: [],
  };
}

type Listener = (payload: never) => void;

function fakeApi() {
  const listeners = new Map<EventName, Set<Listener>>();
  const api = {
    chooseImage: vi.fn(async () => IMAGE.path as string | null),
    openImage: vi.fn(async ({ path }: { path: string }) => {
      if (path !== IMAGE.path) throw new LiveStickError('NOT_LIVEOS', 'No LiveOS/squashfs.img');
      return IMAGE;
    }),
    listDrives: vi.fn(async () => [STICK, OTHER] as readonly DriveInfo[]),
    plan: vi.fn(async (request: Request<'plan'>) => ({ ok: true, layout: fakeLayout(request) })),
    startWrite: vi.fn(async () => ({ jobId: 'job-1' })),
    cancelWrite: vi.fn(async () => null),
    inspect: vi.fn(async ({ device }: { device: string }) => ({
      device,
      label: 'LIVE',
      uuid: '1A2B-3C4D',
      overlay: null,
      home: null,
      freeBytes: 0,
      kernelArgs: [],
    })),
    maintain: vi.fn(async ({ device, action }: { device: string; action: string }) => ({
      device,
      action,
      bytesWritten: 0,
      summary: ['done'],
    })),
    on: (event: EventName, listener: Listener) => {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    },
  };
  const emit = <E extends EventName>(event: E, payload: Events[E]): void =>
    listeners.get(event)?.forEach((listener) => (listener as (p: Events[E]) => void)(payload));
  return { api: api as unknown as LiveStickApi & typeof api, emit, listeners };
}

function setup() {
  const fake = fakeApi();
  const plan = vi.fn(
    (request: Request<'plan'>): Promise<PlanOutcome> =>
      fake.api.plan(request) as Promise<PlanOutcome>,
  );
  const store = createAppStore({ api: fake.api, plan, planDelayMs: PLAN_DELAY_MS });
  return { ...fake, plan, store };
}

/** Lets pending promises settle and the plan debounce fire. */
async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(PLAN_DELAY_MS + 1);
}

async function readyToWrite(store: AppStore): Promise<void> {
  await store.getState().openImage(IMAGE.path);
  store.getState().receiveDrives([STICK, OTHER]);
  expect(store.getState().selectDrive(STICK.device)).toBe(true);
  await settle();
}

function progress(phase: Progress['phase'], bytesDone: number): Progress {
  return { phase, bytesDone, bytesTotal: 1000, speedBps: 10, etaSeconds: 5 };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('image slice', () => {
  it('opens the chosen image and reports a bad one with its code', async () => {
    const { store, api } = setup();
    await store.getState().chooseImage();
    expect(api.openImage).toHaveBeenCalledWith({ path: IMAGE.path });
    expect(store.getState().image).toEqual(IMAGE);
    expect(store.getState().imageStatus).toBe('ready');

    await store.getState().openImage('/tmp/not-an-iso.txt');
    expect(store.getState().image).toBeNull();
    expect(store.getState().imageStatus).toBe('failed');
    expect(store.getState().imageError).toEqual({
      code: 'NOT_LIVEOS',
      message: 'No LiveOS/squashfs.img',
    });
  });

  it('does nothing when the file dialog is cancelled', async () => {
    const { store, api } = setup();
    api.chooseImage.mockResolvedValueOnce(null);
    await store.getState().chooseImage();
    expect(api.openImage).not.toHaveBeenCalled();
    expect(store.getState().imageStatus).toBe('empty');
  });

  it('keeps only the newest of two overlapping opens', async () => {
    const { store, api } = setup();
    let releaseFirst: (image: ImageSummary) => void = () => undefined;
    api.openImage.mockImplementationOnce(
      () => new Promise<ImageSummary>((resolve) => (releaseFirst = resolve)),
    );
    const first = store.getState().openImage('/isos/slow.iso');
    await store.getState().openImage(IMAGE.path);
    releaseFirst({ ...IMAGE, path: '/isos/slow.iso', label: 'OLD' });
    await first;
    expect(store.getState().image?.label).toBe(IMAGE.label);
  });
});

describe('drives slice', () => {
  it('never selects a drive on its own, even a lone one', async () => {
    const { store } = setup();
    await store.getState().openImage(IMAGE.path);
    store.getState().receiveDrives([STICK]);
    expect(store.getState().selectedDevice).toBeNull();
  });

  it('refuses system, write-protected, blocked, too small and unknown drives', async () => {
    const { store } = setup();
    await store.getState().openImage(IMAGE.path);
    store.getState().receiveDrives([STICK, TINY, SYSTEM, LOCKED, BLOCKED]);
    for (const refused of [TINY, SYSTEM, LOCKED, BLOCKED]) {
      expect(store.getState().selectDrive(refused.device), refused.device).toBe(false);
    }
    expect(store.getState().selectDrive('/dev/sdz')).toBe(false);
    expect(store.getState().selectedDevice).toBeNull();
    expect(store.getState().selectDrive(STICK.device)).toBe(true);
  });

  it('allows a system disk only while all drives are shown, and forgets it when hidden', async () => {
    const { store, api } = setup();
    await store.getState().openImage(IMAGE.path);
    api.listDrives.mockResolvedValue([STICK, SYSTEM]);
    await store.getState().setShowAllDrives(true);
    expect(api.listDrives).toHaveBeenLastCalledWith({ showAll: true });
    expect(store.getState().selectDrive(SYSTEM.device)).toBe(true);
    await store.getState().setShowAllDrives(false);
    expect(store.getState().selectedDevice).toBeNull();
  });

  it('drops a selected drive that was unplugged', async () => {
    const { store } = setup();
    await readyToWrite(store);
    store.getState().receiveDrives([OTHER]);
    expect(store.getState().selectedDevice).toBeNull();
    expect(store.getState().layout).toBeNull();
  });

  it('drops the selection when a new image no longer fits the stick', async () => {
    const { store, api } = setup();
    await store.getState().openImage(IMAGE.path);
    store.getState().receiveDrives([STICK]);
    store.getState().selectDrive(STICK.device);
    const huge = { ...IMAGE, payloadBytes: 20 * GiB, payloadFileSizes: [20 * GiB] };
    api.openImage.mockResolvedValueOnce(huge);
    await store.getState().openImage(IMAGE.path);
    expect(store.getState().selectedDevice).toBeNull();
  });
});

describe('drive rules', () => {
  it('never overestimates what the image needs', () => {
    const needed = minimumStickBytes(IMAGE);
    expect(needed).toBeGreaterThan(IMAGE.payloadBytes);
    expect(needed).toBeLessThan(IMAGE.payloadBytes + 16 * MiB);
  });

  it('asks for the typed device name for internal, system and large disks only', () => {
    expect(needsTypedConfirmation(STICK)).toBe(false);
    expect(needsTypedConfirmation(SYSTEM)).toBe(true);
    expect(needsTypedConfirmation({ ...STICK, removable: false })).toBe(true);
    expect(needsTypedConfirmation({ ...STICK, sizeBytes: LARGE_DRIVE_BYTES + 1 })).toBe(true);
    expect(needsTypedConfirmation({ ...STICK, sizeBytes: 64e9 })).toBe(false);
  });
});

describe('sizing slice', () => {
  it('plans once after a burst of slider changes, with the latest sizes', async () => {
    const { store, plan } = setup();
    await readyToWrite(store);
    plan.mockClear();
    for (const mib of [1100, 1200, 1300, 1400]) store.getState().setOverlayMiB(mib);
    expect(store.getState().planStatus).toBe('pending');
    expect(plan).not.toHaveBeenCalled();
    await settle();
    expect(plan).toHaveBeenCalledTimes(1);
    expect(plan.mock.calls[0]![0].sizing.overlayMiB).toBe(1400);
    expect(store.getState().layout?.overlay.bytes).toBe(1400 * MiB);
    expect(store.getState().planStatus).toBe('ready');
  });

  it('moves the capacity bar at once, before the planner answers', async () => {
    const { store } = setup();
    await readyToWrite(store);
    const before = capacity(store.getState())!;
    const freeBefore = before.segments.find((segment) => segment.id === 'free')!.bytes;
    store.getState().setHomeMiB(3072);
    const after = capacity(store.getState())!;
    expect(after.segments.find((segment) => segment.id === 'home')!.bytes).toBe(3072 * MiB);
    expect(after.segments.find((segment) => segment.id === 'free')!.bytes).toBe(
      freeBefore - 1024 * MiB,
    );
    const total = after.segments.reduce((sum, segment) => sum + segment.bytes, 0);
    expect(total).toBe(STICK.sizeBytes);
    await settle();
    expect(capacity(store.getState())).toEqual(after);
  });

  it('reports how far sizes exceed the stick', async () => {
    const { store } = setup();
    await readyToWrite(store);
    store.getState().setHomeMiB(20 * 1024);
    const bar = capacity(store.getState())!;
    expect(bar.overBytes).toBeGreaterThan(0);
    expect(bar.segments.find((segment) => segment.id === 'free')!.bytes).toBe(0);
  });

  it('ignores a plan answer that a newer request overtook', async () => {
    const { store, plan, api } = setup();
    await readyToWrite(store);
    let releaseOld: (outcome: PlanOutcome) => void = () => undefined;
    plan.mockImplementationOnce(() => new Promise((resolve) => (releaseOld = resolve)));
    store.getState().setOverlayMiB(500);
    await settle();
    store.getState().setOverlayMiB(700);
    await settle();
    releaseOld({
      ok: true,
      layout: fakeLayout({
        imagePath: IMAGE.path,
        targetBytes: STICK.sizeBytes,
        sizing: { ...store.getState().sizing, overlayMiB: 500 },
      }),
    });
    await settle();
    expect(store.getState().layout?.overlay.bytes).toBe(700 * MiB);
    expect(api.plan).toHaveBeenCalled();
  });

  it('keeps the last good layout when a plan fails, but blocks the write', async () => {
    const { store, plan } = setup();
    await readyToWrite(store);
    plan.mockResolvedValueOnce({
      ok: false,
      error: { code: 'DOES_NOT_FIT', message: 'Home does not fit by 2 GB' },
    });
    store.getState().setHomeMiB(99_999);
    await settle();
    expect(store.getState().planStatus).toBe('failed');
    expect(store.getState().planError?.code).toBe('DOES_NOT_FIT');
    expect(store.getState().layout).not.toBeNull();
    expect(writeBlocker(store.getState())).not.toBeNull();
  });

  it('accepts only overlay types the image supports', async () => {
    const { store } = setup();
    await readyToWrite(store);
    store.getState().setOverlayType('dm-snapshot');
    expect(store.getState().sizing.overlayType).toBe('auto');
    store.getState().setOverlayType('overlayfs');
    expect(store.getState().sizing.overlayType).toBe('overlayfs');
  });

  it('forgets the passphrase when encryption is switched off', async () => {
    const { store } = setup();
    await readyToWrite(store);
    store.getState().setEncryptedHome(true);
    store.getState().setPassphrase('secret words', 'secret words');
    store.getState().setEncryptedHome(false);
    expect(store.getState().passphrase).toBe('');
    expect(store.getState().passphraseConfirm).toBe('');
  });

  it('rounds and bounds typed sizes', async () => {
    const { store } = setup();
    await readyToWrite(store);
    store.getState().setSwapMiB(-5);
    expect(store.getState().sizing.swapMiB).toBe(0);
    store.getState().setSwapMiB(511.6);
    expect(store.getState().sizing.swapMiB).toBe(512);
    store.getState().setSwapMiB(Number.NaN);
    expect(store.getState().sizing.swapMiB).toBe(0);
  });
});

describe('steps', () => {
  it('opens each step only when the one before it is done', async () => {
    const { store } = setup();
    expect(availableSteps(store.getState())).toEqual({
      image: true,
      drive: false,
      persistence: false,
      write: false,
    });
    await store.getState().openImage(IMAGE.path);
    store.getState().receiveDrives([STICK]);
    expect(availableSteps(store.getState()).drive).toBe(true);
    expect(availableSteps(store.getState()).persistence).toBe(false);
    expect(store.getState().goToStep('persistence')).toBe(false);
    store.getState().selectDrive(STICK.device);
    expect(store.getState().goToStep('persistence')).toBe(true);
    expect(currentStep(store.getState())).toBe('persistence');
    expect(store.getState().goToStep('write')).toBe(false);
  });

  it('falls back to the furthest open step when an earlier choice goes away', async () => {
    const { store } = setup();
    await readyToWrite(store);
    store.getState().goToStep('persistence');
    store.getState().receiveDrives([OTHER]);
    expect(currentStep(store.getState())).toBe('drive');
    await store.getState().openImage('/tmp/bad.iso');
    expect(currentStep(store.getState())).toBe('image');
  });

  it('needs matching passphrases to write an encrypted home', async () => {
    const { store } = setup();
    await readyToWrite(store);
    expect(writeBlocker(store.getState())).toBeNull();
    store.getState().setEncryptedHome(true);
    await settle();
    expect(writeBlocker(store.getState())).not.toBeNull();
    store.getState().setPassphrase('correct horse', 'correct hose');
    expect(writeBlocker(store.getState())).not.toBeNull();
    expect(store.getState().openConfirm()).toBe(false);
    store.getState().setPassphrase('correct horse', 'correct horse');
    expect(writeBlocker(store.getState())).toBeNull();
    expect(store.getState().openConfirm()).toBe(true);
  });
});

describe('write slice', () => {
  it('walks a write through its phases to success and shows only the write step', async () => {
    const { store, api } = setup();
    await readyToWrite(store);
    expect(await store.getState().startWrite()).toBe(true);
    expect(api.startWrite).toHaveBeenCalledWith(
      expect.objectContaining({ imagePath: IMAGE.path, device: STICK.device, verify: true }),
    );
    expect(store.getState().writeState).toBe('preparing');
    expect(currentStep(store.getState())).toBe('write');
    expect(availableSteps(store.getState())).toEqual({
      image: false,
      drive: false,
      persistence: false,
      write: true,
    });
    expect(store.getState().applyProgress('job-1', progress('writing', 100))).toBe(true);
    expect(store.getState().applyProgress('job-1', progress('verifying', 500))).toBe(true);
    expect(store.getState().finishWrite('job-1', { status: 'succeeded', summary: ['ok'] })).toBe(
      true,
    );
    expect(store.getState().writeState).toBe('succeeded');
    expect(store.getState().writeSummary).toEqual(['ok']);
    expect(store.getState().writeTarget?.drive.device).toBe(STICK.device);
  });

  it('refuses impossible transitions and events of other jobs', async () => {
    const { store } = setup();
    await readyToWrite(store);
    expect(store.getState().applyProgress('job-1', progress('writing', 1))).toBe(false);
    await store.getState().startWrite();
    expect(await store.getState().startWrite()).toBe(false);
    expect(store.getState().applyProgress('job-2', progress('writing', 1))).toBe(false);
    store.getState().applyProgress('job-1', progress('verifying', 1));
    expect(store.getState().applyProgress('job-1', progress('writing', 2))).toBe(false);
    expect(store.getState().resetWrite()).toBe(false);
    expect(store.getState().selectDrive(OTHER.device)).toBe(false);
    expect(store.getState().goToStep('image')).toBe(false);
    expect(store.getState().setMode('check')).toBe(false);
    store.getState().setOverlayMiB(42);
    expect(store.getState().sizing.overlayMiB).toBeUndefined();
  });

  it('replays events that arrive before startWrite answers', async () => {
    const { store, api, emit } = setup();
    connectServiceEvents(api, store);
    await readyToWrite(store);
    api.startWrite.mockImplementationOnce(async () => {
      emit('writeProgress', { jobId: 'job-1', progress: progress('writing', 10) });
      emit('writeProgress', { jobId: 'old-job', progress: progress('writing', 99) });
      return { jobId: 'job-1' };
    });
    await store.getState().startWrite();
    expect(store.getState().writeState).toBe('writing');
    expect(store.getState().progress?.bytesDone).toBe(10);
  });

  it('cancels through cancelling and forgets the passphrase', async () => {
    const { store, api } = setup();
    await readyToWrite(store);
    store.getState().setEncryptedHome(true);
    store.getState().setPassphrase('pass phrase', 'pass phrase');
    await settle();
    await store.getState().startWrite();
    expect(api.startWrite).toHaveBeenCalledWith(
      expect.objectContaining({ homePassphrase: 'pass phrase' }),
    );
    store.getState().applyProgress('job-1', progress('writing', 10));
    expect(await store.getState().cancelWrite()).toBe(true);
    expect(api.cancelWrite).toHaveBeenCalledWith({ jobId: 'job-1' });
    expect(store.getState().writeState).toBe('cancelling');
    expect(store.getState().applyProgress('job-1', progress('writing', 20))).toBe(false);
    store.getState().finishWrite('job-1', { status: 'cancelled' });
    expect(store.getState().writeState).toBe('cancelled');
    expect(store.getState().passphrase).toBe('');
    expect(store.getState().resetWrite()).toBe(true);
    expect(store.getState().writeState).toBe('idle');
  });

  it('shows a failure with its error and allows a retry after a new confirmation', async () => {
    const { store, api } = setup();
    await readyToWrite(store);
    api.startWrite.mockRejectedValueOnce(new LiveStickError('DEVICE_BUSY', 'sdb1 is mounted'));
    await store.getState().startWrite();
    expect(store.getState().writeState).toBe('failed');
    expect(store.getState().writeError?.code).toBe('DEVICE_BUSY');
    expect(store.getState().resetWrite()).toBe(true);
    expect(store.getState().openConfirm()).toBe(true);
    await store.getState().startWrite();
    expect(store.getState().writeState).toBe('preparing');
  });
});

describe('check slice', () => {
  it('changes a stick only after it was read, then reads it again', async () => {
    const { store, api } = setup();
    expect(await store.getState().maintainStick({ action: 'reset-overlay' })).toBe(false);
    store.getState().chooseCheckDevice(STICK.device);
    expect(await store.getState().maintainStick({ action: 'reset-overlay' })).toBe(false);
    await store.getState().inspectStick();
    expect(store.getState().checkStatus).toBe('ready');
    expect(await store.getState().maintainStick({ action: 'grow', overlayMiB: 2048 })).toBe(true);
    expect(api.maintain).toHaveBeenCalledWith({
      device: STICK.device,
      action: 'grow',
      overlayMiB: 2048,
    });
    expect(store.getState().maintainResult?.summary).toEqual(['done']);
    expect(api.inspect).toHaveBeenCalledTimes(2);
  });

  it('does not read a restored drive back as a LiveStick', async () => {
    const { store, api } = setup();
    store.getState().chooseCheckDevice(STICK.device);
    await store.getState().inspectStick();
    await store.getState().maintainStick({ action: 'restore' });
    expect(api.inspect).toHaveBeenCalledTimes(1);
    expect(store.getState().checkReport).toBeNull();
    expect(store.getState().maintainStatus).toBe('done');
  });

  it('reports a failed action with its code', async () => {
    const { store, api } = setup();
    store.getState().chooseCheckDevice(STICK.device);
    await store.getState().inspectStick();
    api.maintain.mockRejectedValueOnce(new LiveStickError('DEVICE_BUSY', 'sdb1 is mounted'));
    await store.getState().maintainStick({ action: 'reset-overlay' });
    expect(store.getState().maintainStatus).toBe('failed');
    expect(store.getState().maintainError?.code).toBe('DEVICE_BUSY');
  });
});

describe('service events', () => {
  it('feed drive lists into the store and stop after unsubscribing', () => {
    const { store, api, emit, listeners } = setup();
    const disconnect = connectServiceEvents(api, store);
    emit('drivesChanged', [STICK, OTHER]);
    expect(store.getState().drives).toEqual([STICK, OTHER]);
    disconnect();
    expect([...listeners.values()].every((set) => set.size === 0)).toBe(true);
  });
});
