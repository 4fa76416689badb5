// SPDX-License-Identifier: GPL-3.0-or-later
import type { CatalogImage } from '../../shared/download';
import { LiveStickError } from '../../shared/errors';

/**
 * Fedora's release catalog, the `releases.json` Fedora Media Writer reads from the Fedora
 * project's website: a JSON array with one object per published image, every field a string —
 * `version` ("42", or "42 Beta" for pre-releases), `arch`, `link` (the image's URL behind the
 * mirror redirector), `variant` (the release tree: Workstation, KDE, Spins, Server, Cloud, …),
 * `subvariant` (the edition or spin: Workstation, KDE, Xfce, …), `sha256` and `size` (bytes).
 */
export const FEDORA_CATALOG_URL = 'https://fedoraproject.org/releases.json';

export interface ReleaseEntry {
  readonly version: string;
  readonly arch: string;
  readonly link: string;
  readonly variant: string;
  readonly subvariant: string;
  readonly sha256: string | null;
  readonly sizeBytes: number | null;
}

/** Release trees whose ISOs boot a LiveOS (ostree, netinstall and cloud images do not). */
const LIVE_VARIANTS: readonly string[] = ['Workstation', 'KDE', 'Spins'];
const ARCH = 'x86_64';
/** How many releases a user is offered: the current one and the one before it. */
const RELEASES_SHOWN = 2;

const EDITIONS: Readonly<Record<string, { name: string; description: string }>> = {
  Workstation: {
    name: 'Fedora Workstation',
    description: "Fedora's flagship desktop, built on GNOME.",
  },
  KDE: {
    name: 'Fedora KDE Plasma Desktop',
    description: 'The KDE Plasma desktop: complete and highly configurable.',
  },
  Xfce: {
    name: 'Fedora Xfce',
    description: 'A light, traditional desktop that stays out of the way.',
  },
  LXQt: { name: 'Fedora LXQt', description: 'A lightweight Qt desktop for modest hardware.' },
  LXDE: { name: 'Fedora LXDE', description: 'A very light desktop for old computers.' },
  Cinnamon: { name: 'Fedora Cinnamon', description: 'A familiar desktop with a panel and a menu.' },
  Mate: {
    name: 'Fedora MATE-Compiz',
    description: 'The classic two-panel desktop, with Compiz effects.',
  },
  i3: { name: 'Fedora i3', description: 'The i3 tiling window manager, run from the keyboard.' },
  Sway: { name: 'Fedora Sway', description: 'The Sway tiling compositor for Wayland.' },
  Budgie: { name: 'Fedora Budgie', description: 'The Budgie desktop: simple and modern.' },
  SoaS: {
    name: 'Fedora Sugar on a Stick',
    description: 'The Sugar learning environment for children.',
  },
  COSMIC: { name: 'Fedora COSMIC', description: 'The COSMIC desktop, written in Rust.' },
  MiracleWM: {
    name: 'Fedora Miracle',
    description: 'The Miracle tiling window manager, built on Mir.',
  },
  KDE_Mobile: {
    name: 'Fedora KDE Plasma Mobile',
    description: 'KDE Plasma Mobile, for touch screens.',
  },
};

