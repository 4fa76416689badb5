import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { livestick } from '../integration/cli-helpers';
import { getBootableFixtureIso, TEST_HOME_PASSPHRASE, type LiveFixtureKind } from './fixtures';
import { bootTwice, explainBoots, type Firmware } from './qemu';

/**
 * The proof that matters: sticks written by `livestick write` boot in QEMU with the real kernel,
 * dracut's dmsquash-live and GRUB/syslinux, and keep files in / and /home across two boots.
 */
interface Written {
  readonly image: string;
  readonly uuid: string;
}

describe('sticks written by livestick boot and persist', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'livestick-boot-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function write(kind: LiveFixtureKind, name: string, extra: string[]): Promise<Written> {
    const iso = await getBootableFixtureIso(kind);
    const image = join(work, `${name}.img`);
    const run = await livestick(['write', iso, image, '--size', '2G', '--json', ...extra]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    return { image, uuid: result.uuid };
  }

  async function expectPersistence(stick: Written, firmware: Firmware, home: boolean) {
    const result = await bootTwice(stick.image, { firmware });
    const logs = explainBoots(result);
    console.log(
      `${firmware}: two boots in ${result.seconds.toFixed(0)} s with ${result.accel}; dm: ${result.dmStatus}`,
    );
    expect(result.boot1Ok, logs).toBe(true);
    expect(result.boot2Ok, logs).toBe(true);
    expect(result.cmdline).toContain(`root=live:UUID=${stick.uuid}`);
    expect(result.cmdline).toContain(`rw rd.live.image rd.live.overlay=UUID=${stick.uuid}`);
    expect(result.rootPersisted, logs).toBe(true);
    expect(result.homePersisted, logs).toBe(home);
    return result;
  }

  it('f24 image, DM snapshot overlay and home.img, UEFI', async () => {
    const stick = await write('f24', 'f24-dm-uefi', [
      '--overlay-size-mb',
      '256',
      '--home-size-mb',
      '128',
    ]);
    const result = await expectPersistence(stick, 'uefi', true);
    expect(result.dmStatus).toMatch(/^0 \d+ snapshot \d+\/\d+ \d+$/);
    expect(result.boots[1]!.homeState).toBe('mounted');
  });

  it('f24 image, DM snapshot overlay, legacy BIOS through syslinux', async () => {
    const stick = await write('f24', 'f24-dm-bios', [
      '--overlay-size-mb',
      '256',
      '--home-size-mb',
      '128',
    ]);
    await expectPersistence(stick, 'bios', true);
  });

  // Real media boot "Test this media & start" by default; on a stick that entry must persist
  // (dracut checks only iso9660/udf media, so it boots without a check).
  it.each([
    ['modern', 'lorax F37-41', 'squashfs'],
    ['kiwi', 'kiwi F42+', 'squashfs'],
    ['kiwi-erofs', 'kiwi F42+', 'erofs'],
  ] as const)(
    '%s image (%s, %s root), OverlayFS overlay and home.img, UEFI',
    async (kind, _era, fstype) => {
      const stick = await write(kind, `${kind}-ovl-uefi`, [
        '--overlay-size-mb',
        '256',
        '--home-size-mb',
        '128',
      ]);
      const result = await expectPersistence(stick, 'uefi', true);
      expect(result.cmdline).toContain('rd.live.check');
      expect(result.cmdline).toContain('rd.live.overlay.overlayfs');
      expect(result.boots[1]!.rootMount).toMatch(/^LiveOS_rootfs overlay /);
      // dracut mounted the root image itself as OverlayFS's lower layer.
      expect(result.boots[1]!.rootBaseMount).toMatch(new RegExp(`^/dev/loop\\d+ ${fstype} `));
      expect(result.boots[1]!.homeState).toBe('mounted');
    },
  );

  it('f24 image with an encrypted home, unlocked by the guest', async () => {
    const passphraseFile = join(work, 'passphrase');
    writeFileSync(passphraseFile, `${TEST_HOME_PASSPHRASE}\n`);
    const stick = await write('f24', 'f24-luks-uefi', [
      '--overlay-size-mb',
      '128',
      '--home-size-mb',
      '64',
      '--encrypted-home',
      '--home-passphrase-file',
      passphraseFile,
      '--pbkdf2-iterations',
      '1000',
    ]);
    const result = await expectPersistence(stick, 'uefi', true);
    expect(result.boots[0]!.homeState).toBe('encrypted-mounted');
  });
});
