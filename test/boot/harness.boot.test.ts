import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bzImageVersion, inspectFixtureKernel, REQUIRED_DRIVERS } from './fixture-kernel';
import {
  FIXTURE_LABELS,
  fixtureKernel,
  getBootableFixtureIso,
  getFixtureIso,
  LIVE_FIXTURES,
  makeReferenceStick,
  run,
} from './fixtures';
import { readDiskInfo } from './disk-info';
import { bootOnce, bootTwice, explainBoot } from './qemu';

// Proves the harness before other tests trust it: sticks made with standard tools
// (make-reference-stick.sh, after livecd-iso-to-disk) must persist, and a broken one
// must be reported as broken, quickly.

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'livestick-boot-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('fixture kernels', () => {
  // Checked from the ISO in seconds; a kernel without USB would otherwise stall every boot.
  it('can see and mount a USB stick', async () => {
    for (const kind of LIVE_FIXTURES) {
      const kernel = await fixtureKernel(kind);
      console.log(`${kind} fixture kernel: ${kernel.version}`);
      expect(kernel.version).not.toMatch(/cloud/);
      expect(kernel.missingDrivers, `${kind} fixture, kernel ${kernel.version}`).toEqual([]);
    }
  });

  it('a fixture whose initramfs has no USB drivers is caught', async () => {
    const f24 = await getFixtureIso('f24');
    const tree = join(work, 'no-usb-tree');
    await mkdir(join(tree, 'images/pxeboot'), { recursive: true });
    await run('xorriso', [
      '-osirrox',
      'on',
      '-indev',
      f24,
      '-extract',
      '/images/pxeboot/vmlinuz',
      join(tree, 'images/pxeboot/vmlinuz'),
    ]);
    const version = bzImageVersion(await readFile(join(tree, 'images/pxeboot/vmlinuz')));
    // An initramfs like a cloud kernel's: the filesystems, but nothing for USB.
    const root = join(work, 'no-usb-root');
    const moddir = join(root, 'usr/lib/modules', version);
    await mkdir(join(moddir, 'kernel/fs'), { recursive: true });
    for (const module of ['vfat', 'squashfs', 'overlay', 'ext4'])
      await writeFile(join(moddir, 'kernel/fs', `${module}.ko.xz`), '');
    await writeFile(join(moddir, 'modules.builtin'), 'kernel/drivers/block/loop.ko\n');
    await run('sh', [
      '-c',
      `cd '${root}' && find . | cpio -o -H newc --quiet | zstd -q > '${tree}/images/pxeboot/initrd.img'`,
    ]);
    const iso = join(work, 'no-usb.iso');
    await run('xorriso', ['-as', 'mkisofs', '-quiet', '-o', iso, '-R', tree]);
    const kernel = await inspectFixtureKernel(iso, {
      kernel: '/images/pxeboot/vmlinuz',
      initrd: '/images/pxeboot/initrd.img',
    });
    expect(kernel.version).toBe(version);
    expect(kernel.missingDrivers).toEqual(
      REQUIRED_DRIVERS.filter((d) => !['vfat', 'squashfs', 'overlay', 'ext4', 'loop'].includes(d)),
    );
  });
});

