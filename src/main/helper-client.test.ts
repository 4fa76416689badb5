// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { locateHelper } from './helper-client';

describe('locateHelper', () => {
  it('development: dist/helper next to dist/main, run by Node', () => {
    expect(
      locateHelper({
        execPath: '/usr/bin/node',
        resourcesPath: null,
        appImage: null,
        distDir: '/src/livestick/dist',
        isElectron: false,
      }),
    ).toEqual({
      executable: '/usr/bin/node',
      script: '/src/livestick/dist/helper/helper.cjs',
      runAsNode: false,
      copyScript: false,
    });
  });

  it('packaged: resources/helper outside the asar, Electron run as Node', () => {
    expect(
      locateHelper({
        execPath: '/opt/LiveStick/livestick',
        resourcesPath: '/opt/LiveStick/resources',
        appImage: null,
        distDir: '/opt/LiveStick/resources/app.asar/dist',
        isElectron: true,
      }),
    ).toEqual({
      executable: '/opt/LiveStick/livestick',
      script: '/opt/LiveStick/resources/helper/helper.cjs',
      runAsNode: true,
      copyScript: false,
    });
  });

  it('AppImage: the AppImage file runs a copy of the script root can read', () => {
    expect(
      locateHelper({
        execPath: '/tmp/.mount_LiveStXYZ/livestick',
        resourcesPath: '/tmp/.mount_LiveStXYZ/resources',
        appImage: '/home/me/Downloads/LiveStick.AppImage',
        distDir: '/tmp/.mount_LiveStXYZ/resources/app.asar/dist',
        isElectron: true,
      }),
    ).toEqual({
      executable: '/home/me/Downloads/LiveStick.AppImage',
      script: '/tmp/.mount_LiveStXYZ/resources/helper/helper.cjs',
      runAsNode: true,
      copyScript: true,
    });
  });
});
