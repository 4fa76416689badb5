// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The real helper process over its real channel: authentication, job validation, refusals on
 * loop devices with mounted file systems and on the disk holding the ISO, unmounting on
 * request, and that a home passphrase never appears in anything the helper prints or sends.
 * Needs root (losetup, mount) and e2fsprogs; fails when either is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type JobMessage } from '../../src/helper/protocol';
import { HELPER_EXIT } from '../../src/helper/exit-codes';
import { openHelperChannel } from '../../src/main/helper-channel';
import { startHelperJob } from '../../src/main/helper-client';
import type { Sizing } from '../../src/shared/ipc';
import type { Progress } from '../../src/shared/progress';
import { buildHelper, nodeLocation, recordingLauncher } from './helper-harness';
import { makeLiveIso, run, tempDir } from './iso-fixtures';

const sizing: Sizing = {
  overlayType: 'auto',
  encryptedHome: false,
  partitionTable: 'mbr',
};

let work: ReturnType<typeof tempDir>;
let helperScript: string;
let iso: string;
const loops: string[] = [];
const mounts: string[] = [];

function losetup(file: string): string {
  const device = run('losetup', ['-f', '--show', file]).trim();
  loops.push(device);
  return device;
}

function mountedAt(device: string): string | null {
  const line = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((entry) => entry.split(' - ')[1]?.split(' ')[1] === device);
  return line ? line.split(' ')[4]! : null;
}

function writeMessage(target: string, extra: Partial<JobMessage> = {}): JobMessage {
  return {
    v: PROTOCOL_VERSION,
    type: 'write',
    job: { imagePath: iso, target, sizing, verify: false, zeroFill: false },
    unmount: false,
    eject: false,
    ...extra,
  } as JobMessage;
}

async function runJob(message: JobMessage) {
  const recorder = recordingLauncher();
  const logs: string[] = [];
  const progress: Progress[] = [];
  const job = startHelperJob({
    location: nodeLocation(helperScript),
    message,
    elevate: false,
    callbacks: { onLog: (line) => logs.push(line), onProgress: (p) => progress.push(p) },
    launch: recorder.launch,
  });
  const outcome = await job.outcome.then(
    (result) => ({ ok: true as const, result }),
    (error: unknown) => ({ ok: false as const, error: error as { code: string; message: string } }),
  );
  return { outcome, logs, progress, output: recorder.output };
}

beforeAll(async () => {
  for (const tool of ['losetup', 'mount', 'umount', 'mkfs.ext4']) {
    execFileSync('sh', ['-c', `command -v ${tool}`]);
  }
  work = tempDir('helper');
  helperScript = await buildHelper(work.path);
  iso = makeLiveIso(work.path, { era: 'modern' });
});

afterAll(() => {
  for (const mount of mounts.reverse()) {
    try {
      execFileSync('umount', [mount]);
    } catch {
      // already unmounted by the test
    }
  }
  for (const device of loops) execFileSync('losetup', ['-d', device]);
  work?.remove();
});

describe('helper channel', () => {
  it('drops a client without the token and accepts the one with it', async () => {
    const channel = await openHelperChannel();
    try {
      const socketPath = channel.helperArgs[1]!;
      const tokenFile = channel.helperArgs[3]!;
      expect(statSync(channel.dir).mode & 0o777).toBe(0o700);
      expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
      expect(channel.helperArgs.join(' ')).not.toContain(readFileSync(tokenFile, 'utf8'));
      const accepting = new AbortController();
      const accepted = channel.accept(accepting.signal);
      const rogue = connect(socketPath);
      const rogueClosed = new Promise<void>((resolve) => rogue.on('close', () => resolve()));
      rogue.on('error', () => undefined);
      rogue.write(`${JSON.stringify({ v: 1, type: 'hello', token: '0'.repeat(64), pid: 1 })}\n`);
      await rogueClosed;
      const honest = connect(socketPath);
      honest.write(
        `${JSON.stringify({ v: 1, type: 'hello', token: readFileSync(tokenFile, 'utf8'), pid: 2 })}\n`,
      );
      const connection = await accepted;
      // Single use: the token file is gone and nobody else can connect.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(existsSync(tokenFile)).toBe(false);
      connection.close();
      honest.destroy();
    } finally {
      await channel.close();
    }
    expect(existsSync(channel.dir)).toBe(false);
  });

  it('the helper refuses a token file others could read', async () => {
    const channel = await openHelperChannel();
    try {
      const tokenFile = channel.helperArgs[3]!;
      execFileSync('chmod', ['0644', tokenFile]);
      const recorder = recordingLauncher();
      const launched = recorder.launch({
        executable: process.execPath,
        args: [helperScript, ...channel.helperArgs],
        env: {},
      });
      const exit = await launched.exited;
      expect(exit).toEqual({ kind: 'exited', code: HELPER_EXIT.CHANNEL_FAILED, signal: null });
      expect(recorder.output()).toContain('not a private (0600) file');
    } finally {
      await channel.close();
    }
  });
});

