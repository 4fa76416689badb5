// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Main checks every helper result where it arrives: a scripted helper (a small Node program
 * speaking the real protocol over the real channel) answers with results of the right shape, of
 * another job, of another maintenance action, or with a field missing, and main takes only the
 * first as the job's outcome.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WriteResult } from '../../src/engine/jobs';
import { PROTOCOL_VERSION } from '../../src/helper/protocol';
import {
  startInspectJob,
  startMaintainJob,
  startWriteJob,
  type HelperJobCallbacks,
} from '../../src/main/helper-client';
import type { InspectReport, MaintenanceResult } from '../../src/shared/ipc';
import { nodeLocation, recordingLauncher } from './helper-harness';
import { tempDir } from './iso-fixtures';

let work: ReturnType<typeof tempDir>;
beforeAll(() => {
  work = tempDir('helper-results');
});
afterAll(() => work?.remove());

/** A helper that authenticates, reads its job and answers with exactly `answer`. */
function scriptedHelper(name: string, answer: Record<string, unknown>): string {
  const script = path.join(work.path, `${name}.cjs`);
  writeFileSync(
    script,
    `const fs = require('fs');
const net = require('net');
const [, , , socket, , tokenFile] = process.argv;
const connection = net.connect(socket, () => {
  const token = fs.readFileSync(tokenFile, 'utf8');
  connection.write(JSON.stringify({ v: 1, type: 'hello', token, pid: process.pid }) + '\\n');
});
let received = '';
connection.on('data', (chunk) => {
  received += chunk;
  if (!received.includes('\\n')) return;
  connection.end(JSON.stringify(${JSON.stringify({ v: PROTOCOL_VERSION, ...answer })}) + '\\n');
});
`,
  );
  return script;
}

const quiet: HelperJobCallbacks = { onProgress: () => undefined, onLog: () => undefined };

const writeResult: WriteResult = {
  target: '/tmp/stick.img',
  label: 'LIVE',
  uuid: '1A2B-3C4D',
  overlayKind: 'dm-snapshot',
  overlayPath: '/LiveOS/overlay-LIVE-1A2B-3C4D',
  bytesWritten: 123456,
  freeBytes: 654321,
  verified: true,
  biosBoot: true,
  summary: ['Written.'],
};

const growResult: MaintenanceResult = {
  device: '/tmp/stick.img',
  action: 'grow',
  bytesWritten: 4096,
  summary: ['Grown.'],
};

const report: InspectReport = {
  device: '/tmp/stick.img',
  label: 'LIVE',
  uuid: '1A2B-3C4D',
  overlay: null,
  home: { sizeBytes: 2 ** 30, usedBytes: null, encrypted: true },
  freeBytes: 2 ** 32,
  kernelArgs: ['root=live:UUID=1A2B-3C4D', 'rd.live.image'],
  partitionTable: 'mbr',
};

function write(script: string) {
  return startWriteJob({
    location: nodeLocation(script),
    elevate: false,
    callbacks: quiet,
    launch: recordingLauncher().launch,
    message: {
      v: PROTOCOL_VERSION,
      type: 'write',
      job: {
        imagePath: '/tmp/live.iso',
        target: '/tmp/stick.img',
        sizing: { overlayType: 'auto', encryptedHome: false, partitionTable: 'mbr' },
        verify: true,
        zeroFill: false,
      },
      unmount: false,
      eject: false,
    },
  });
}

function grow(script: string) {
  return startMaintainJob({
    location: nodeLocation(script),
    elevate: false,
    callbacks: quiet,
    launch: recordingLauncher().launch,
    message: {
      v: PROTOCOL_VERSION,
      type: 'maintain',
      job: { action: 'grow', target: '/tmp/stick.img', homeBytes: 2 ** 30 },
      unmount: false,
    },
  });
}

describe('helper results as main receives them', () => {
  it('a write answered with a write result resolves to it', async () => {
    const script = scriptedHelper('write', { type: 'result', job: 'write', result: writeResult });
    expect(await write(script).outcome).toEqual(writeResult);
  });

  it('a maintenance job answered with its own action resolves to it', async () => {
    const script = scriptedHelper('grow', { type: 'result', job: 'maintain', result: growResult });
    expect(await grow(script).outcome).toEqual(growResult);
  });

  it('an inspection answered with a report resolves to it', async () => {
    const script = scriptedHelper('inspect', { type: 'result', job: 'inspect', result: report });
    const inspect = startInspectJob({
      location: nodeLocation(script),
      elevate: false,
      callbacks: quiet,
      launch: recordingLauncher().launch,
      message: { v: PROTOCOL_VERSION, type: 'inspect', job: { target: '/tmp/stick.img' } },
    });
    expect(await inspect.outcome).toEqual(report);
  });

  it('refuses the result of another job', async () => {
    const script = scriptedHelper('other-job', {
      type: 'result',
      job: 'maintain',
      result: growResult,
    });
    await expect(write(script).outcome).rejects.toMatchObject({
      code: 'INTERNAL',
      message: "The helper's maintain result does not answer the write job it was given.",
    });
  });

  it('refuses the result of another maintenance action', async () => {
    const script = scriptedHelper('other-action', {
      type: 'result',
      job: 'maintain',
      result: { ...growResult, action: 'reset-overlay' },
    });
    await expect(grow(script).outcome).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('refuses a result that lacks a field, or has one its schema does not know', async () => {
    const unverified = Object.fromEntries(
      Object.entries(writeResult).filter(([key]) => key !== 'verified'),
    );
    const missing = scriptedHelper('missing', { type: 'result', job: 'write', result: unverified });
    await expect(write(missing).outcome).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/^The helper broke the protocol: invalid message at result/),
    });
    const extra = scriptedHelper('extra', {
      type: 'result',
      job: 'write',
      result: { ...writeResult, homePassphrase: 'echoed' },
    });
    await expect(write(extra).outcome).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('takes error details only in the shape of their code', async () => {
    const typed = scriptedHelper('typed-error', {
      type: 'error',
      error: {
        code: 'DOES_NOT_FIT',
        message: 'The home does not fit.',
        details: { missingBytes: 4096, availableBytes: 0 },
      },
    });
    await expect(grow(typed).outcome).rejects.toMatchObject({
      code: 'DOES_NOT_FIT',
      details: { missingBytes: 4096, availableBytes: 0 },
    });
    // The name this code's details had once: no longer part of the protocol.
    const renamed = scriptedHelper('renamed-detail', {
      type: 'error',
      error: {
        code: 'DOES_NOT_FIT',
        message: 'The home does not fit.',
        details: { neededBytes: 4096, availableBytes: 0 },
      },
    });
    await expect(grow(renamed).outcome).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/^The helper broke the protocol: invalid message at error/),
    });
  });
});