function invalid(problem: string): LiveStickError {
  return new LiveStickError('SOURCE_CORRUPT', `The Fedora catalog is not usable: ${problem}.`, {
    reason: 'catalog-invalid',
  });
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function size(value: unknown): number | null {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isSafeInteger(number) && number > 0 ? number : null;
}

/**
 * Reads the catalog's entries. Entries of kinds LiveStick does not use may lack fields and are
 * skipped; a document that is not such a list at all is refused.
 */
export function parseReleasesJson(json: string): ReleaseEntry[] {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (error) {
    throw invalid(`it is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!Array.isArray(document)) throw invalid('it is not a list of images');
  const entries: ReleaseEntry[] = [];
  for (const item of document) {
    if (typeof item !== 'object' || item === null) continue;
    const record = item as Record<string, unknown>;
    const version = text(record.version);
    const arch = text(record.arch);
    const link = text(record.link);
    const variant = text(record.variant);
    const subvariant = text(record.subvariant);
    if (
      version === null ||
      arch === null ||
      link === null ||
      variant === null ||
      subvariant === null
    )
      continue;
    const sha256 = text(record.sha256);
    entries.push({
      version,
      arch,
      link,
      variant,
      subvariant,
      sha256: sha256 !== null && /^[0-9a-fA-F]{64}$/.test(sha256) ? sha256.toLowerCase() : null,
      sizeBytes: size(record.size),
    });
  }
  if (entries.length === 0 && document.length > 0)
    throw invalid('no entry has version, arch, link, variant and subvariant');
  return entries;
}

export function editionSlug(subvariant: string): string {
  return subvariant.toLowerCase().replace(/_/g, '-');
}

function fileNameOf(link: string): string {
  return link.slice(link.lastIndexOf('/') + 1);
}

/**
 * The compose number ("1.6" of 43-1.6) from either naming Fedora has used for live ISOs:
 * `Fedora-Workstation-Live-x86_64-41-1.4.iso` and `Fedora-Workstation-Live-42-1.1.x86_64.iso`.
 */
function composeOf(fileName: string, release: number): string | null {
  const match = new RegExp(`-${release}-(\\d+\\.\\d+)(?:\\.${ARCH})?\\.iso$`).exec(fileName);
  return match ? match[1]! : null;
}

/**
 * The signed CHECKSUM file published beside a live ISO: one per release tree and compose,
 * `Fedora-Workstation-43-1.6-x86_64-CHECKSUM`, `Fedora-Spins-42-1.1-x86_64-CHECKSUM`.
 */
export function checksumFileName(variant: string, release: number, compose: string): string {
  return `Fedora-${variant}-${release}-${compose}-${ARCH}-CHECKSUM`;
}

function liveImage(entry: ReleaseEntry): CatalogImage | null {
  if (entry.arch !== ARCH || !LIVE_VARIANTS.includes(entry.variant)) return null;
  if (!/^\d+$/.test(entry.version)) return null;
  if (!/^https?:\/\/[^/]+\/.+\.iso$/.test(entry.link)) return null;
  const fileName = fileNameOf(entry.link);
  if (!fileName.includes('-Live-')) return null;
  if (entry.sha256 === null || entry.sizeBytes === null) return null;
  const release = Number(entry.version);
  const compose = composeOf(fileName, release);
  if (compose === null) return null;
  const known = EDITIONS[entry.subvariant];
  const readable = entry.subvariant.replace(/_/g, ' ');
  return {
    edition: editionSlug(entry.subvariant),
    name: known?.name ?? `Fedora ${readable}`,
    description: known?.description ?? `The Fedora ${readable} spin.`,
    release,
    variant: entry.variant,
    subvariant: entry.subvariant,
    arch: ARCH,
    url: entry.link,
    fileName,
    sha256: entry.sha256,
    sizeBytes: entry.sizeBytes,
    checksumUrl:
      entry.link.slice(0, entry.link.lastIndexOf('/') + 1) +
      checksumFileName(entry.variant, release, compose),
  };
}

/** Workstation first, then KDE Plasma, then the spins by name. */
function editionRank(image: CatalogImage): number {
  return image.subvariant === 'Workstation' ? 0 : image.subvariant === 'KDE' ? 1 : 2;
}

/**
 * The live x86_64 images of the current and the previous release, one per edition and release.
 * Fedora 40 published two Workstation live ISOs (the classic one and an osbuild-made `-osb-`
 * one); the classic one is kept where both exist.
 */
export function liveCatalog(entries: readonly ReleaseEntry[]): {
  releases: number[];
  images: CatalogImage[];
} {
  const byEdition = new Map<string, CatalogImage>();
  for (const entry of entries) {
    const image = liveImage(entry);
    if (!image) continue;
    const key = `${image.release}/${image.edition}`;
    const existing = byEdition.get(key);
    if (!existing || (existing.fileName.includes('-osb-') && !image.fileName.includes('-osb-')))
      byEdition.set(key, image);
  }
  const releases = [...new Set([...byEdition.values()].map((image) => image.release))]
    .sort((a, b) => b - a)
    .slice(0, RELEASES_SHOWN);
  const images = [...byEdition.values()]
    .filter((image) => releases.includes(image.release))
    .sort(
      (a, b) =>
        b.release - a.release ||
        editionRank(a) - editionRank(b) ||
        a.name.localeCompare(b.name, 'en'),
    );
  return { releases, images };
}

/** `fedora:<edition>[:<release>]`, the `livestick write` source shortcut; null for a path. */
export function parseFedoraSource(
  source: string,
): { edition: string; release: number | null } | null {
  const match = /^fedora:([a-z0-9-]+)(?::(\d+))?$/i.exec(source);
  if (!match) return null;
  return { edition: match[1]!.toLowerCase(), release: match[2] ? Number(match[2]) : null };
}

/** The image for an edition, of the given release or else the newest that has it. */
export function findImage(
  images: readonly CatalogImage[],
  edition: string,
  release: number | null,
): CatalogImage | null {
  const candidates = images
    .filter((image) => image.edition === edition && (release === null || image.release === release))
    .sort((a, b) => b.release - a.release);
  return candidates[0] ?? null;
}
