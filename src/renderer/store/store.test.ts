import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveStickError } from '../../shared/errors';
import type {
  DriveInfo,
  Events,
  EventName,
  ImageChoice,
  ImageSummary,
  InspectReport,
  LayoutSummary,
  LiveStickApi,
  PlanOutcome,
  Request,
  SizeLimit,
  WriteJobInfo,
  WrittenStick,
} from '../../shared/ipc';
import type { Progress } from '../../shared/progress';
import { GiB, MiB } from '../../shared/units';
import { connectServiceEvents } from './engine-events';
import { capacity } from './capacity';
import { minimumStickBytes } from '../../core/plan/planner';
import { LARGE_DRIVE_BYTES, needsTypedConfirmation } from './drive-rules';
import { canRestore, isLiveStick } from './check-slice';
import { sizeBounds, sizeProblem } from './size-limits';
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
const WRITTEN: WrittenStick = {
  label: 'LIVE',
  uuid: '1A2B-3C4D',
  freeBytes: 9 * GiB,
  verified: true,
  biosBoot: true,
};
const LIVE_REPORT: InspectReport = {
  device: '/dev/sdb',
  label: 'LIVE',
  uuid: '1A2B-3C4D',
  overlay: null,
  home: { sizeBytes: 2 * GiB, usedBytes: 0, encrypted: false },
  freeBytes: 6 * GiB,
  kernelArgs: ['rd.live.image'],
};
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
    chooseImage: vi.fn(async (): Promise<ImageChoice> => ({ kind: 'chosen', path: IMAGE.path })),
    openImage: vi.fn(async ({ path }: { path: string }) => {
      if (path !== IMAGE.path) throw new LiveStickError('NOT_LIVEOS', 'No LiveOS/squashfs.img');
      return IMAGE;
    }),
    listDrives: vi.fn(async () => [STICK, OTHER] as readonly DriveInfo[]),
    plan: vi.fn(async (request: Request<'plan'>) => ({ ok: true, layout: fakeLayout(request) })),
    startWrite: vi.fn(async () => ({ jobId: 'job-1' })),
    cancelWrite: vi.fn(async () => null),
    currentWrite: vi.fn(async (): Promise<WriteJobInfo | null> => null),
    dismissWrite: vi.fn(async () => null),
    inspect: vi.fn(async ({ device }: { device: string }): Promise<InspectReport> => ({
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
  it('opens the chosen image, and keeps it when opening another one fails', async () => {
    const { store, api } = setup();
    expect(await store.getState().chooseImage()).toBe('opened');
    expect(api.openImage).toHaveBeenCalledWith({ path: IMAGE.path });
    expect(store.getState().image).toEqual(IMAGE);
    expect(store.getState().imageStatus).toBe('ready');

    expect(await store.getState().openImage('/tmp/not-an-iso.txt')).toBe(false);
    expect(store.getState().image).toEqual(IMAGE);
    expect(store.getState().imageStatus).toBe('ready');
    expect(store.getState().imageError).toEqual({
      code: 'NOT_LIVEOS',
      message: 'No LiveOS/squashfs.img',
    });
    expect(store.getState().imageErrorPath).toBe('/tmp/not-an-iso.txt');
    expect(await store.getState().openImage(IMAGE.path)).toBe(true);
    expect(store.getState().imageError).toBeNull();
  });

  it('reports a failure with nothing chosen before as failed', async () => {
    const { store } = setup();
    await store.getState().openImage('/tmp/not-an-iso.txt');
    expect(store.getState().image).toBeNull();
    expect(store.getState().imageStatus).toBe('failed');
  });

  it('does nothing when the file dialog is cancelled, and says when there is none', async () => {
    const { store, api } = setup();
    api.chooseImage.mockResolvedValueOnce({ kind: 'cancelled' });
    expect(await store.getState().chooseImage()).toBe('cancelled');
    api.chooseImage.mockResolvedValueOnce({ kind: 'no-dialog' });
    expect(await store.getState().chooseImage()).toBe('no-dialog');
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
    for (const mib of [1100, 1200, 1300, 1400]) store.getState().setSize('overlay', mib);
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
    store.getState().setSize('home', 3072);
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
    store.getState().setSize('home', 20 * 1024);
    const bar = capacity(store.getState())!;
    expect(bar.overBytes).toBeGreaterThan(0);
    expect(bar.segments.find((segment) => segment.id === 'free')!.bytes).toBe(0);
  });

  it('ignores a plan answer that a newer request overtook', async () => {
    const { store, plan, api } = setup();
    await readyToWrite(store);
    let releaseOld: (outcome: PlanOutcome) => void = () => undefined;
    plan.mockImplementationOnce(() => new Promise((resolve) => (releaseOld = resolve)));
    store.getState().setSize('overlay', 500);
    await settle();
    store.getState().setSize('overlay', 700);
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
    store.getState().setSize('home', 99_999);
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

  it('rounds and bounds slider sizes', async () => {
    const { store } = setup();
    await readyToWrite(store);
    store.getState().setSize('swap', -5);
    expect(store.getState().sizing.swapMiB).toBe(0);
    store.getState().setSize('swap', 511.6);
    expect(store.getState().sizing.swapMiB).toBe(512);
    store.getState().setSize('swap', Number.NaN);
    expect(store.getState().sizing.swapMiB).toBe(0);
  });

  it('marks a typed size that cannot be used on its field and blocks the write', async () => {
    const { store } = setup();
    await readyToWrite(store);
    const before = store.getState().sizing.homeMiB;
    for (const [text, kind] of [
      ['1e3', 'not-a-size'],
      ['-5', 'not-a-size'],
      ['1.234', 'not-a-size'],
      ['0.05', 'below-minimum'],
      ['6144', 'above-maximum'],
      ['99999999', 'not-a-size'],
      ['4.01', 'above-maximum'],
    ] as const) {
      store.getState().setSizeText('home', text);
      expect(sizeProblem(store.getState(), 'home')?.kind, text).toBe(kind);
      expect(store.getState().sizing.homeMiB, text).toBe(before);
      expect(writeBlocker(store.getState()), text).not.toBeNull();
      // Leaving the field keeps a wrong text, so the user sees what is wrong with it.
      store.getState().settleSizeText('home');
      expect(store.getState().sizeTexts.home).toBe(text);
    }
    store.getState().setSizeText('home', '4');
    expect(sizeProblem(store.getState(), 'home')).toBeNull();
    expect(store.getState().sizing.homeMiB).toBe(4096);
    store.getState().settleSizeText('home');
    expect(store.getState().sizeTexts.home).toBeUndefined();
    await settle();
    expect(writeBlocker(store.getState())).toBeNull();
  });

  it('bounds each size by the others, FAT32 and what a snapshot overlay can use', async () => {
    const { store, api } = setup();
    await readyToWrite(store);
    // 16 GiB stick, 2.1 GiB fixed: home may take everything the overlay leaves, up to 4 GiB.
    expect(sizeBounds(store.getState(), 'home')).toEqual({
      maxHundredths: 400,
      maxReason: 'fat32',
    });
    // A 12 GiB stick with 4 GiB overlay and 4 GiB swap leaves 1.9 GiB beside 2.1 GiB fixed.
    store.getState().receiveDrives([STICK, OTHER, drive('/dev/sdg', 12 * GiB)]);
    store.getState().selectDrive('/dev/sdg');
    store.getState().setSize('overlay', 4096);
    store.getState().setSize('swap', 4096);
    await settle();
    expect(sizeBounds(store.getState(), 'home')).toEqual({
      maxHundredths: 190,
      maxReason: 'space',
    });
    store.getState().setSizeText('home', '1.91');
    expect(sizeProblem(store.getState(), 'home')).toMatchObject({ kind: 'above-maximum' });
    const dm = { ...IMAGE, overlayKinds: ['dm-snapshot'] as const, rootfsImageBytes: GiB };
    api.openImage.mockResolvedValueOnce(dm);
    await store.getState().openImage(IMAGE.path);
    await settle();
    expect(sizeBounds(store.getState(), 'overlay')?.maxReason).toBe('useful');
    expect(sizeBounds(store.getState(), 'overlay')!.maxHundredths).toBeLessThan(110);
  });

  it('keeps sizes the user chose across a new image when they fit, and says so', async () => {
    const { store } = setup();
    await readyToWrite(store);
    store.getState().setSize('home', 3072);
    await settle();
    await store.getState().openImage(IMAGE.path);
    await settle();
    expect(store.getState().sizing.homeMiB).toBe(3072);
    expect(store.getState().sizingNotice).toEqual({ changed: [], kept: ['home'] });
    store.getState().setSize('home', 2048);
    expect(store.getState().sizingNotice).toBeNull();
  });

  it('takes the planner’s sizes when the chosen ones no longer fit, and says so', async () => {
    const { store } = setup();
    await readyToWrite(store);
    store.getState().setSize('overlay', 4096);
    store.getState().setSize('home', 4096);
    store.getState().setSize('swap', 4096);
    store.getState().receiveDrives([STICK, OTHER, TINY, drive('/dev/sdg', 9 * GiB)]);
    expect(store.getState().selectDrive('/dev/sdg')).toBe(true);
    for (let round = 0; round < 4; round++) await settle();
    // 9 GiB hold the 2.1 GiB system and a 4 GiB overlay, but not 4 GiB each of home and swap
    // besides: those give way, swap first.
    expect(store.getState().sizingNotice).toEqual({ changed: ['swap', 'home'], kept: ['overlay'] });
    expect(store.getState().sizing.swapMiB).toBeUndefined();
    expect(store.getState().sizing.homeMiB).toBeUndefined();
    expect(store.getState().sizing.overlayMiB).toBe(4096);
    expect(store.getState().planStatus).toBe('ready');
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
    // A failed attempt to open another image keeps the one that works, and the step with it.
    await store.getState().openImage('/tmp/bad.iso');
    expect(currentStep(store.getState())).toBe('drive');
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
    expect(store.getState().finishWrite('job-1', { status: 'succeeded', stick: WRITTEN })).toBe(
      true,
    );
    expect(store.getState().writeState).toBe('succeeded');
    expect(store.getState().writtenStick).toEqual(WRITTEN);
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
    store.getState().setSize('overlay', 42);
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
    store.getState().finishWrite('job-1', { status: 'cancelled', stick: 'incomplete' });
    expect(store.getState().writeState).toBe('cancelled');
    expect(store.getState().cancelledStick).toBe('incomplete');
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
  it('shows a write that completed while cancelling as done, with what it made', async () => {
    const { store } = setup();
    await readyToWrite(store);
    await store.getState().startWrite();
    store.getState().applyProgress('job-1', progress('finalizing', 1000));
    expect(await store.getState().cancelWrite()).toBe(true);
    expect(store.getState().writeState).toBe('cancelling');
    expect(store.getState().finishWrite('job-1', { status: 'succeeded', stick: WRITTEN })).toBe(
      true,
    );
    expect(store.getState().writeState).toBe('succeeded');
    expect(store.getState().writtenStick).toEqual(WRITTEN);
    expect(store.getState().cancelAsked).toBe(true);
  });

  it('shows a write that failed while cancelling as failed, with its error', async () => {
    const { store } = setup();
    await readyToWrite(store);
    await store.getState().startWrite();
    store.getState().applyProgress('job-1', progress('writing', 10));
    await store.getState().cancelWrite();
    const error = { code: 'MEDIA_ERROR', message: 'I/O error' } as const;
    store.getState().finishWrite('job-1', { status: 'failed', error });
    expect(store.getState().writeState).toBe('failed');
    expect(store.getState().writeError).toEqual(error);
  });

  it('takes over the write main runs when the page comes back, and dismisses it after', async () => {
    const { store, api } = setup();
    api.currentWrite.mockResolvedValueOnce({
      jobId: 'job-7',
      image: IMAGE,
      drive: STICK,
      sizing: { overlayType: 'auto', encryptedHome: false, partitionTable: 'mbr', homeMiB: 3072 },
      layout: fakeLayout({
        imagePath: IMAGE.path,
        targetBytes: STICK.sizeBytes,
        sizing: { overlayType: 'auto', encryptedHome: false, partitionTable: 'mbr' },
      }),
      verify: true,
      progress: progress('writing', 300),
      cancelling: false,
      outcome: null,
    });
    expect(await store.getState().adoptWrite()).toBe(true);
    expect(store.getState().writeState).toBe('writing');
    expect(currentStep(store.getState())).toBe('write');
    expect(store.getState().progress?.bytesDone).toBe(300);
    expect(store.getState().image).toEqual(IMAGE);
    expect(store.getState().setMode('check')).toBe(false);
    expect(store.getState().applyProgress('job-7', progress('verifying', 10))).toBe(true);
    expect(await store.getState().cancelWrite()).toBe(true);
    expect(api.cancelWrite).toHaveBeenCalledWith({ jobId: 'job-7' });
    store.getState().finishWrite('job-7', { status: 'cancelled', stick: 'unverified' });
    expect(store.getState().cancelledStick).toBe('unverified');
    expect(store.getState().resetWrite()).toBe(true);
    expect(api.dismissWrite).toHaveBeenCalledWith({ jobId: 'job-7' });
  });

  it('shows a write that ended while the page was away as it ended', async () => {
    const { store, api } = setup();
    api.currentWrite.mockResolvedValueOnce({
      jobId: 'job-8',
      image: IMAGE,
      drive: STICK,
      sizing: { overlayType: 'auto', encryptedHome: false, partitionTable: 'mbr' },
      layout: fakeLayout({
        imagePath: IMAGE.path,
        targetBytes: STICK.sizeBytes,
        sizing: { overlayType: 'auto', encryptedHome: false, partitionTable: 'mbr' },
      }),
      verify: true,
      progress: progress('finalizing', 1000),
      cancelling: false,
      outcome: { status: 'succeeded', stick: WRITTEN },
    });
    await store.getState().adoptWrite();
    expect(store.getState().writeState).toBe('succeeded');
    expect(store.getState().writtenStick).toEqual(WRITTEN);
  });

  it('has nothing to take over when main runs no write', async () => {
    const { store } = setup();
    expect(await store.getState().adoptWrite()).toBe(false);
    expect(store.getState().writeState).toBe('idle');
  });
});

describe('check slice', () => {
  it('changes a stick only after it was read, then reads it again', async () => {
    const { store, api } = setup();
    api.inspect.mockResolvedValue(LIVE_REPORT);
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
    expect(store.getState().maintainStatus).toBe('done');
    expect(store.getState().maintainRequest).toEqual({ action: 'grow', overlayMiB: 2048 });
    expect(api.inspect).toHaveBeenCalledTimes(2);
  });

  it('reads a restored drive back, and changes nothing on an ordinary drive', async () => {
    const { store, api } = setup();
    api.inspect.mockResolvedValueOnce(LIVE_REPORT);
    store.getState().chooseCheckDevice(STICK.device);
    await store.getState().inspectStick();
    await store.getState().maintainStick({ action: 'restore' });
    expect(store.getState().maintainStatus).toBe('done');
    expect(api.inspect).toHaveBeenCalledTimes(2);
    // The fake reads an ordinary drive: no live system, no overlay, no home.
    expect(isLiveStick(store.getState().checkReport!)).toBe(false);
    expect(canRestore(store.getState())).toBe(false);
    expect(await store.getState().maintainStick({ action: 'grow', homeMiB: 4096 })).toBe(false);
    expect(await store.getState().maintainStick({ action: 'restore' })).toBe(false);
    expect(api.maintain).toHaveBeenCalledTimes(1);
  });

  it('offers only restoring for a drive nothing can be read from', async () => {
    const { store, api } = setup();
    api.inspect.mockRejectedValueOnce(new LiveStickError('NOT_LIVEOS', 'no FAT32'));
    store.getState().chooseCheckDevice(STICK.device);
    await store.getState().inspectStick();
    expect(store.getState().checkStatus).toBe('failed');
    expect(canRestore(store.getState())).toBe(true);
    expect(await store.getState().maintainStick({ action: 'reset-overlay' })).toBe(false);
    expect(await store.getState().maintainStick({ action: 'restore' })).toBe(true);
  });

  it('reports a failed action with its code', async () => {
    const { store, api } = setup();
    api.inspect.mockResolvedValue(LIVE_REPORT);
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
