// SPDX-License-Identifier: GPL-3.0-or-later
import { realpathSync } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DriveInfo } from '../shared/ipc';
import { LiveStickError } from '../shared/errors';

/**
 * The drive list main shows and `livestick list` prints. Whole disks only, from drivelist (on
 * Linux it runs lsblk; on macOS/Windows native code). System and fixed disks are hidden unless
 * the user asks for all; even then the disk that runs this computer and the one holding the
 * chosen ISO stay visible but blocked, with the reason in words (docs/ARCHITECTURE.md, "Safety"). Image-file
 * "drives" stand in for sticks in the browser bridge and in tests, because drivelist drops loop
 * devices on purpose.
 */
export interface DriveQuery {
  readonly showAll: boolean;
  /** The ISO the user chose, so the disk holding it can be blocked. */
  readonly imagePath: string | null;
}

export interface DriveSource {
  list(query: DriveQuery): Promise<DriveInfo[]>;
}

/** The drivelist fields we use (drivelist's own `Drive` type is wider). */
export interface RawDrive {
  readonly device: string;
  readonly description: string;
  readonly size: number | null;
  readonly busType: string;
  readonly isRemovable: boolean;
  readonly isSystem: boolean;
  readonly isVirtual: boolean | null;
  readonly isReadOnly: boolean;
  readonly isUSB: boolean | null;
  readonly mountpoints: readonly { readonly path: string }[];
}

export const BLOCKED_SYSTEM = 'runs this computer';
export const BLOCKED_HOLDS_IMAGE = 'holds the image you chose';
export const BLOCKED_READ_ONLY = 'is write-protected';

const UNKNOWN_BUS = new Set(['', 'UNKNOWN', 'INVALID']);

/** Windows mount points are drive letters ("C:\") compared without case. */
function normalizeMount(mount: string, platform: NodeJS.Platform): string {
  if (platform !== 'win32')
    return mount.endsWith('/') && mount !== '/' ? mount.slice(0, -1) : mount;
  return mount.toLowerCase().replace(/\\+$/, '');
}

function contains(mount: string, file: string, platform: NodeJS.Platform): boolean {
  const sep = platform === 'win32' ? '\\' : '/';
  const m = normalizeMount(mount, platform);
  const f = platform === 'win32' ? file.toLowerCase() : file;
  return f === m || f.startsWith(m === '/' ? '/' : m + sep);
}

/** The drive whose mount point is the longest prefix of the file: the disk holding it. */
function driveHolding(
  drives: readonly RawDrive[],
  file: string,
  platform: NodeJS.Platform,
): string | null {
  let best: { device: string; length: number } | null = null;
  for (const drive of drives) {
    for (const mount of drive.mountpoints) {
      if (!contains(mount.path, file, platform)) continue;
      const length = normalizeMount(mount.path, platform).length;
      if (!best || length > best.length) best = { device: drive.device, length };
    }
  }
  return best?.device ?? null;
}

export interface ToDriveInfoContext {
  readonly query: DriveQuery;
  readonly platform: NodeJS.Platform;
  /** The ISO's real path (symlinks resolved), so its mount point can be matched. */
  readonly imageRealPath: string | null;
  /** Files whose disk runs this computer, beyond what drivelist flags: the running binary. */
  readonly systemFiles: readonly string[];
}

/** Pure mapping from drivelist's output to what the UI and CLI show. */
export function toDriveInfos(raw: readonly RawDrive[], context: ToDriveInfoContext): DriveInfo[] {
  const disks = raw.filter((drive) => !drive.isVirtual && drive.size !== null && drive.size > 0);
  const imageDevice = context.imageRealPath
    ? driveHolding(disks, context.imageRealPath, context.platform)
    : null;
  const systemDevices = new Set(
    context.systemFiles
      .map((file) => driveHolding(disks, file, context.platform))
      .filter((device): device is string => device !== null),
  );
  const infos: DriveInfo[] = [];
  for (const drive of disks) {
    const system = drive.isSystem || systemDevices.has(drive.device);
    const removable = drive.isRemovable || drive.isUSB === true;
    const holdsImage = drive.device === imageDevice;
    if (!context.query.showAll && (system || !removable)) continue;
    const blockedReason = system
      ? BLOCKED_SYSTEM
      : holdsImage
        ? BLOCKED_HOLDS_IMAGE
        : drive.isReadOnly
          ? BLOCKED_READ_ONLY
          : null;
    infos.push({
      device: drive.device,
      description: drive.description.trim() || path.basename(drive.device),
      sizeBytes: drive.size ?? 0,
      bus: UNKNOWN_BUS.has(drive.busType) ? null : drive.busType,
      removable,
      system,
      readOnly: drive.isReadOnly,
      mountpoints: drive.mountpoints.map((mount) => mount.path),
      blockedReason,
    });
  }
  return infos.sort((a, b) => a.device.localeCompare(b.device));
}

