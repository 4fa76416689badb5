// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Ending a write early: cancel through the protocol, and the parent process killed outright.
 * Both must end the real helper (running the real engine) within 2 s and leave a target that
 * does not look bootable: the engine wipes the first MiB first and writes it last.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type JobMessage } from '../../src/helper/protocol';
import { startHelperJob } from '../../src/main/helper-client';
import type { Progress } from '../../src/shared/progress';
import {
  ROOT,
  buildHelper,
  isAlive,
  nodeLocation,
  recordingLauncher,
  waitUntil,
} from './helper-harness';
import { makeLiveIso, makeRootTree, run, tempDir } from './iso-fixtures';

const GiB = 1024 ** 3;
let work: ReturnType<typeof tempDir>;
let helperScript: string;
let iso: string;

/**
 * An ISO whose squashfs.img is 1.5 GiB of incompressible data stored uncompressed, so writing
 * it takes long enough to interrupt (the engine writes only real data, never free space).
 */
function makeBigLiveIso(dir: string): string {
  const tree = path.join(dir, 'big-rootfs');
  makeRootTree(tree);
  const chunk = path.join(dir, 'chunk');
  writeFileSync(chunk, randomBytes(64 * 1024 * 1024));
  const filler = path.join(tree, 'usr', 'share', 'filler.bin');
  for (let i = 0; i < 24; i++) appendFileSync(filler, readFileSync(chunk));
  const squashfs = path.join(dir, 'big-squashfs.img');
  run('mksquashfs', [
    tree,
    squashfs,
    '-noappend',
    '-quiet',
    '-no-progress',
    '-noI',
    '-noD',
    '-noF',
    '-noX',
  ]);
  rmSync(tree, { recursive: true, force: true });
  return makeLiveIso(dir, { era: 'modern', squashfsImage: squashfs });
}

function slowWrite(target: string): JobMessage {
  return {
    v: PROTOCOL_VERSION,
    type: 'write',
    job: {
      imagePath: iso,
      target,
      targetSizeBytes: 4 * GiB,
      sizing: { overlayType: 'auto', encryptedHome: false, partitionTable: 'mbr' },
      verify: true,
      zeroFill: false,
    },
    unmount: false,
    eject: false,
  };
}

function firstSector(file: string): Buffer {
  const sector = Buffer.alloc(512);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, sector, 0, 512, 0);
  } finally {
    closeSync(fd);
  }
  return sector;
}

function looksBootable(sector: Buffer): boolean {
  return sector[510] === 0x55 && sector[511] === 0xaa;
}

beforeAll(async () => {
  work = tempDir('lifecycle');
  helperScript = await buildHelper(work.path);
  iso = makeBigLiveIso(work.path);
});
afterAll(() => work?.remove());

describe('helper lifecycle', () => {
  it('cancel mid-write ends the helper within 2 s and leaves no bootable-looking target', async () => {
    const target = path.join(work.path, 'cancel.img');
    const recorder = recordingLauncher();
    let writing!: () => void;
    let atCancel: Progress | undefined;
    const startedWriting = new Promise<void>((resolve) => (writing = resolve));
    const job = startHelperJob({
      location: nodeLocation(helperScript),
      message: slowWrite(target),
      elevate: false,
      callbacks: {
        onLog: () => undefined,
        onProgress: (progress) => {
          if (progress.phase === 'writing' && progress.bytesDone > 0) {
            atCancel ??= progress;
            writing();
          }
        },
      },
      launch: recorder.launch,
    });
    const outcome = job.outcome.catch((error: unknown) => error);
    await startedWriting;
    const pid = recorder.pid()!;
    const cancelledAt = performance.now();
    await job.cancel();
    const stopMs = await waitUntil(() => !isAlive(pid), 2000);
    const totalMs = performance.now() - cancelledAt;
    console.log(
      `cancel: helper gone ${totalMs.toFixed(0)} ms after cancel (poll ${stopMs.toFixed(0)} ms)`,
    );
    expect(totalMs).toBeLessThan(2000);
    expect(atCancel!.bytesDone).toBeLessThan(atCancel!.bytesTotal);
    await expect(outcome).resolves.toMatchObject({ code: 'CANCELLED' });
    expect(looksBootable(firstSector(target))).toBe(false);
  });

  it('a killed parent ends the helper within 2 s and leaves no bootable-looking target', async () => {
    const target = path.join(work.path, 'orphan.img');
    const parentScript = path.join(work.path, 'parent.cjs');
    await build({
      stdin: {
        contents: `
          import { startHelperJob } from './src/main/helper-client';
          const [script, messageJson] = process.argv.slice(2);
          import { spawn } from 'node:child_process';
          let announced = false;
          startHelperJob({
            location: { executable: process.execPath, script, runAsNode: false, copyScript: false },
            message: JSON.parse(messageJson),
            elevate: false,
            callbacks: {
              onLog: () => undefined,
              onProgress: (progress) => {
                if (!announced && progress.phase === 'writing' && progress.bytesDone > 0) {
                  announced = true;
                  process.stdout.write('writing\\n');
                }
              },
            },
            launch: (spec) => {
              const child = spawn(spec.executable, [...spec.args], { env: { ...spec.env }, stdio: 'ignore' });
              process.stdout.write('helper ' + child.pid + '\\n');
              return {
                exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ kind: 'exited', code, signal }))),
                kill: () => child.kill('SIGKILL'),
              };
            },
          }).outcome.catch(() => undefined);
        `,
        resolveDir: ROOT,
        loader: 'ts',
      },
      outfile: parentScript,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      logLevel: 'error',
    });
    const parent = spawn(
      process.execPath,
      [parentScript, helperScript, JSON.stringify(slowWrite(target))],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let stdout = '';
    const helperPid = await new Promise<number>((resolve, reject) => {
      parent.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const pid = /helper (\d+)\n/.exec(stdout);
        if (pid && stdout.includes('writing\n')) resolve(Number(pid[1]));
      });
      parent.once('exit', () => reject(new Error(`parent exited early: ${stdout}`)));
    });
    expect(isAlive(helperPid)).toBe(true);
    parent.kill('SIGKILL');
    const goneMs = await waitUntil(() => !isAlive(helperPid), 2000);
    console.log(`parent killed: helper gone after ${goneMs.toFixed(0)} ms`);
    expect(goneMs).toBeLessThan(2000);
    expect(looksBootable(firstSector(target))).toBe(false);
  });
});