describe('fixture ISOs', () => {
  const list = async (iso: string) =>
    run('xorriso', ['-indev', iso, '-find', '/', '-type', 'f']).then((out) =>
      out.split('\n').map((l) => l.replace(/^'|'$/g, '')),
    );
  const volumeId = async (iso: string) =>
    /Volume Id\s*:\s*(\S+)/.exec(await run('xorriso', ['-indev', iso, '-pvd_info']))?.[1];
  /** The partition table of the ISO file itself (hybrid media). */
  const partitions = async (iso: string) =>
    (
      JSON.parse(await run('sfdisk', ['--json', iso])) as {
        partitiontable: { label: string; partitions: { type: string }[] };
      }
    ).partitiontable;
  const ESP = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';

  it('f24: isolinux, EFI GRUB and the ESP image in the tree, nested root', async () => {
    const f24 = await getBootableFixtureIso('f24');
    expect(await list(f24)).toEqual(
      expect.arrayContaining([
        '/isolinux/isolinux.bin',
        '/isolinux/isolinux.cfg',
        '/isolinux/vmlinuz',
        '/isolinux/initrd.img',
        '/images/pxeboot/vmlinuz',
        '/images/efiboot.img',
        '/EFI/BOOT/BOOTX64.EFI',
        '/EFI/BOOT/grub.cfg',
        '/LiveOS/squashfs.img',
      ]),
    );
    expect(await volumeId(f24)).toBe(FIXTURE_LABELS.f24);
  });

  it('modern (lorax F37-41): GRUB i386-pc tree, no isolinux, ESP appended as partition 2 only', async () => {
    const modern = await getBootableFixtureIso('modern');
    const files = await list(modern);
    expect(files).toEqual(
      expect.arrayContaining([
        '/boot/grub2/grub.cfg',
        '/boot/grub2/i386-pc/boot.img',
        '/boot/grub2/i386-pc/kernel.img',
        '/boot/grub2/i386-pc/normal.mod',
        '/boot/grub2/i386-pc/moddep.lst',
        '/images/eltorito.img',
        '/images/pxeboot/vmlinuz',
        '/EFI/BOOT/BOOTX64.EFI',
        '/EFI/BOOT/grub.cfg',
        '/EFI/BOOT/BOOT.conf',
      ]),
    );
    expect(files.some((f) => f.startsWith('/isolinux/'))).toBe(false);
    expect(files).not.toContain('/images/efiboot.img');
    const table = await partitions(modern);
    expect(table.label).toBe('gpt');
    expect(table.partitions[1]?.type).toBe(ESP);
    expect(await volumeId(modern)).toBe(FIXTURE_LABELS.modern);
    // lorax leaves @EXTRA@ empty: a double blank before rd.live.image.
    const grubCfg = join(work, 'modern-grub.cfg');
    await run('xorriso', [
      '-osirrox',
      'on',
      '-indev',
      modern,
      '-extract',
      '/boot/grub2/grub.cfg',
      grubCfg,
    ]);
    expect(await readFile(grubCfg, 'utf8')).toContain(
      `root=live:CDLABEL=${FIXTURE_LABELS.modern}  rd.live.image`,
    );
  });

  it('kiwi (F42+): loader directory, id files, EFI stub and fallback loader, ESP appended', async () => {
    for (const kind of ['kiwi', 'kiwi-erofs'] as const) {
      const iso = await getBootableFixtureIso(kind);
      const files = await list(iso);
      expect(files).toEqual(
        expect.arrayContaining([
          '/boot/x86_64/loader/linux',
          '/boot/x86_64/loader/initrd',
          '/boot/x86_64/loader/eltorito.img',
          '/boot/grub2/grub.cfg',
          '/boot/grub2/loopback.cfg',
          '/boot/grub2/i386-pc/normal.mod',
          '/boot/mbrid',
          '/EFI/BOOT/bootx64.efi',
          '/EFI/BOOT/grub.cfg',
          '/EFI/BOOT/fbx64.efi',
          '/EFI/fedora/grub.cfg',
          '/LiveOS/squashfs.img',
        ]),
      );
      expect(files.filter((f) => /^\/boot\/0x[0-9a-f]{8}$/.test(f))).toHaveLength(1);
      expect(files.some((f) => f.startsWith('/images/'))).toBe(false);
      expect((await partitions(iso)).partitions[1]?.type).toBe(ESP);
      expect(await volumeId(iso)).toBe(FIXTURE_LABELS[kind]);
    }
  });

  it('plain and truncated inputs exist', async () => {
    expect(await getFixtureIso('plain')).toMatch(/plain\.iso$/);
    expect(await getFixtureIso('truncated')).toMatch(/truncated\.iso$/);
  });
});

