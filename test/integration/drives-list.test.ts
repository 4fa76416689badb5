// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * drivelist on this machine (lsblk underneath): the disk this system runs from is never
 * offered by default, and with --all it is listed, flagged system and blocked. Only reads.
 */
import { execFileSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { drivelistSource } from '../../src/engine/drives';
import { runCli } from '../../src/cli/cli';
import type { DriveInfo } from '../../src/shared/ipc';

/** The whole disk holding / according to lsblk, independently of drivelist. */
function rootDisk(): string {
  const source = execFileSync('findmnt', ['-n', '-o', 'SOURCE', '/'], { encoding: 'utf8' }).trim();
  const parent = execFileSync('lsblk', ['-n', '-d', '-o', 'PKNAME', source], { encoding: 'utf8' });
  return `/dev/${parent.trim() || source.replace('/dev/', '')}`;
}

describe('drive listing on this machine', () => {
  it('hides the system disk by default and blocks it with --all', async () => {
    const disk = rootDisk();
    const source = drivelistSource();
    const defaults = await source.list({ showAll: false, imagePath: null });
    expect(defaults.map((d) => d.device)).not.toContain(disk);
    const all = await source.list({ showAll: true, imagePath: null });
    expect(all.find((d) => d.device === disk)).toMatchObject({
      system: true,
      blockedReason: 'runs this computer',
    });
    // Virtual and sizeless devices (zram) are never listed.
    expect(all.every((d) => d.sizeBytes > 0 && !d.device.startsWith('/dev/zram'))).toBe(true);
  });

  it('livestick list --all --json prints the same drives', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await runCli(['list', '--all', '--json'], {
      stdout,
      stderr: new PassThrough(),
      stdin: new PassThrough(),
      signal: new AbortController().signal,
    });
    expect(code).toBe(0);
    const drives = JSON.parse(out) as DriveInfo[];
    expect(drives.find((d) => d.device === rootDisk())?.blockedReason).toBe('runs this computer');
  });
});
