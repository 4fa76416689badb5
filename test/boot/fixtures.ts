import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

/** Builds the fixture ISOs and reference sticks through the shell builders next to this file. */

export type FixtureKind = 'f24' | 'modern' | 'plain' | 'truncated';

/** Volume ids of the live fixtures, as on the ISOs. */
export const FIXTURE_LABELS = {
  f24: 'Fedora-WS-Live-24-1-2',
  modern: 'Fedora-WS-Live-40-1-14',
} as const;

/** The passphrase the fixture guest tries on a LUKS home.img (guest-init.sh). */
export const TEST_HOME_PASSPHRASE = 'livestick-test-passphrase';

const HERE = import.meta.dirname;
const REPO = resolve(HERE, '../..');

let fixtureDir: Promise<string> | undefined;

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

/** Runs a command; resolves with stdout, rejects with stderr on a non-zero exit. */
export function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => reject(new Error(`cannot run ${cmd}: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolvePromise(stdout);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${stderr.trim()}`));
    });
  });
}