async function realImagePath(imagePath: string | null): Promise<string | null> {
  if (imagePath === null) return null;
  return realpath(imagePath).catch(() => path.resolve(imagePath));
}

export interface DrivelistSourceOptions {
  /** drivelist's `list`, injectable for tests; loaded lazily because it is a native module. */
  readonly list?: () => Promise<readonly RawDrive[]>;
  readonly platform?: NodeJS.Platform;
  readonly systemFiles?: readonly string[];
}

export function drivelistSource(options: DrivelistSourceOptions = {}): DriveSource {
  const list =
    options.list ??
    (async () => {
      const drivelist = await import('drivelist');
      return drivelist.list();
    });
  const systemFiles = options.systemFiles ?? [safeRealpath(process.execPath)];
  return {
    list: async (query) =>
      toDriveInfos(await list(), {
        query,
        platform: options.platform ?? process.platform,
        imageRealPath: await realImagePath(query.imagePath),
        systemFiles,
      }),
  };
}

function safeRealpath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

// ---- image-file drives -------------------------------------------------------------------------

export interface ImageFileDrive {
  readonly path: string;
  readonly sizeBytes: number;
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

/** `stick.img:16G` → { path: <absolute>/stick.img, sizeBytes: 16 GiB }. */
export function parseImageFileDrive(spec: string, cwd: string): ImageFileDrive {
  const match = /^(.+):(\d+)([KMGT]?)(?:i?B)?$/i.exec(spec);
  if (!match) {
    throw new LiveStickError(
      'TARGET_REFUSED',
      `"${spec}" is not FILE:SIZE (for example stick.img:16G).`,
    );
  }
  const sizeBytes = Number(match[2]) * SIZE_UNITS[match[3]!.toUpperCase()]!;
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) {
    throw new LiveStickError('TARGET_REFUSED', `"${spec}" has an unusable size.`);
  }
  return { path: path.resolve(cwd, match[1]!), sizeBytes };
}

/** Creates each file sparsely (or extends it); existing content is kept. */
export async function ensureImageFileDrives(drives: readonly ImageFileDrive[]): Promise<void> {
  for (const drive of drives) {
    const handle = await open(drive.path, 'a');
    try {
      const { size } = await handle.stat();
      if (size < drive.sizeBytes) await handle.truncate(drive.sizeBytes);
    } finally {
      await handle.close();
    }
  }
}

/** Image files listed as removable drives; the file that is the chosen ISO is blocked. */
export function imageFileDrives(drives: readonly ImageFileDrive[]): DriveSource {
  return {
    list: async (query) => {
      const imageReal = await realImagePath(query.imagePath);
      const infos: DriveInfo[] = [];
      for (const drive of drives) {
        const current = await stat(drive.path).catch(() => null);
        if (!current?.isFile()) continue;
        const real = await realpath(drive.path);
        infos.push({
          device: drive.path,
          description: `Image file ${path.basename(drive.path)}`,
          sizeBytes: current.size,
          bus: 'file',
          removable: true,
          system: false,
          readOnly: false,
          mountpoints: [],
          blockedReason: real === imageReal ? BLOCKED_HOLDS_IMAGE : null,
        });
      }
      return infos;
    },
  };
}

export function combinedSource(sources: readonly DriveSource[]): DriveSource {
  return {
    list: async (query) => (await Promise.all(sources.map((s) => s.list(query)))).flat(),
  };
}

// ---- hot-plug ----------------------------------------------------------------------------------

export interface DriveWatcherOptions {
  readonly source: DriveSource;
  readonly query: () => DriveQuery;
  readonly intervalMs: number;
  onChange(drives: DriveInfo[]): void;
  onError(error: unknown): void;
}

export interface DriveWatcher {
  /** Lists now; reports through onChange only when the list differs from the last one. */
  poll(): Promise<DriveInfo[]>;
  start(): void;
  stop(): void;
  readonly running: boolean;
}

/**
 * Polls for plugged and unplugged drives. There is no portable change notification (udev,
 * DiskArbitration and WM_DEVICECHANGE differ), and lsblk costs ~25 ms, so a 2 s poll while
 * someone is looking is cheap and the same on every OS.
 */
export function watchDrives(options: DriveWatcherOptions): DriveWatcher {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last: string | null = null;
  let running = false;

  const poll = async (): Promise<DriveInfo[]> => {
    const drives = await options.source.list(options.query());
    const key = JSON.stringify(drives);
    if (last !== null && key !== last) options.onChange(drives);
    last = key;
    return drives;
  };
  const schedule = (): void => {
    timer = setTimeout(() => {
      poll()
        .catch((error: unknown) => options.onError(error))
        .finally(() => {
          if (running) schedule();
        });
    }, options.intervalMs);
    timer.unref?.();
  };
  return {
    poll,
    start: () => {
      if (running) return;
      running = true;
      schedule();
    },
    stop: () => {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
    },
    get running() {
      return running;
    },
  };
}
