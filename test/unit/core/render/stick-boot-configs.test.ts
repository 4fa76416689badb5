// SPDX-License-Identifier: GPL-3.0-or-later
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  NO_PERSISTENCE_TITLE,
  RESET_PERSISTENCE_TITLE,
} from '../../../../src/core/liveos/boot-config';
import {
  grubBlocks,
  joinLines,
  parseBootEntries,
  splitLines,
  syslinuxLabelBlocks,
  tokenize,
  unquote,
  type BootConfigKind,
  type BootEntry,
} from '../../../../src/core/liveos/boot-config-entries';
import type { BootRewriteContext } from '../../../../src/core/liveos/boot-config';
import type { BootConfig } from '../../../../src/core/liveos/live-image';
import { BOOT_CONFIGS } from '../../../../src/core/liveos/probe';
import { stickBootConfigs, type StickBootConfig } from '../../../../src/core/render/render-stick';
import { stickPath } from '../../../../src/core/render/stick-files';

// The boot fixtures' own configs (test/boot/fixture-configs, which build-fixtures.sh puts on the
// fixture ISOs unchanged), rewritten the way `livestick write` does it, for every setting a stick
// can have: whatever the menu boots by default must be a persistent live entry, and every config
// GRUB chains to must be on the stick.

const FIXTURE_CONFIGS = resolve(import.meta.dirname, '../../../boot/fixture-configs');
const UUID = '1A2B-3C4D';
const OVERLAY_RESET = 'rd.live.overlay.reset';
/** What the probe finds on each fixture ISO besides its configs (build-fixtures.sh). */
const FIXTURES: Readonly<
  Record<string, { label: string; kernel: string; initrd: string; rootfs: 'nested' | 'flat' }>
