// SPDX-License-Identifier: GPL-3.0-or-later
import { execFile } from 'node:child_process';
import { rm, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { LiveStickError } from '../shared/errors';
import { mountsOnDisk, type MountEntry } from './target-checks';

/**
 * Releasing a stick before writing and after. The helper runs these privileged, after the
 * target checks have ruled out the system disk, so only file systems of the chosen stick are
 * ever unmounted. Commands are built by pure functions (tested on every OS's wording) and run
 * by one small executor.
 */
export interface OsCommand {
  readonly file: string;
  readonly args: readonly string[];
  /** A script passed as a temporary file (diskpart /s). */
  readonly script?: string;
}

/** Windows: \\.\PhysicalDrive3 → 3. */
export function windowsDiskNumber(device: string): number {
  const match = /^\\\\\.\\PhysicalDrive(\d+)$/i.exec(device);
  if (!match) throw new LiveStickError('TARGET_REFUSED', `${device} is not a whole disk.`);
  return Number(match[1]);
}

/**
 * Linux: one `umount` per mounted file system, deepest first so nested mounts come off before
 * their parents. As root umount needs no daemon; otherwise udisksctl asks polkit.
 */
export function unmountCommands(
  platform: NodeJS.Platform,
  device: string,
  mounts: readonly MountEntry[],
  { root }: { root: boolean },
): OsCommand[] {
  switch (platform) {
    case 'darwin':
      return [{ file: '/usr/sbin/diskutil', args: ['unmountDisk', device] }];
    case 'win32':
      // Windows keeps volumes mounted while a raw disk write proceeds and then rejects writes
      // into their sectors; removing the partitions is the reliable way to let go of them.
      return [
        {
          file: 'diskpart.exe',
          args: ['/s'],
          script: `select disk ${windowsDiskNumber(device)}\r\nclean\r\nrescan\r\n`,
        },
      ];
    default:
      return [...mounts]
        .sort((a, b) => b.mountPoint.length - a.mountPoint.length)
        .map((mount) =>
          root
            ? { file: 'umount', args: ['--', mount.mountPoint] }
            : { file: 'udisksctl', args: ['unmount', '--no-user-interaction', '-b', mount.source] },
        );
  }
}

/** Loop devices and image files have nothing to power off. */
export function ejectCommands(platform: NodeJS.Platform, device: string): OsCommand[] {
  switch (platform) {
    case 'darwin':
      return [{ file: '/usr/sbin/diskutil', args: ['eject', device] }];
    case 'win32':
      return [];
    default:
      return device.startsWith('/dev/loop')
        ? []
        : [{ file: 'udisksctl', args: ['power-off', '--no-user-interaction', '-b', device] }];
  }
}

const exec = promisify(execFile);

async function runCommand(command: OsCommand): Promise<void> {
  if (command.script === undefined) {
    await exec(command.file, [...command.args], { windowsHide: true });
    return;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'livestick-'));
  const scriptFile = path.join(dir, 'script.txt');
  try {
    await writeFile(scriptFile, command.script, { mode: 0o600 });
    await exec(command.file, [...command.args, scriptFile], { windowsHide: true });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function commandFailure(what: string, device: string, error: unknown): LiveStickError {
  const stderr = (error as { stderr?: unknown }).stderr;
  const detail = typeof stderr === 'string' && stderr.trim() ? `: ${stderr.trim()}` : '';
  return new LiveStickError('DEVICE_BUSY', `Could not ${what} ${device}${detail}.`);
}

export interface ReleaseOptions {
  readonly platform?: NodeJS.Platform;
  /** Linux: where sysfs and procfs are (tests point these at fakes). */
  readonly sysRoot?: string;
  readonly procRoot?: string;
}

/** Unmounts every file system on the disk; returns the mount points that were released. */
export async function unmountDisk(device: string, options: ReleaseOptions = {}): Promise<string[]> {
  const platform = options.platform ?? process.platform;
  const mounts = platform === 'linux' ? await mountsOnDisk(device, options) : [];
  if (platform === 'linux' && mounts.length === 0) return [];
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  for (const command of unmountCommands(platform, device, mounts, { root })) {
    try {
      await runCommand(command);
    } catch (error) {
      throw commandFailure('unmount', device, error);
    }
  }
  return mounts.map((mount) => mount.mountPoint);
}

/**
 * Powers the stick down so it can be pulled out. Best effort: a stick that cannot be ejected
 * (no udisks, a card reader) is still written correctly, so failure is reported, not thrown.
 */
export async function ejectDisk(
  device: string,
  options: ReleaseOptions = {},
): Promise<string | null> {
  for (const command of ejectCommands(options.platform ?? process.platform, device)) {
    try {
      await runCommand(command);
    } catch (error) {
      return commandFailure('eject', device, error).message;
    }
  }
  return null;
}