describe('boot harness on reference sticks', () => {
  it('the f24 ISO itself boots in UEFI with a temporary DM overlay', async () => {
    const boot = await bootOnce(await getBootableFixtureIso('f24'), {
      firmware: 'uefi',
      snapshot: true,
    });
    expect(boot.ok, explainBoot(boot)).toBe(true);
    expect(boot.cmdline).toContain(`root=live:CDLABEL=${FIXTURE_LABELS.f24}`);
    expect(boot.rootMount).toMatch(/^\/dev\/mapper\/live-rw ext4 /);
    expect(boot.dmBefore).toMatch(/^0 \d+ snapshot \d+\/\d+ \d+$/);
  });

  // The default entry runs dracut's media check on the ISO (dracut >= 106 halts without an
  // implanted MD5) and mounts the EROFS root with dracut 106: what real F42/F43 media do.
  it('the kiwi EROFS ISO itself boots in UEFI with its default "Test this media" entry', async () => {
    const boot = await bootOnce(await getBootableFixtureIso('kiwi-erofs'), {
      firmware: 'uefi',
      snapshot: true,
    });
    expect(boot.ok, explainBoot(boot)).toBe(true);
    expect(boot.cmdline).toContain(
      `root=live:CDLABEL=${FIXTURE_LABELS['kiwi-erofs']} rd.live.image rd.live.check`,
    );
    expect(boot.log).toMatch(/The media check is complete, the result is: PASS/);
    expect(boot.rootMount).toMatch(/^LiveOS_rootfs overlay /);
    expect(boot.rootBaseMount).toMatch(/^\/dev\/loop\d+ erofs /);
    expect(boot.rootMarker).toBe('written');
  });

  it('a DM-overlay stick persists / and /home across two UEFI boots', async () => {
    const stick = await makeReferenceStick(
      await getBootableFixtureIso('f24'),
      join(work, 'dm.img'),
      {
        homeMiB: 32,
        overlayMiB: 64,
      },
    );
    const result = await bootTwice(stick.image, { firmware: 'uefi', fillMiB: 4 });
    const [boot1, boot2] = result.boots;
    expect(result.boot1Ok, explainBoot(boot1)).toBe(true);
    expect(result.boot2Ok, explainBoot(boot2)).toBe(true);
    expect(result.cmdline).toContain(
      `root=live:UUID=${stick.uuid} rw rd.live.image rd.live.overlay=UUID=${stick.uuid}`,
    );
    expect(boot1.fillDoneMiB).toBe(4);
    const disk = await readDiskInfo(stick.image);
    expect(disk.partitions[0].fs).toMatchObject({ TYPE: 'vfat', LABEL: 'LIVE', UUID: stick.uuid });
    expect(boot1.homeState).toBe('mounted');
    expect(result.rootPersisted).toBe(true);
    expect(result.homePersisted).toBe(true);
    // The persistent COW (64 MiB = 131072 sectors) backs live-rw in both boots.
    expect(result.dmStatus).toMatch(/^0 \d+ snapshot \d+\/131072 \d+$/);
  });

  it('a stick whose overlay file has the wrong name is a fast failure, not a hang', async () => {
    const stick = await makeReferenceStick(
      await getBootableFixtureIso('f24'),
      join(work, 'wrong.img'),
      {
        overlayName: 'overlay-LIVE-0000-0000',
      },
    );
    const boot = await bootOnce(stick.image, { firmware: 'uefi', timeoutMs: 150_000 });
    expect(boot.ok).toBe(false);
    expect(boot.failure?.kind, explainBoot(boot)).toBe('guest');
    expect(boot.failure?.message).toMatch(/persistent overlay|Enter/);
    // The cause is visible in the test output, not only in the kept log file.
    expect(boot.failure?.message).toMatch(/last lines of the serial log[^]*overlay/);
    expect(boot.rootMarker).toBeNull();
  });

  it('an OverlayFS stick of the flat modern image persists / across two UEFI boots', async () => {
    const stick = await makeReferenceStick(
      await getBootableFixtureIso('modern'),
      join(work, 'ovl.img'),
      {
        overlayfs: true,
        overlayMiB: 64,
      },
    );
    const result = await bootTwice(stick.image, { firmware: 'uefi' });
    const [boot1, boot2] = result.boots;
    expect(result.boot1Ok, explainBoot(boot1)).toBe(true);
    expect(result.boot2Ok, explainBoot(boot2)).toBe(true);
    expect(result.cmdline).toContain('rd.live.overlay.overlayfs');
    expect(boot2.rootMount).toMatch(/^LiveOS_rootfs overlay /);
    expect(result.dmStatus).toBeNull();
    expect(result.rootPersisted).toBe(true);
  });

  it('a syslinux stick with a LUKS home persists / and /home across two SeaBIOS boots', async () => {
    const stick = await makeReferenceStick(
      await getBootableFixtureIso('f24'),
      join(work, 'bios.img'),
      {
        syslinux: true,
        homeMiB: 32,
        homeLuks: true,
      },
    );
    const result = await bootTwice(stick.image, { firmware: 'bios' });
    const [boot1, boot2] = result.boots;
    expect(result.boot1Ok, explainBoot(boot1)).toBe(true);
    expect(result.boot2Ok, explainBoot(boot2)).toBe(true);
    expect(result.cmdline).toMatch(/^BOOT_IMAGE=vmlinuz initrd=initrd.img root=live:UUID=/);
    expect(boot1.homeState).toBe('encrypted-mounted');
    expect(result.rootPersisted).toBe(true);
    expect(result.homePersisted).toBe(true);
  });
});
