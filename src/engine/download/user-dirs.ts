// SPDX-License-Identifier: GPL-3.0-or-later
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface UserEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string;
  readonly platform: NodeJS.Platform;
}

function currentEnvironment(): UserEnvironment {
  return { env: process.env, home: os.homedir(), platform: process.platform };
}

/**
 * The download folder from `user-dirs.dirs` as written by xdg-user-dirs-update:
 * `XDG_DOWNLOAD_DIR="$HOME/Downloads"` (a path relative to $HOME, or absolute). A value of
 * just `$HOME` is how a user turns the folder off; null then, and when the file says nothing.
 */
export function xdgDownloadDir(userDirsText: string, home: string): string | null {
  for (const line of userDirsText.split('\n')) {
    const match = /^\s*XDG_DOWNLOAD_DIR\s*=\s*"(.*)"\s*$/.exec(line);
    if (!match) continue;
    const value = match[1]!.replace(/\\(.)/g, '$1');
    const resolved = value.startsWith('$HOME')
      ? path.join(home, value.slice('$HOME'.length))
      : value.startsWith('/')
        ? value
        : null;
    if (resolved === null || path.resolve(resolved) === path.resolve(home)) return null;
    return resolved;
  }
  return null;
}

/** Where downloaded images go unless the user picks a folder: the user's Downloads folder. */
export function defaultDownloadDir(user: UserEnvironment = currentEnvironment()): string {
  const fallback = path.join(user.home, 'Downloads');
  if (user.platform === 'win32' || user.platform === 'darwin') return fallback;
  const configHome = user.env.XDG_CONFIG_HOME || path.join(user.home, '.config');
  try {
    return (
      xdgDownloadDir(readFileSync(path.join(configHome, 'user-dirs.dirs'), 'utf8'), user.home) ??
      fallback
    );
  } catch {
    return fallback;
  }
}

/** Per-user cache folder of LiveStick (the offline copy of the catalog lives there). */
export function defaultCacheDir(user: UserEnvironment = currentEnvironment()): string {
  if (user.platform === 'win32') {
    return path.join(
      user.env.LOCALAPPDATA || path.join(user.home, 'AppData', 'Local'),
      'LiveStick',
      'Cache',
    );
  }
  if (user.platform === 'darwin') return path.join(user.home, 'Library', 'Caches', 'LiveStick');
  return path.join(user.env.XDG_CACHE_HOME || path.join(user.home, '.cache'), 'livestick');
}
