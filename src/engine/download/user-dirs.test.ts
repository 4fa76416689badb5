// SPDX-License-Identifier: GPL-3.0-or-later
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCacheDir, defaultDownloadDir, xdgDownloadDir } from './user-dirs';

describe('user folders', () => {
  const home = mkdtempSync(join(tmpdir(), 'livestick-home-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('read the Downloads folder from user-dirs.dirs as xdg-user-dirs-update writes it', () => {
    const text =
      '# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR="$HOME/Desktop"\nXDG_DOWNLOAD_DIR="$HOME/Téléchargements"\n';
    expect(xdgDownloadDir(text, '/home/ana')).toBe('/home/ana/Téléchargements');
    expect(xdgDownloadDir('XDG_DOWNLOAD_DIR="/data/dl"\n', '/home/ana')).toBe('/data/dl');
    // Set to $HOME itself, the folder is disabled.
    expect(xdgDownloadDir('XDG_DOWNLOAD_DIR="$HOME/"\n', '/home/ana')).toBeNull();
    expect(xdgDownloadDir('XDG_MUSIC_DIR="$HOME/Music"\n', '/home/ana')).toBeNull();
  });

  it('use the XDG setting on Linux and ~/Downloads elsewhere or without one', () => {
    const config = join(home, 'config');
    mkdirSync(config);
    writeFileSync(join(config, 'user-dirs.dirs'), 'XDG_DOWNLOAD_DIR="$HOME/Hämtningar"\n');
    const linux = { env: { XDG_CONFIG_HOME: config }, home, platform: 'linux' as const };
    expect(defaultDownloadDir(linux)).toBe(join(home, 'Hämtningar'));
    expect(defaultDownloadDir({ ...linux, env: {} })).toBe(join(home, 'Downloads'));
    expect(defaultDownloadDir({ ...linux, platform: 'darwin' })).toBe(join(home, 'Downloads'));
  });

  it('put the catalog cache in the per-user cache folder of each system', () => {
    expect(defaultCacheDir({ env: { XDG_CACHE_HOME: '/c' }, home: '/h', platform: 'linux' })).toBe(
      '/c/livestick',
    );
    expect(defaultCacheDir({ env: {}, home: '/h', platform: 'linux' })).toBe('/h/.cache/livestick');
    expect(defaultCacheDir({ env: {}, home: '/h', platform: 'darwin' })).toBe(
      '/h/Library/Caches/LiveStick',
    );
  });
});
