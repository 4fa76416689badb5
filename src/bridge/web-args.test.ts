import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureImageFileDrives, type DriveSource } from '../engine/drives';
import type { DriveInfo } from '../shared/ipc';
import { parseWebArgs, webDriveSource } from './web-args';

const REAL_DISK: DriveInfo = {
  device: '/dev/sdz',
  description: 'A real disk of this computer',
  sizeBytes: 64 * 1024 ** 3,
  bus: 'usb',
  removable: true,
  system: false,
  readOnly: false,
  mountpoints: [],
  blockedReason: null,
};

/** Stands in for drivelist, whose real answer would name this machine's own disks. */
const realDisks: () => DriveSource = () => ({ list: async () => [REAL_DISK] });

describe('npm run web arguments', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it('lists only the image-file drives unless --real-drives is given', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'livestick-web-'));
    const options = parseWebArgs(['--drive', 'stick.img:64M'], dir);
    expect(options.realDrives).toBe(false);
    await ensureImageFileDrives(options.files);
    const listed = await webDriveSource(options, realDisks).list({
      showAll: true,
      imagePath: null,
    });
    expect(listed.map((drive) => drive.device)).toEqual([path.join(dir, 'stick.img')]);

    const withReal = parseWebArgs(['--drive', 'stick.img:64M', '--real-drives'], dir);
    const all = await webDriveSource(withReal, realDisks).list({ showAll: true, imagePath: null });
    expect(all.map((drive) => drive.device)).toContain('/dev/sdz');
  });

  it('refuses the retired --no-real-drives and a port that is not one', () => {
    expect(() => parseWebArgs(['--no-real-drives'], '/')).toThrow();
    expect(() => parseWebArgs(['--port', 'http'], '/')).toThrow(/port/);
  });
});
