import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { livestick } from './cli-helpers';
import { makeLiveIso, makePlainIso, run, tempDir } from './iso-fixtures';

describe('livestick info and plan', () => {
  const work = tempDir('livestick-cli-');
  let f24: string;
  let modern: string;
  beforeAll(() => {
    f24 = makeLiveIso(work.path, { era: 'f24' });
    modern = makeLiveIso(work.path, { era: 'modern' });
  });
  afterAll(() => work.remove());

  it('describes an f24-era ISO as JSON', async () => {
    const result = await livestick(['info', f24, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const info = JSON.parse(result.stdout);
    expect(info).toMatchObject({
      label: 'Fedora-WS-Live-24-1-2',
      era: 'isolinux',
      rootfs: 'nested-ext4',
      efi: true,
      biosBoot: true,
      implantedMd5: false,
    });
    expect(info.overlayKinds).toContain('dm-snapshot');
    expect(info.rootfsImageBytes).toBeGreaterThan(0);
    expect(Object.keys(info.bootEntries)).toContain('/isolinux/isolinux.cfg');
  });

  it('prints a human summary', async () => {
    const result = await livestick(['info', modern]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/flat/i);
  });

  it('checks an implanted MD5 and fails on a changed byte', async () => {
    const iso = join(work.path, 'md5.iso');
    run('cp', [f24, iso]);
    run('implantisomd5', [iso]);
    expect((await livestick(['info', iso, '--check'])).stdout).toMatch(/MD5 check: OK/);
    const fd = openSync(iso, 'r+');
    writeSync(fd, Buffer.from([0x5a]), 0, 1, 200_000);
    closeSync(fd);
    const bad = await livestick(['info', iso, '--check']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/does not match its implanted MD5/);
  });

  it('exits 3 with NOT_LIVEOS wording for a plain ISO and for a non-ISO file', async () => {
    const plain = await livestick(['info', makePlainIso(work.path)]);
    expect(plain.code).toBe(3);
    expect(plain.stderr).toMatch(/squashfs/);
    const text = join(work.path, 'notes.txt');
    writeFileSync(text, 'hello');
    const notIso = await livestick(['info', text]);
    expect(notIso.code).toBe(3);
    const missing = await livestick(['info', join(work.path, 'nope.iso')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/nope\.iso does not exist\./);
    const folder = await livestick(['info', work.path]);
    expect(folder.code).toBe(3);
    expect(folder.stderr).toMatch(/is a folder, not an ISO file\./);
  });

  it('plans a 16 GiB stick as JSON and explains the limits', async () => {
    const result = await livestick([
      'plan',
      f24,
      '--target-size',
      '16G',
      '--home-size-mb',
      '2048',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const layout = JSON.parse(result.stdout);
    expect(layout.overlayKind).toBe('dm-snapshot');
    expect(layout.homeBytes).toBe(2048 * 1024 * 1024);
    expect(layout.overlay.maxReason).toBeTruthy();
    expect(layout.freeBytes).toBeGreaterThan(0);
  });

  it('exits 4 when the request does not fit, naming what is missing', async () => {
    const result = await livestick([
      'plan',
      f24,
      '--target-size',
      '1G',
      '--overlay-size-mb',
      '900',
      '--home-size-mb',
      '900',
    ]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/more than the stick has/);
  });

  it('exits 2 on bad usage', async () => {
    expect((await livestick(['plan', f24])).code).toBe(2);
    expect((await livestick(['plan', f24, '--target-size', 'huge'])).code).toBe(2);
    expect(
      (await livestick(['plan', f24, '--target-size', '8G', '--overlay-type', 'zfs'])).code,
    ).toBe(2);
  });
});
