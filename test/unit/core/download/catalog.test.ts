// SPDX-License-Identifier: GPL-3.0-or-later
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LiveStickError } from '../../../../src/shared/errors';
import {
  checksumFileName,
  findImage,
  liveCatalog,
  parseFedoraSource,
  parseReleasesJson,
} from '../../../../src/core/download/catalog';

/**
 * Every x86_64 entry (plus the aarch64 Workstation live ISO) of Fedora's releases.json as
 * bundled by Fedora Media Writer (FedoraQt/MediaWriter, src/app/data/assets/releases.json at
 * commit 7049974c9f6f8ad017041b775fd48c371ea92237, "Update releases.json", April 2025):
 * Fedora 40, 41 and 42, unchanged.
 */
const REAL_CATALOG = readFileSync(join(__dirname, 'testdata', 'releases-2025-04.json'), 'utf8');

function entry(overrides: Record<string, string>): Record<string, string> {
  return {
    version: '43',
    arch: 'x86_64',
    link: 'https://download.example/pub/fedora/linux/releases/43/Workstation/x86_64/iso/Fedora-Workstation-Live-43-1.6.x86_64.iso',
    variant: 'Workstation',
    subvariant: 'Workstation',
    sha256: 'a'.repeat(64),
    size: '2742190080',
    ...overrides,
  };
}

describe('Fedora catalog (releases.json)', () => {
  const { releases, images } = liveCatalog(parseReleasesJson(REAL_CATALOG));

  it('offers the live x86_64 images of the current and the previous release only', () => {
    expect(releases).toEqual([42, 41]);
    expect(images.every((image) => image.arch === 'x86_64')).toBe(true);
    expect(images.every((image) => image.fileName.includes('-Live-'))).toBe(true);
    const editions42 = images.filter((i) => i.release === 42).map((i) => i.edition);
    expect(editions42).toEqual([
      'workstation',
      'kde',
      'budgie',
      'cinnamon',
      'cosmic',
      'i3',
      'kde-mobile',
      'lxde',
      'lxqt',
      'mate',
      'miraclewm',
      'soas',
      'sway',
      'xfce',
    ]);
    // Silverblue, Kinoite, Server, Everything, the Labs and the cloud images are not live spins.
    expect(images.some((i) => /ostree|netinst|dvd|Labs/.test(i.url))).toBe(false);
    expect(images.filter((i) => i.release === 41)).toHaveLength(13);
  });

  it('takes size and sha256 from the catalog and derives the CHECKSUM beside each ISO', () => {
    const workstation = findImage(images, 'workstation', 42)!;
    expect(workstation).toMatchObject({
      name: 'Fedora Workstation',
      variant: 'Workstation',
      fileName: 'Fedora-Workstation-Live-42-1.1.x86_64.iso',
      sizeBytes: 2398523392,
      url: 'https://download.fedoraproject.org/pub/fedora/linux/releases/42/Workstation/x86_64/iso/Fedora-Workstation-Live-42-1.1.x86_64.iso',
      checksumUrl:
        'https://download.fedoraproject.org/pub/fedora/linux/releases/42/Workstation/x86_64/iso/Fedora-Workstation-42-1.1-x86_64-CHECKSUM',
    });
    expect(workstation.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Before Fedora 42, KDE Plasma was a spin and used the older file naming.
    expect(findImage(images, 'kde', 41)).toMatchObject({
      variant: 'Spins',
      fileName: 'Fedora-KDE-Live-x86_64-41-1.4.iso',
      checksumUrl:
        'https://download.fedoraproject.org/pub/fedora/linux/releases/41/Spins/x86_64/iso/Fedora-Spins-41-1.4-x86_64-CHECKSUM',
    });
    expect(findImage(images, 'kde', 42)!.checksumUrl).toMatch(
      /\/42\/KDE\/x86_64\/iso\/Fedora-KDE-42-1\.1-x86_64-CHECKSUM$/,
    );
  });

  it('finds the newest release of an edition unless one is asked for', () => {
    expect(findImage(images, 'xfce', null)!.release).toBe(42);
    expect(findImage(images, 'xfce', 41)!.release).toBe(41);
    expect(findImage(images, 'xfce', 40)).toBeNull();
    expect(findImage(images, 'cosmic', 41)).toBeNull();
  });

  it('skips pre-releases, entries without a usable sha256 or size, and prefers the classic ISO', () => {
    const { releases: shown, images: found } = liveCatalog(
      parseReleasesJson(
        JSON.stringify([
          entry({ version: '44 Beta' }),
          entry({ version: '43', subvariant: 'Workstation' }),
          entry({
            link: 'https://download.example/pub/fedora/linux/releases/43/Workstation/x86_64/iso/Fedora-Workstation-Live-osb-43-1.6.x86_64.iso',
          }),
          entry({ version: '42', sha256: 'not-a-digest' }),
          entry({ version: '41', size: '' }),
        ]),
      ),
    );
    expect(shown).toEqual([43]);
    expect(found.map((i) => i.fileName)).toEqual(['Fedora-Workstation-Live-43-1.6.x86_64.iso']);
  });

  it('refuses a document that is not Fedora’s list', () => {
    for (const text of ['<html>captive portal</html>', '{"version":"43"}', '[{"name":"x"}]']) {
      let caught: unknown;
      try {
        parseReleasesJson(text);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(LiveStickError);
      expect((caught as LiveStickError).details).toEqual({ reason: 'catalog-invalid' });
    }
  });

  it('reads the write source shortcut', () => {
    expect(parseFedoraSource('fedora:workstation:43')).toEqual({
      edition: 'workstation',
      release: 43,
    });
    expect(parseFedoraSource('fedora:KDE')).toEqual({ edition: 'kde', release: null });
    expect(parseFedoraSource('/tmp/fedora:workstation.iso')).toBeNull();
    expect(parseFedoraSource('Fedora-Workstation-Live-43-1.6.x86_64.iso')).toBeNull();
  });

  it('names CHECKSUM files as Fedora publishes them', () => {
    expect(checksumFileName('Workstation', 43, '1.6')).toBe(
      'Fedora-Workstation-43-1.6-x86_64-CHECKSUM',
    );
  });
});
