// SPDX-License-Identifier: GPL-3.0-or-later
import { FEDORA_CATALOG_URL, findImage } from '../../core/download/catalog';
import {
  defaultCacheDir,
  defaultDownloadDir,
  downloadImage,
  loadBundledKeyring,
  loadCatalog,
  loadKeyringFile,
} from '../../engine/download';
import type { Catalog, CatalogImage, DownloadResult } from '../../shared/download';
import { toWire } from '../../shared/errors';
import { formatBytes } from '../../shared/units';
import { integerOption, UsageError, type OptionSpec, type ParsedArgs } from '../args';
import type { Command } from '../command';
import { EXIT } from '../exit-codes';
import { println, type CliIo } from '../io';
import { progressPrinter } from '../job-output';

/** Options `download` shares with `write fedora:<edition>[:<release>]`. */
export const FEDORA_SOURCE_OPTIONS: OptionSpec = {
  dir: 'value',
  'catalog-url': 'value',
  keyring: 'value',
};

export const FEDORA_SOURCE_HELP = `  --dir D               download folder (default: your Downloads folder)
  --catalog-url URL     Fedora's releases.json or a mirror's copy (default: ${FEDORA_CATALOG_URL})
  --keyring FILE        trust the armored OpenPGP key(s) in FILE instead of Fedora's bundled keys`;

const USAGE = `Usage: livestick download [--edition E] [--release N] [options]
       livestick download --list [options]

Downloads a Fedora live image and verifies it: the CHECKSUM file published beside it must carry
a valid signature by the release's Fedora key and agree with the catalog, and the file must have
the signed SHA-256. Only a verified file is kept. An interrupted download resumes.

Options:
  --edition E           workstation (default), kde, xfce, … (see --list)
  --release N           the Fedora release (default: the newest one offering the edition)
  --list                show what can be downloaded (the cached list when offline)
${FEDORA_SOURCE_HELP}
  --json                one JSON object per line: progress events, then the result`;

interface FedoraSettings {
  readonly catalogUrl: string;
  readonly dir: string;
  readonly keyringFile: string | undefined;
}

function settingsFrom(args: ParsedArgs): FedoraSettings {
  return {
    catalogUrl: args.values.get('catalog-url') ?? FEDORA_CATALOG_URL,
    dir: args.values.get('dir') ?? defaultDownloadDir(),
    keyringFile: args.values.get('keyring'),
  };
}

function fetchCatalog(io: CliIo, settings: FedoraSettings): Promise<Catalog> {
  return loadCatalog({ url: settings.catalogUrl, cacheDir: defaultCacheDir(), signal: io.signal });
}

function chooseImage(catalog: Catalog, edition: string, release: number | null): CatalogImage {
  const image = findImage(catalog.images, edition, release);
  if (image) return image;
  const editions = [...new Set(catalog.images.map((i) => i.edition))].join(', ');
  throw new UsageError(
    `Fedora ${release ?? catalog.releases.join(' or ')} offers no live image "${edition}" ` +
      `(editions: ${editions || 'none'}; releases: ${catalog.releases.join(', ') || 'none'})`,
  );
}

function offlineNote(catalog: Catalog): string | null {
  return catalog.fromCache
    ? `Offline: this is the list saved on ${catalog.fetchedAt} from ${catalog.url}.`
    : null;
}

/**
 * Downloads and verifies `image` with the CLI's progress conventions. Engine log lines (resume,
 * retry, mirror) go to stderr, or into the JSON stream as `{"type":"log"}`.
 */
async function downloadVerified(
  io: CliIo,
  settings: FedoraSettings,
  image: CatalogImage,
  json: boolean,
): Promise<DownloadResult> {
  const keyring = settings.keyringFile
    ? await loadKeyringFile(settings.keyringFile)
    : await loadBundledKeyring();
  if (!json)
    println(
      io.stdout,
      `${image.name} ${image.release}: ${image.fileName} (${formatBytes(image.sizeBytes)})`,
    );
  const printer = progressPrinter(io, { json, jsonProgress: true });
  try {
    return await downloadImage(
      { image, dir: settings.dir, keyring },
      {
        signal: io.signal,
        onProgress: (progress) => printer.onProgress(progress),
        onLog: (message) =>
          json
            ? println(io.stdout, JSON.stringify({ type: 'log', message }))
            : println(io.stderr, `livestick: ${message}`),
      },
    );
  } finally {
    printer.finish();
  }
}

function describeResult(io: CliIo, result: DownloadResult): void {
  println(
    io.stdout,
    `${result.reused ? 'Already downloaded and verified' : 'Downloaded and verified'}: ${result.path}`,
  );
  println(io.stdout, `SHA-256 ${result.sha256}, signed by key ${result.signedBy}.`);
}

/** For `write fedora:<edition>[:<release>]`: the path of a verified image in the download folder. */
export async function downloadFedoraSource(
  io: CliIo,
  args: ParsedArgs,
  source: { edition: string; release: number | null },
  json: boolean,
): Promise<string> {
  const settings = settingsFrom(args);
  let result: DownloadResult;
  try {
    const catalog = await fetchCatalog(io, settings);
    const image = chooseImage(catalog, source.edition, source.release);
    result = await downloadVerified(io, settings, image, json);
  } catch (error) {
    if (json)
      println(io.stdout, JSON.stringify({ type: 'result', ok: false, error: toWire(error) }));
    throw error;
  }
  if (json) {
    const { path, sha256, reused, signedBy } = result;
    println(io.stdout, JSON.stringify({ type: 'download', path, sha256, reused, signedBy }));
  } else {
    describeResult(io, result);
  }
  return result.path;
}

export const downloadCommand: Command = {
  name: 'download',
  summary: 'download a Fedora live image and verify its signature and checksum',
  usage: USAGE,
  options: {
    ...FEDORA_SOURCE_OPTIONS,
    edition: 'value',
    release: 'value',
    list: 'flag',
    json: 'flag',
  },
  async run(args, io) {
    if (args.positionals.length) throw new UsageError(`unexpected "${args.positionals[0]}"`);
    const json = args.flags.has('json');
    const settings = settingsFrom(args);
    const release = integerOption(args, 'release', 1, 9999) ?? null;

    if (args.flags.has('list')) {
      const catalog = await fetchCatalog(io, settings);
      if (json) {
        println(io.stdout, JSON.stringify(catalog, null, 2));
        return EXIT.OK;
      }
      const note = offlineNote(catalog);
      if (note) println(io.stdout, note);
      for (const image of catalog.images.filter((i) => release === null || i.release === release)) {
        println(
          io.stdout,
          `${String(image.release).padEnd(4)} ${image.edition.padEnd(12)} ${formatBytes(image.sizeBytes).padStart(9)}  ${image.name}`,
        );
      }
      return EXIT.OK;
    }

    try {
      const catalog = await fetchCatalog(io, settings);
      const image = chooseImage(catalog, args.values.get('edition') ?? 'workstation', release);
      const result = await downloadVerified(io, settings, image, json);
      if (json) {
        println(
          io.stdout,
          JSON.stringify({
            type: 'result',
            ok: true,
            path: result.path,
            sha256: result.sha256,
            sizeBytes: result.sizeBytes,
            edition: image.edition,
            release: image.release,
            reused: result.reused,
            signedBy: result.signedBy,
          }),
        );
      } else {
        describeResult(io, result);
      }
      return EXIT.OK;
    } catch (error) {
      if (json)
        println(io.stdout, JSON.stringify({ type: 'result', ok: false, error: toWire(error) }));
      throw error;
    }
  },
};
