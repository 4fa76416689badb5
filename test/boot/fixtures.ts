import { join, resolve } from 'node:path';
import { inspectFixtureKernel, type FixtureKernel } from './fixture-kernel';
import { run } from './run';

export { run };

/** Builds the fixture ISOs and reference sticks through the shell builders next to this file. */

export type FixtureKind = LiveFixtureKind | 'plain' | 'truncated';
export type LiveFixtureKind = 'f24' | 'modern' | 'kiwi' | 'kiwi-erofs';

/** Every live fixture, oldest era first. */
export const LIVE_FIXTURES: readonly LiveFixtureKind[] = ['f24', 'modern', 'kiwi', 'kiwi-erofs'];

/** Volume ids of the live fixtures, as on the ISOs (kiwi's has no release part, as on real F42). */
export const FIXTURE_LABELS = {
  f24: 'Fedora-WS-Live-24-1-2',
  modern: 'Fedora-WS-Live-41-1-4',
  kiwi: 'Fedora-WS-Live-42',
  'kiwi-erofs': 'Fedora-WS-Live-42',
} as const satisfies Record<LiveFixtureKind, string>;

/** The passphrase the fixture guest tries on a LUKS home.img (guest-init.sh). */
export const TEST_HOME_PASSPHRASE = 'livestick-test-passphrase';

const HERE = import.meta.dirname;
const REPO = resolve(HERE, '../..');

/** Where each live fixture keeps the kernel and initrd its boot entries load. */
const FIXTURE_KERNEL_PATHS = {
  f24: { kernel: '/images/pxeboot/vmlinuz', initrd: '/images/pxeboot/initrd.img' },
  modern: { kernel: '/images/pxeboot/vmlinuz', initrd: '/images/pxeboot/initrd.img' },
  kiwi: { kernel: '/boot/x86_64/loader/linux', initrd: '/boot/x86_64/loader/initrd' },
  'kiwi-erofs': { kernel: '/boot/x86_64/loader/linux', initrd: '/boot/x86_64/loader/initrd' },
} as const satisfies Record<LiveFixtureKind, { kernel: string; initrd: string }>;

let fixtureDir: Promise<string> | undefined;
const kernelChecks = new Map<string, Promise<FixtureKernel>>();

/**
 * The kernel inside a live fixture and the USB-stick drivers it lacks. Checked once per ISO and
 * process; a boot with a kernel that cannot see the stick would only stall.
 */
export function fixtureKernel(kind: LiveFixtureKind): Promise<FixtureKernel> {
  return getFixtureIso(kind).then((iso) => {
    let check = kernelChecks.get(iso);
    if (check === undefined) {
      check = inspectFixtureKernel(iso, FIXTURE_KERNEL_PATHS[kind]);
      kernelChecks.set(iso, check);
    }
    return check;
  });
}

/** A live fixture's ISO, refused at once when its kernel cannot boot from a USB stick. */
export async function getBootableFixtureIso(kind: LiveFixtureKind): Promise<string> {
  const kernel = await fixtureKernel(kind);
  if (kernel.missingDrivers.length > 0) {
    throw new Error(
      `the ${kind} fixture's kernel ${kernel.version} lacks ${kernel.missingDrivers.join(', ')}: ` +
        'it cannot see or mount a USB stick (a cloud kernel?); see test/boot/build-fixtures.sh',
    );
  }
  return getFixtureIso(kind);
}

/**
 * Path of a fixture ISO, built on first use into <repo>/.cache/fixtures/<recipe-hash>/.
 * Rejects with the builder's message (e.g. the missing Debian packages) when it cannot build.
 */
export async function getFixtureIso(kind: FixtureKind): Promise<string> {
  fixtureDir ??= run('bash', [
    join(HERE, 'build-fixtures.sh'),
    join(REPO, '.cache', 'fixtures'),
  ]).then((out) => out.trim().split('\n').at(-1) ?? '');
  try {
    return join(await fixtureDir, `${kind}.iso`);
  } catch (err) {
    // A later call may succeed (e.g. after the packages were installed).
    fixtureDir = undefined;
    throw err;
  }
}

export interface ReferenceStickOptions {
  /** Disk image size; the file is sparse. Default 256 MiB. */
  sizeMiB?: number;
  /** FAT volume serial as 8 hex digits; blkid shows it as XXXX-XXXX. Default 1A2B3C4D. */
  serial?: string;
  /** Size of the persistent overlay file. Default 64 MiB. */
  overlayMiB?: number;
  /** An embedded ext4 overlay for OverlayFS instead of a DM COW file. */
  overlayfs?: boolean;
  /** Overrides the overlay file name (default overlay-LIVE-<UUID>), e.g. to break persistence. */
  overlayName?: string;
  /** Adds an ext4 /LiveOS/home.img of this size. */
  homeMiB?: number;
  /** Makes home.img LUKS1 with the guest's test passphrase (TEST_HOME_PASSPHRASE). */
  homeLuks?: boolean;
  /** Installs syslinux in the partition and syslinux's mbr.bin, for SeaBIOS boots. */
  syslinux?: boolean;
}

export interface ReferenceStick {
  image: string;
  uuid: string;
  label: string;
  overlayName: string;
}

/**
 * Writes `iso` to the image file `out` the way livecd-iso-to-disk would, with standard
 * Linux tools only (see make-reference-stick.sh).
 */
export async function makeReferenceStick(
  iso: string,
  out: string,
  opts: ReferenceStickOptions = {},
): Promise<ReferenceStick> {
  const args = [join(HERE, 'make-reference-stick.sh'), '--iso', iso, '--out', out];
  if (opts.sizeMiB !== undefined) args.push('--size-mib', String(opts.sizeMiB));
  if (opts.serial !== undefined) args.push('--serial', opts.serial);
  if (opts.overlayMiB !== undefined) args.push('--overlay-mib', String(opts.overlayMiB));
  if (opts.overlayfs === true) args.push('--overlayfs');
  if (opts.overlayName !== undefined) args.push('--overlay-name', opts.overlayName);
  if (opts.homeMiB !== undefined) args.push('--home-mib', String(opts.homeMiB));
  if (opts.homeLuks === true) args.push('--home-luks');
  if (opts.syslinux === true) args.push('--syslinux');
  const fields = new Map(
    (await run('bash', args))
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string | undefined])
      .filter((kv): kv is [string, string] => kv[1] !== undefined),
  );
  const field = (key: string) => {
    const v = fields.get(key);
    if (v === undefined) throw new Error(`make-reference-stick.sh printed no ${key}=`);
    return v;
  };
  return { image: out, uuid: field('uuid'), label: field('label'), overlayName: field('overlay') };
}
