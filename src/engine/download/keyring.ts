// SPDX-License-Identifier: GPL-3.0-or-later
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { LiveStickError } from '../../shared/errors';

/**
 * The OpenPGP keys a CHECKSUM file may be signed with. Fedora signs each release with that
 * release's own primary key, so the bundled keyring answers per release; a keyring file given
 * by the user (`--keyring`, a mirror's or a test's own key) is trusted for every release.
 */
export interface Keyring {
  /** Where the keys came from, for messages. */
  readonly source: string;
  keysFor(release: number): readonly openpgp.PublicKey[];
}

/** The file scripts/build.mjs places beside the bundles: dist/fedora-release-keys.json. */
export function bundledKeysPath(): string {
  return path.join(__dirname, '..', 'fedora-release-keys.json');
}

interface BundledKeysFile {
  readonly source: string;
  readonly keys: Readonly<Record<string, { readonly armored: string }>>;
}

function isBundledKeysFile(value: unknown): value is BundledKeysFile {
  if (typeof value !== 'object' || value === null) return false;
  const { source, keys } = value as { source?: unknown; keys?: unknown };
  return typeof source === 'string' && typeof keys === 'object' && keys !== null;
}

/** Fedora's release keys, generated at build time from Debian's distribution-gpg-keys. */
export async function loadBundledKeyring(file = bundledKeysPath()): Promise<Keyring> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new LiveStickError(
      'INTERNAL',
      `This LiveStick build has no Fedora release keys (${file}: ${error instanceof Error ? error.message : String(error)}); it must be built with npm run build, or a key given with --keyring`,
    );
  }
  if (!isBundledKeysFile(parsed)) {
    throw new LiveStickError('INTERNAL', `${file} is not a Fedora release key bundle`);
  }
  const byRelease = new Map<number, openpgp.PublicKey>();
  for (const [release, entry] of Object.entries(parsed.keys)) {
    byRelease.set(Number(release), await openpgp.readKey({ armoredKey: entry.armored }));
  }
  return {
    source: `the Fedora keys bundled with LiveStick (${parsed.source})`,
    keysFor: (release) => {
      const key = byRelease.get(release);
      return key ? [key] : [];
    },
  };
}

/** An armored public key file (one or more keys) that replaces the bundled keys. */
export async function loadKeyringFile(file: string): Promise<Keyring> {
  let armored: string;
  try {
    armored = await readFile(file, 'utf8');
  } catch (error) {
    const errno = (error as { code?: unknown }).code;
    throw new LiveStickError('SOURCE_UNREADABLE', `Cannot read the keyring ${file}`, {
      reason: 'key-missing',
      path: file,
      errno: typeof errno === 'string' ? errno : null,
    });
  }
  // gpg --export --armor of several keys writes one block; cat of several files writes several.
  const blocks = armored.match(
    /-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g,
  );
  const keys: openpgp.PublicKey[] = [];
  try {
    for (const block of blocks ?? [])
      keys.push(...(await openpgp.readKeys({ armoredKeys: block })));
  } catch (error) {
    throw new LiveStickError(
      'SOURCE_UNREADABLE',
      `${file} is not an armored OpenPGP public key (${error instanceof Error ? error.message : String(error)})`,
      { reason: 'key-missing', path: file },
    );
  }
  if (keys.length === 0) {
    throw new LiveStickError('SOURCE_UNREADABLE', `${file} holds no armored OpenPGP public key`, {
      reason: 'key-missing',
      path: file,
    });
  }
  return { source: file, keysFor: () => keys };
}

export interface VerifiedText {
  /** Only the text the signature covers (dash-escaping undone). */
  readonly text: string;
  /** Fingerprint of the primary key that made the signature, uppercase hex. */
  readonly signedBy: string;
}

/**
 * Checks a clear-signed document against the keys allowed for `release`. A signature by a key
 * the keyring does not hold is "key missing" (we cannot judge it); one by a known key that does
 * not verify is "signature invalid" (the text was altered or the signature is forged).
 */
export async function verifyClearSigned(
  document: string,
  keyring: Keyring,
  context: { readonly release: number; readonly url: string },
): Promise<VerifiedText> {
  const name = context.url.slice(context.url.lastIndexOf('/') + 1);
  const keys = keyring.keysFor(context.release);
  if (keys.length === 0) {
    throw new LiveStickError(
      'SOURCE_UNREADABLE',
      `No signing key for Fedora ${context.release} is known to this LiveStick, so its download cannot be verified`,
      { reason: 'key-missing', release: context.release },
    );
  }
  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: document });
  } catch (error) {
    throw new LiveStickError(
      'SOURCE_CORRUPT',
      `${name} is not a clear-signed OpenPGP document (${error instanceof Error ? error.message : String(error)})`,
      { reason: 'signature-invalid', url: context.url },
    );
  }
  const signerIds = message.getSigningKeyIDs().map((id) => id.toHex());
  const signer = keys.find((key) => key.getKeyIDs().some((id) => signerIds.includes(id.toHex())));
  if (!signer) {
    throw new LiveStickError(
      'SOURCE_UNREADABLE',
      `${name} is signed by key ${signerIds.join(', ').toUpperCase() || '(none named)'}, which is not in ${keyring.source}`,
      { reason: 'key-missing', release: context.release, signer: signerIds.join(',') },
    );
  }
  try {
    const verification = await openpgp.verify({
      message,
      verificationKeys: [signer],
      expectSigned: true,
    });
    return { text: verification.data, signedBy: signer.getFingerprint().toUpperCase() };
  } catch (error) {
    throw new LiveStickError(
      'SOURCE_CORRUPT',
      `The signature of ${name} does not verify (${error instanceof Error ? error.message : String(error)})`,
      { reason: 'signature-invalid', url: context.url, signer: signer.getFingerprint() },
    );
  }
}