> = {
  f24: {
    label: 'Fedora-WS-Live-24-1-2',
    kernel: '/images/pxeboot/vmlinuz',
    initrd: '/images/pxeboot/initrd.img',
    rootfs: 'nested',
  },
  modern: {
    label: 'Fedora-WS-Live-41-1-4',
    kernel: '/images/pxeboot/vmlinuz',
    initrd: '/images/pxeboot/initrd.img',
    rootfs: 'flat',
  },
  kiwi: {
    label: 'Fedora-WS-Live-42',
    kernel: '/boot/x86_64/loader/linux',
    initrd: '/boot/x86_64/loader/initrd',
    rootfs: 'flat',
  },
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** The configs the probe reads from a fixture ISO, as it reads them. */
function fixtureConfigs(fixture: string): BootConfig[] {
  const dir = join(FIXTURE_CONFIGS, fixture);
  return filesUnder(dir)
    .map((file) => {
      const path = `/${relative(dir, file)}`;
      const known = BOOT_CONFIGS.find((config) => config.path === path);
      if (!known) throw new Error(`${fixture}${path} is no config the probe reads`);
      return { path, kind: known.kind, text: readFileSync(file, 'utf8') };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

function menuLanguage(kind: BootConfig['kind']): BootConfigKind {
  return kind === 'isolinux' ? 'syslinux' : 'grub';
}

/** The entry a menu boots when nobody touches the keyboard; null for a config without entries. */
function defaultEntry(text: string, kind: BootConfigKind): BootEntry | null {
  const lines = splitLines(text);
  if (kind === 'syslinux') {
    const blocks = syslinuxLabelBlocks(lines);
    if (blocks.length === 0) return null;
    const named = /^\s*default\s+(\S+)\s*$/im.exec(text)?.[1];
    const block =
      blocks.find((b) =>
        lines.slice(b.start, b.end).some((line) => /^\s*menu\s+default\b/i.test(line.text)),
      ) ?? blocks.find((b) => b.name === named);
    if (!block) throw new Error('no default label');
    return parseBootEntries(joinLines(lines.slice(block.start, block.end)), 'syslinux')[0]!;
  }
  const topLevel = grubBlocks(lines).filter((block) => block.depth === 0);
  if (topLevel.length === 0) return null;
  const defaults = [...text.matchAll(/^\s*set\s+default=(\S+)\s*$/gm)].map((m) => unquote(m[1]!));
  const index = Number(defaults.at(-1) ?? '0');
  const block = topLevel[index];
  if (!block || block.kind !== 'menuentry')
    throw new Error(`default ${index} is no top-level menu entry`);
  return parseBootEntries(joinLines(lines.slice(block.start, block.end)), 'grub')[0]!;
}

/** Paths GRUB loads further config from: `configfile`, `source`, `normal <file>`. */
function chainedConfigs(text: string): string[] {
  return splitLines(text).flatMap(({ text: line }) => {
    const [command, path] = tokenize(line.trim());
    if (path === undefined || !['configfile', 'source', 'normal'].includes(command ?? ''))
      return [];
    return [unquote(path).replace(/^\(\$root\)/, '')];
  });
}

interface Setting {
  readonly overlay: BootRewriteContext['overlay'];
  readonly partitionTable: 'mbr' | 'gpt';
  readonly persistenceMenu: boolean;
}

function settingsFor(rootfs: 'nested' | 'flat'): Setting[] {
  const overlays: BootRewriteContext['overlay'][] =
    rootfs === 'nested' ? ['dm-snapshot', 'overlayfs'] : ['overlayfs'];
  return overlays.flatMap((overlay) =>
    (['mbr', 'gpt'] as const).flatMap((partitionTable) =>
      [false, true].map((persistenceMenu) => ({ overlay, partitionTable, persistenceMenu })),
    ),
  );
}

/** The stick's configs, each with the menu language of the ISO config it came from. */
function rewrite(
  fixture: string,
  setting: Setting,
): (StickBootConfig & { readonly language: BootConfigKind })[] {
  const { label, kernel, initrd } = FIXTURES[fixture]!;
  const configs = fixtureConfigs(fixture);
  return stickBootConfigs(configs, {
    uuid: UUID,
    isoLabel: label,
    kernelPaths: { kernel: stickPath(kernel), initrd: stickPath(initrd) },
    ...setting,
  }).map((config) => ({
    ...config,
    language: menuLanguage(configs.find((c) => c.path === config.isoPath)!.kind),
  }));
}

describe('the boot fixtures carry the configs this test rewrites', () => {
  it('one directory per fixture, every file a config the probe reads', () => {
    expect(readdirSync(FIXTURE_CONFIGS).sort()).toEqual(Object.keys(FIXTURES).sort());
    for (const fixture of Object.keys(FIXTURES))
      expect(fixtureConfigs(fixture).length).toBeGreaterThan(1);
  });

  it('every ISO menu boots "Test this media & start" by default, as real media do', () => {
    for (const fixture of Object.keys(FIXTURES)) {
      for (const config of fixtureConfigs(fixture)) {
        const entry = defaultEntry(config.text, menuLanguage(config.kind));
        if (entry) expect(entry.title, `${fixture}${config.path}`).toMatch(/^Test this media/);
      }
    }
  });
});

describe.each(Object.keys(FIXTURES))('%s fixture configs on a stick', (fixture) => {
  const uuidRoot = `root=live:UUID=${UUID}`;

  it.each(settingsFor(FIXTURES[fixture]!.rootfs).map((s) => [JSON.stringify(s), s] as const))(
    'the default entry boots with persistence (%s)',
    (_name, setting) => {
      const stick = rewrite(fixture, setting);
      let menus = 0;
      for (const config of stick) {
        const entry = defaultEntry(config.text, config.language);
        if (!entry) continue;
        menus++;
        const where = `${fixture}:${config.path}`;
        expect(entry.title, where).toMatch(/^Test this media/);
        expect(entry.title, where).not.toBe(NO_PERSISTENCE_TITLE);
        expect(entry.title, where).not.toBe(RESET_PERSISTENCE_TITLE);
        const args = entry.kernelArgs.split(' ');
        expect(args, where).toContain(uuidRoot);
        expect(args, where).toContain(`rd.live.overlay=UUID=${UUID}`);
        expect(args.includes('rd.live.overlay.overlayfs'), where).toBe(
          setting.overlay === 'overlayfs',
        );
        expect(args, where).not.toContain(OVERLAY_RESET);
        expect(entry.kernel, where).toBe(stickPath(FIXTURES[fixture]!.kernel));
      }
      expect(menus).toBeGreaterThan(0);
    },
  );

  it('every config GRUB chains to is on the stick, and GRUB finds the stick by its UUID', () => {
    const stick = rewrite(fixture, settingsFor(FIXTURES[fixture]!.rootfs)[0]!);
    const paths = new Set(stick.map((config) => config.path));
    for (const config of stick) {
      for (const target of chainedConfigs(config.text)) {
        expect(paths, `${config.path} loads ${target}`).toContain(target);
      }
      for (const line of config.text.split('\n').filter((l) => /^\s*search\s/.test(l))) {
        expect(line.trim(), config.path).toBe(`search --no-floppy --set=root -u '${UUID}'`);
      }
      expect(config.text, config.path).not.toMatch(/CDLABEL=|\/boot\/0x|\(\$root\)\/boot\/x86_64/);
    }
    // Both firmware paths end in a menu: EFI GRUB reads /EFI/BOOT/grub.cfg, BIOS GRUB the
    // /boot/grub2 or /syslinux config.
    const menuAt = (path: string): boolean => {
      const config = stick.find((c) => c.path === path);
      if (!config) return false;
      if (defaultEntry(config.text, config.language) !== null) return true;
      return chainedConfigs(config.text).some(menuAt);
    };
    expect(menuAt('/EFI/BOOT/grub.cfg')).toBe(true);
    expect(menuAt('/boot/grub2/grub.cfg') || menuAt('/syslinux/syslinux.cfg')).toBe(true);
  });
});
