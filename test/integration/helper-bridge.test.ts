// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The main-process service end to end without Electron: through the browser bridge's real
 * WebSocket, as the wizard's shim talks to it, with image-file drives and the real helper
 * (built from source) running the real engine. Also checks hot-plug events and that main
 * refuses targets that are not choosable drives before any helper starts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../src/bridge/protocol';
import { startBridge, type Bridge } from '../../src/bridge/server';
import { ensureImageFileDrives, imageFileDrives } from '../../src/engine/drives';
import { createService } from '../../src/main/service';
import type { DriveInfo, Envelope, Events, ImageSummary, Sizing } from '../../src/shared/ipc';
import { openBridgeSocket } from './bridge-client';
import { buildHelper, nodeLocation } from './helper-harness';
import { makeLiveIso, run, tempDir } from './iso-fixtures';

const MiB = 1024 ** 2;
const sizing: Sizing = { overlayType: 'auto', encryptedHome: false, partitionTable: 'mbr' };

let work: ReturnType<typeof tempDir>;
let bridge: Bridge;
let socket: WebSocket;
let iso: string;
let stick: string;
let late: string;
const events: ServerMessage[] = [];
const pending = new Map<number, (envelope: Envelope<unknown>) => void>();
let nextId = 1;

function call<T>(method: string, payload: unknown): Promise<Envelope<T>> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve as (envelope: Envelope<unknown>) => void);
    socket.send(JSON.stringify({ id, method, payload }));
  });
}

async function value<T>(method: string, payload: unknown): Promise<T> {
  const envelope = await call<T>(method, payload);
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.code} ${envelope.error.message}`);
  return envelope.value;
}

function nextEvent<E extends keyof Events>(
  name: E,
  predicate: (payload: Events[E]) => boolean = () => true,
): Promise<Events[E]> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      const found = events.find(
        (m) => 'event' in m && m.event === name && predicate(m.payload as Events[E]),
      );
      if (found && 'event' in found) resolve(found.payload as Events[E]);
      return Boolean(found);
    };
    if (check()) return;
    const timer = setInterval(() => check() && clearInterval(timer), 20);
  });
}

beforeAll(async () => {
  work = tempDir('bridge');
  const helperScript = await buildHelper(work.path);
  iso = makeLiveIso(work.path, { era: 'modern' });
  stick = path.join(work.path, 'stick.img');
  late = path.join(work.path, 'plugged-later.img');
  await ensureImageFileDrives([{ path: stick, sizeBytes: 512 * MiB }]);
  // A stand-in renderer: the bridge injects its shim into index.html.
  const renderer = path.join(work.path, 'renderer');
  mkdirSync(renderer);
  writeFileSync(path.join(renderer, 'index.html'), '<html><script src="app.js"></script></html>');
  const shim = path.join(work.path, 'shim.js');
  writeFileSync(shim, '');
  bridge = await startBridge({
    rendererDir: renderer,
    shimFile: shim,
    createService: (emit) =>
      createService({
        emit,
        chooseImageFile: null,
        drives: imageFileDrives([
          { path: stick, sizeBytes: 512 * MiB },
          { path: iso, sizeBytes: 0 },
          { path: late, sizeBytes: 256 * MiB },
        ]),
        helper: nodeLocation(helperScript),
        drivePollMs: 100,
        log: () => undefined,
      }),
  });
  socket = await openBridgeSocket(bridge.url);
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as ServerMessage;
    if ('id' in message) pending.get(message.id)?.(message.envelope);
    else events.push(message);
  });
});

afterAll(async () => {
  socket?.close();
  await bridge?.close();
  work?.remove();
});

describe('the service through the browser bridge', () => {
  it('opens and plans the ISO', async () => {
    const summary = await value<ImageSummary>('openImage', { path: iso });
    expect(summary).toMatchObject({ path: iso, label: 'Fedora-WS-Live-24-1-2', efi: true });
    const plan = await value<{ ok: boolean }>('plan', {
      imagePath: iso,
      targetBytes: 512 * MiB,
      sizing,
    });
    expect(plan.ok).toBe(true);
  });

  it('lists image-file drives, blocking the ISO, and reports a newly plugged one', async () => {
    const drives = await value<DriveInfo[]>('listDrives', { showAll: false });
    expect(drives.map((d) => [d.device, d.blockedReason])).toEqual([
      [stick, null],
      [iso, 'holds the image you chose'],
    ]);
    await ensureImageFileDrives([{ path: late, sizeBytes: 256 * MiB }]);
    const changed = await nextEvent('drivesChanged', (list) => list.some((d) => d.device === late));
    expect(changed.map((d) => d.device)).toEqual([stick, iso, late]);
  });

  it('refuses targets that are not choosable, before any helper runs', async () => {
    const request = { imagePath: iso, sizing, verify: true };
    const unlisted = await call('startWrite', { ...request, device: '/dev/sda' });
    expect(unlisted).toMatchObject({
      ok: false,
      error: { code: 'TARGET_REFUSED', message: '/dev/sda is not one of the listed drives.' },
    });
    const blocked = await call('startWrite', { ...request, device: iso });
    expect(blocked).toMatchObject({
      ok: false,
      error: { code: 'TARGET_REFUSED', message: `${iso} holds the image you chose.` },
    });
    const malformed = await call('startWrite', { ...request, device: stick, extra: true });
    expect(malformed).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });

  it('writes a stick through the helper, streaming progress, then reports success', async () => {
    const { jobId } = await value<{ jobId: string }>('startWrite', {
      imagePath: iso,
      device: stick,
      sizing,
      verify: true,
    });
    const finished = await nextEvent('writeFinished', (payload) => payload.jobId === jobId);
    expect(finished.outcome).toMatchObject({ status: 'succeeded', stick: { verified: true } });
    // The free space the done screen shows is the one "Check a stick" reads.
    const report = await value<{ freeBytes: number }>('inspect', { device: stick });
    expect(finished.outcome.status === 'succeeded' && finished.outcome.stick.freeBytes).toBe(
      report.freeBytes,
    );
    const phases = events.flatMap((m) =>
      'event' in m && m.event === 'writeProgress'
        ? [(m.payload as Events['writeProgress']).progress.phase]
        : [],
    );
    expect(phases).toContain('writing');
    expect(phases).toContain('verifying');
    expect(JSON.parse(run('sfdisk', ['--json', stick])).partitiontable.partitions).toHaveLength(1);
    const cancelled = await call('cancelWrite', { jobId });
    expect(cancelled).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });
});