describe('helper refusals', () => {
  it('refuses a loop device with a mounted file system, and unmounts it when asked', async () => {
    const file = path.join(work.path, 'mounted.img');
    run('truncate', ['-s', '64M', file]);
    run('mkfs.ext4', ['-q', '-F', file]);
    const device = losetup(file);
    const mountPoint = path.join(work.path, 'mnt');
    mkdirSync(mountPoint);
    run('mount', [device, mountPoint]);
    mounts.push(mountPoint);

    const refused = await runJob(writeMessage(device));
    expect(refused.outcome).toMatchObject({
      ok: false,
      error: {
        code: 'DEVICE_BUSY',
        message: `${device} is mounted at ${mountPoint}; unmount it first.`,
      },
    });
    expect(mountedAt(device)).toBe(mountPoint);

    // With consent the helper unmounts it itself, then writes the stick through the loop device.
    const released = await runJob(writeMessage(device, { unmount: true }));
    expect(released.logs).toContain(`Unmounted ${mountPoint}.`);
    expect(mountedAt(device)).toBeNull();
    expect(released.outcome).toMatchObject({ ok: true, result: { target: device } });
    expect(run('sfdisk', ['--json', file])).toContain('"type": "c"');
  });

  it('refuses the disk holding the ISO', async () => {
    const file = path.join(work.path, 'isodisk.img');
    run('truncate', ['-s', '64M', file]);
    run('mkfs.ext4', ['-q', '-F', file]);
    const device = losetup(file);
    const mountPoint = path.join(work.path, 'isodisk');
    mkdirSync(mountPoint);
    run('mount', [device, mountPoint]);
    mounts.push(mountPoint);
    const isoOnDisk = path.join(mountPoint, 'live.iso');
    writeFileSync(isoOnDisk, readFileSync(iso));

    const { outcome } = await runJob({
      ...writeMessage(device),
      job: { imagePath: isoOnDisk, target: device, sizing, verify: false, zeroFill: false },
    } as JobMessage);
    expect(outcome).toMatchObject({
      ok: false,
      error: {
        code: 'TARGET_REFUSED',
        message: `${device} holds the image you chose (${isoOnDisk}).`,
      },
    });
  });

  it('refuses the ISO itself as an image-file target, and junk that is neither disk nor file', async () => {
    const itself = await runJob(writeMessage(iso));
    expect(itself.outcome).toMatchObject({ ok: false, error: { code: 'TARGET_REFUSED' } });
    const nullDevice = await runJob(writeMessage('/dev/null'));
    expect(nullDevice.outcome).toMatchObject({
      ok: false,
      error: { code: 'TARGET_REFUSED', message: '/dev/null is neither a disk nor a regular file.' },
    });
  });

  it('never prints or sends the home passphrase', async () => {
    const passphrase = 'correct horse battery staple 7f3a9c';
    const target = path.join(work.path, 'secret.img');
    const { outcome, logs, progress, output } = await runJob({
      v: PROTOCOL_VERSION,
      type: 'write',
      job: {
        imagePath: iso,
        target,
        targetSizeBytes: 256 * 1024 * 1024,
        sizing: { ...sizing, encryptedHome: true, homeMiB: 32, overlayMiB: 32 },
        verify: true,
        zeroFill: false,
        homePassphrase: passphrase,
        pbkdf2Iterations: 1000,
      },
      unmount: false,
      eject: false,
    });
    const everything = JSON.stringify({ outcome, logs, progress }) + output();
    expect(everything).not.toContain(passphrase);
    expect(everything).not.toContain('homePassphrase');
    expect(outcome.ok).toBe(true);
  });
});
