// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The state of a simulated Windows or macOS machine, shared by the fake raw disks (inside the
 * process that writes) and the fake disk tools (separate processes, as the real ones are): one
 * JSON file, replaced atomically, and a log of every command the tools were asked to run. Each
 * disk is an image file of this machine; its volumes are the partitions its partition table
 * lists, read with sfdisk as the OS would read the table.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type SimOs = 'win32' | 'darwin';

export interface SimVolume {
  /** 1-based number of the partition in the table. */
  readonly partition: number;
  readonly startBytes: number;
  readonly lengthBytes: number;
  /** Windows: its drive letter ("E"). */
  readonly letter: string | null;
  /** macOS: where it is mounted, or null when unmounted. */
  mountPoint: string | null;
  /** Windows: the process holding FSCTL_LOCK_VOLUME on it; the lock ends when that process does. */
  lockedBy: number | null;
}

export interface SimDisk {
  readonly number: number;
  readonly image: string;
  readonly sectorBytes: number;
  /** Runs the simulated computer: Windows' boot disk, macOS' APFS physical store. */
  readonly system: boolean;
  readonly readOnly: boolean;
  ejected: boolean;
  volumes: SimVolume[];
}

export interface SimState {
  readonly os: SimOs;
  readonly disks: SimDisk[];
}

/** One line of the command log: a tool run, or something a running tool did. */
export interface LoggedCommand {
  readonly tool: string;
  readonly args: readonly string[];
  /** PowerShell: the script's name and disk number, decoded from -EncodedCommand. */
  readonly script?: string;
  readonly disk?: number;
  /** What a running tool did: lock, dismount, reread, unlock, eject, … */
  readonly event?: string;
}

export const statePath = (root: string): string => join(root, 'state.json');
export const logPath = (root: string): string => join(root, 'commands.log');

export function loadState(root: string): SimState {
  return JSON.parse(readFileSync(statePath(root), 'utf8')) as SimState;
}

export function saveState(root: string, state: SimState): void {
  const temporary = `${statePath(root)}.${process.pid}`;
  writeFileSync(temporary, JSON.stringify(state, null, 2));
  renameSync(temporary, statePath(root));
}

export function logCommand(root: string, entry: LoggedCommand): void {
  appendFileSync(logPath(root), `${JSON.stringify(entry)}\n`);
}

export function loggedCommands(root: string): LoggedCommand[] {
  if (!existsSync(logPath(root))) return [];
  return readFileSync(logPath(root), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LoggedCommand);
}

/** Whether a process still runs (a lock held by a dead process is gone). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The partitions of an image as sfdisk reads its table; none when it has no table. */
export function partitionsOf(image: string): { start: number; size: number }[] {
  try {
    const json = JSON.parse(
      execFileSync('sfdisk', ['--json', image], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as { partitiontable: { partitions?: { start: number; size: number }[] } };
    return json.partitiontable.partitions ?? [];
  } catch {
    return [];
  }
}

const LETTERS = 'EFGHIJKLMNOPQRSTUVWXYZ';

/**
 * The volumes the OS finds when it reads a disk's partition table: Windows gives each a drive
 * letter (the one it had, when a volume starts where an old one did), macOS mounts each under
 * /Volumes.
 */
export function discoverVolumes(state: SimState, disk: SimDisk): SimVolume[] {
  const used = new Set(
    state.disks
      .filter((other) => other !== disk && !other.ejected)
      .flatMap((other) => other.volumes.map((volume) => volume.letter)),
  );
  return partitionsOf(disk.image).map((partition, index) => {
    const startBytes = partition.start * 512;
    let letter: string | null = null;
    if (state.os === 'win32') {
      const previous = disk.volumes.find((volume) => volume.startBytes === startBytes)?.letter;
      letter = disk.system ? 'C' : (previous ?? [...LETTERS].find((l) => !used.has(l)) ?? null);
      if (letter) used.add(letter);
    }
    return {
      partition: index + 1,
      startBytes,
      lengthBytes: partition.size * 512,
      letter,
      mountPoint:
        state.os === 'darwin'
          ? disk.system
            ? '/'
            : `/Volumes/disk${disk.number}s${index + 1}`
          : null,
      lockedBy: null,
    };
  });
}

/** Windows mounts every volume it may; a volume blocks raw writes unless a live process locks it. */
export function volumeBlocksWrites(os: SimOs, volume: SimVolume): boolean {
  return os === 'win32'
    ? volume.lockedBy === null || !isRunning(volume.lockedBy)
    : volume.mountPoint !== null;
}
