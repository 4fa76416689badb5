// Bundles Fedora's release signing keys at build time from Debian's distribution-gpg-keys
// package (bookworm-backports), so nothing typed in by hand decides what LiveStick trusts.
// Writes assets/generated/fedora-release-keys.json (ignored by git; scripts/build.mjs copies it
// into dist/). Uses a private apt source list and private package lists under .cache/: the
// machine's own apt configuration is never changed.
//
//   node scripts/fedora-keys.mjs            generate when missing
//   node scripts/fedora-keys.mjs --refresh  fetch the package again
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as openpgp from 'openpgp';

const PACKAGE = 'distribution-gpg-keys';
const SUITE = 'bookworm-backports';
const MIRROR = 'http://deb.debian.org/debian';
const ARCHIVE_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const KEY_DIR_IN_PACKAGE = 'usr/share/distribution-gpg-keys/fedora';
const PRIMARY_KEY = /^RPM-GPG-KEY-fedora-(\d+)-primary$/;

const root = new URL('..', import.meta.url).pathname;
export const FEDORA_KEYS_FILE = join(root, 'assets', 'generated', 'fedora-release-keys.json');

function run(command, args, options = {}) {
  return execFileSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
}

function aptOptions(state) {
  return [
    '-o',
    `Dir::Etc::SourceList=${join(state, 'sources.list')}`,
    '-o',
    'Dir::Etc::SourceParts=/nonexistent',
    '-o',
    `Dir::State::Lists=${join(state, 'lists')}`,
    '-o',
    `Dir::Cache=${join(state, 'cache')}`,
    // The private lists are owned by whoever runs the build; apt's _apt sandbox user could
    // not write them.
    '-o',
    'APT::Sandbox::User=root',
    '-q',
  ];
}

/** Downloads the package's .deb into `into` and returns its path and version. */
function downloadPackage(into) {
  const state = join(root, '.cache', 'apt-backports');
  mkdirSync(join(state, 'lists', 'partial'), { recursive: true });
  mkdirSync(join(state, 'cache', 'archives', 'partial'), { recursive: true });
  const sources = `deb [signed-by=${ARCHIVE_KEYRING}] ${MIRROR} ${SUITE} main\n`;
  writeFileSync(join(state, 'sources.list'), sources);
  const options = aptOptions(state);
  run('apt-get', [...options, 'update']);
  const version = run('apt-cache', [...options, 'show', '--no-all-versions', PACKAGE])
    .split('\n')
    .find((line) => line.startsWith('Version: '))
    ?.slice('Version: '.length);
  if (!version) throw new Error(`${PACKAGE} is not in ${SUITE}`);
  run('apt-get', [...options, 'download', `${PACKAGE}=${version}`], { cwd: into });
  const deb = readdirSync(into).find((name) => name.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download left no .deb in ${into}`);
  return { deb: join(into, deb), version };
}

/** Reads every numbered Fedora primary key, checking that each is what its file name says. */
async function readFedoraKeys(keyDir) {
  const keys = {};
  for (const name of readdirSync(keyDir).sort()) {
    const match = PRIMARY_KEY.exec(name);
    if (!match) continue;
    const release = Number(match[1]);
    const armored = readFileSync(join(keyDir, name), 'utf8');
    const key = await openpgp.readKey({ armoredKey: armored });
    const userIds = key.getUserIDs();
    if (!userIds.some((id) => id.includes(`(${release})`) || id.includes(`-${release}-`))) {
      throw new Error(`${name} holds a key for ${userIds.join(', ')}, not Fedora ${release}`);
    }
    keys[release] = {
      file: name,
      fingerprint: key.getFingerprint().toUpperCase(),
      userIds,
      armored: key.armor(),
    };
  }
  if (Object.keys(keys).length === 0) throw new Error(`no Fedora primary keys in ${keyDir}`);
  return keys;
}

export async function ensureFedoraKeys({ refresh = false } = {}) {
  if (!refresh && existsSync(FEDORA_KEYS_FILE)) return FEDORA_KEYS_FILE;
  const work = mkdtempSync(join(tmpdir(), 'livestick-fedora-keys-'));
  try {
    const { deb, version } = downloadPackage(work);
    const extracted = join(work, 'root');
    run('dpkg-deb', ['-x', deb, extracted]);
    const keys = await readFedoraKeys(join(extracted, KEY_DIR_IN_PACKAGE));
    const bundle = {
      source: `Debian ${PACKAGE} ${version} (${SUITE}), ${KEY_DIR_IN_PACKAGE}`,
      keys,
    };
    mkdirSync(join(root, 'assets', 'generated'), { recursive: true });
    const temporary = `${FEDORA_KEYS_FILE}.tmp`;
    await writeFile(temporary, `${JSON.stringify(bundle, null, 2)}\n`);
    await rename(temporary, FEDORA_KEYS_FILE);
    const releases = Object.keys(keys).map(Number);
    console.log(
      `fedora-keys: Fedora ${Math.min(...releases)}–${Math.max(...releases)} from ${bundle.source}`,
    );
    return FEDORA_KEYS_FILE;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await ensureFedoraKeys({ refresh: process.argv.includes('--refresh') });
}
