// SPDX-License-Identifier: GPL-3.0-or-later
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  kernelArgsFor,
  NO_PERSISTENCE_TITLE,
  RESET_PERSISTENCE_TITLE,
  rewriteGrubConfig,
  rewriteSyslinuxConfig,
  type BootRewriteContext,
} from '../../../../src/core/liveos/boot-config';
import {
  parseBootEntries,
  type BootConfigKind,
} from '../../../../src/core/liveos/boot-config-entries';

// Boot configs as Fedora ISOs of each era ship them, rendered from the lorax and kiwi templates
// with real labels; the files are in boot-config-fixtures/.

function fixture(name: string): string {
  return readFileSync(new URL(`./boot-config-fixtures/${name}`, import.meta.url), 'utf8');
}

/** What one lorax release puts into its grub.cfg template. */
interface LoraxGrub {
  readonly platform: 'efi' | 'bios';
  readonly label: string;
  readonly version: string;
  /** The kernel and initrd commands: linuxefi/initrdefi on EFI before lorax 43.3, else linux/initrd. */
  readonly linux: string;
  readonly initrd: string;
  /** lorax ≥ 26 has an @EXTRA@ slot before rd.live.image; empty, it leaves a double blank. */
  readonly extra: string;
  /** lorax ≥ 26 adds rhgb to the start and basic-graphics entries. */
  readonly rhgb: boolean;
}

/**
 * lorax's grub.cfg for one release from boot-config-fixtures/lorax-grub.cfg.in: lines tagged
 * [efi] or [bios] belong to that GRUB only, and each @NAME@ takes the release's value.
 */
function loraxGrub(release: LoraxGrub): string {
  const values: Record<string, string> = {
    LABEL: release.label,
    VERSION: release.version,
    LINUX: release.linux,
    INITRD: release.initrd,
    EXTRA: release.extra,
    RHGB: release.rhgb ? ' rhgb' : '',
  };
  return fixture('lorax-grub.cfg.in')
    .split('\n')
    .flatMap((line) => {
      const tag = /^\[(efi|bios)\]/.exec(line);
      if (!tag) return [line];
      return tag[1] === release.platform ? [line.slice(tag[0].length)] : [];
    })
    .join('\n')
    .replace(/@([A-Z]+)@/g, (_match, name: string) => values[name]!);
}

/** lorax 25's EFI grub.cfg (F24): linuxefi/initrdefi, no @EXTRA@ slot, no rhgb. */
const LORAX25_EFI = {
  platform: 'efi',
  linux: 'linuxefi',
  initrd: 'initrdefi',
  extra: '',
  rhgb: false,
} as const;
/** lorax 35–43.2's EFI grub.cfg: the empty @EXTRA@ slot and rhgb. */
const LORAX36_EFI = { ...LORAX25_EFI, extra: ' ', rhgb: true } as const;

const F24_LABEL = 'Fedora-WS-Live-24-1-2';

/** lorax 25 isolinux/isolinux.cfg (F24), colour lines trimmed. */
const F24_ISOLINUX = fixture('f24-isolinux.cfg');

/** lorax 25 EFI/BOOT/grub.cfg (F24). */
const F24_EFI_GRUB = loraxGrub({ ...LORAX25_EFI, label: F24_LABEL, version: '24' });

const F36_LABEL = 'Fedora-WS-Live-36-1-5';

/** lorax 36 isolinux.cfg (F36): empty @EXTRA@ leaves a double blank, start entries gain rhgb. */
const F36_ISOLINUX = fixture('f36-isolinux.cfg');

/** lorax 36 EFI/BOOT/grub.cfg (F36); BOOT.conf is a copy. */
const F36_EFI_GRUB = loraxGrub({ ...LORAX36_EFI, label: F36_LABEL, version: '36' });

const F39_LABEL = 'Fedora-WS-Live-39-1-5';

/** lorax 39 boot/grub2/grub.cfg (BIOS GRUB, F37–F41): vga=791 and chainloader entries. */
const F39_BIOS_GRUB = loraxGrub({
  ...LORAX36_EFI,
  platform: 'bios',
  linux: 'linux',
  initrd: 'initrd',
  label: F39_LABEL,
  version: '39',
});

/** lorax 39 EFI/BOOT/grub.cfg: linuxefi/initrdefi, no vga=791. */
const F39_EFI_GRUB = loraxGrub({ ...LORAX36_EFI, label: F39_LABEL, version: '39' });

const LORAX43_LABEL = 'Fedora-WS-Live-43-1-6';

/** lorax ≥ 43.3 EFI/BOOT/grub.cfg: plain linux/initrd on EFI too. */
const LORAX43_EFI_GRUB = loraxGrub({
  ...LORAX36_EFI,
  linux: 'linux',
  initrd: 'initrd',
  label: LORAX43_LABEL,
  version: '43',
});

const KIWI_LABEL = 'Fedora-WS-Live-42-1-1';

/** kiwi F42 boot/grub2/grub.cfg (grub-x86.cfg.iso-template rendered), read by BIOS and EFI GRUB. */
const KIWI_GRUB = fixture('kiwi-grub.cfg');

/** kiwi's EFI/BOOT/grub.cfg: finds the ISO by its id file, then loads the full config. */
const KIWI_EFI_STUB = fixture('kiwi-efi-stub.cfg');

const UUID = '1A2B-3C4D';
const PXEBOOT = { kernel: '/images/pxeboot/vmlinuz', initrd: '/images/pxeboot/initrd.img' };
const SYSLINUX_DIR = { kernel: '/syslinux/vmlinuz', initrd: '/syslinux/initrd.img' };
const KIWI_ON_STICK = { kernel: '/syslinux/linux', initrd: '/syslinux/initrd' };

function context(overrides: Partial<BootRewriteContext> = {}): BootRewriteContext {
  return {
    uuid: UUID,
    isoLabel: F24_LABEL,
    overlay: 'dm-snapshot',
    partitionTable: 'mbr',
    kernelPaths: SYSLINUX_DIR,
    ...overrides,
  };
}

interface Fixture {
  readonly name: string;
  readonly kind: BootConfigKind;
  readonly text: string;
  readonly label: string;
  readonly kernelPaths: BootRewriteContext['kernelPaths'];
  readonly efi: boolean;
}

const FIXTURES: readonly Fixture[] = [
  {
    name: 'F24 isolinux.cfg',
    kind: 'syslinux',
    text: F24_ISOLINUX,
    label: F24_LABEL,
    kernelPaths: SYSLINUX_DIR,
    efi: false,
  },
  {
    name: 'F24 EFI grub.cfg',
    kind: 'grub',
    text: F24_EFI_GRUB,
    label: F24_LABEL,
    kernelPaths: PXEBOOT,
    efi: true,
  },
  {
    name: 'F36 isolinux.cfg',
    kind: 'syslinux',
    text: F36_ISOLINUX,
    label: F36_LABEL,
    kernelPaths: SYSLINUX_DIR,
    efi: false,
  },
  {
    name: 'F36 EFI grub.cfg',
    kind: 'grub',
    text: F36_EFI_GRUB,
    label: F36_LABEL,
    kernelPaths: PXEBOOT,
    efi: true,
  },
  {
    name: 'F39 BIOS grub.cfg',
    kind: 'grub',
    text: F39_BIOS_GRUB,
    label: F39_LABEL,
    kernelPaths: PXEBOOT,
    efi: false,
  },
  {
    name: 'F39 EFI grub.cfg',
    kind: 'grub',
    text: F39_EFI_GRUB,
    label: F39_LABEL,
    kernelPaths: PXEBOOT,
    efi: true,
  },
  {
    name: 'lorax 43.3 EFI grub.cfg',
    kind: 'grub',
    text: LORAX43_EFI_GRUB,
    label: LORAX43_LABEL,
    kernelPaths: PXEBOOT,
    efi: true,
  },
  {
    name: 'kiwi F42 grub.cfg (EFI)',
    kind: 'grub',
    text: KIWI_GRUB,
    label: KIWI_LABEL,
    kernelPaths: KIWI_ON_STICK,
    efi: true,
  },
  {
    name: 'kiwi F42 grub.cfg (BIOS)',
    kind: 'grub',
    text: KIWI_GRUB,
    label: KIWI_LABEL,
    kernelPaths: KIWI_ON_STICK,
    efi: false,
  },
  {
    name: 'kiwi EFI stub',
    kind: 'grub',
    text: KIWI_EFI_STUB,
    label: KIWI_LABEL,
    kernelPaths: KIWI_ON_STICK,
    efi: true,
  },
];

function rewrite(fixture: Fixture, text: string, ctx: BootRewriteContext): string {
  return fixture.kind === 'syslinux'
    ? rewriteSyslinuxConfig(text, ctx)
    : rewriteGrubConfig(text, ctx, { efi: fixture.efi });
}

function count(args: readonly string[], arg: string): number {
  return args.filter((a) => a === arg).length;
}

describe('the worked example (F24, LIVE / 1A2B-3C4D, overlay)', () => {
  it('rewrites the isolinux append line exactly', () => {
    const before =
      'append initrd=initrd.img root=live:CDLABEL=Fedora-WS-Live-24-1-2 rd.live.image quiet';
    const after =
      'append initrd=initrd.img root=live:UUID=1A2B-3C4D rw rd.live.image rd.live.overlay=UUID=1A2B-3C4D quiet';
    expect(F24_ISOLINUX).toContain(`  ${before}\n`);
    const out = rewriteSyslinuxConfig(F24_ISOLINUX, context());
    expect(out).toContain(
      `\nlabel linux\n  menu label ^Start Fedora-Workstation-Live 24\n  kernel vmlinuz\n  ${after}\n`,
    );
  });

  it('rewrites the EFI grub.cfg exactly', () => {
    const out = rewriteGrubConfig(F24_EFI_GRUB, context(), { efi: true }).split('\n');
    expect(out).toContain(
      '\tlinuxefi /syslinux/vmlinuz root=live:UUID=1A2B-3C4D rw rd.live.image rd.live.overlay=UUID=1A2B-3C4D quiet',
    );
    expect(out).toContain('\tinitrdefi /syslinux/initrd.img');
    expect(out).toContain("search --no-floppy --set=root -u '1A2B-3C4D'");
    expect(out).toContain('insmod fat');
    expect(out).toContain('insmod part_msdos');
    expect(out).not.toContain('insmod part_gpt');
    expect(out).not.toContain('insmod ext2');
  });
});

describe('isolinux.cfg → syslinux.cfg', () => {
  it('changes only the append lines of the F24 menu', () => {
    const input = F24_ISOLINUX.split('\n');
    const output = rewriteSyslinuxConfig(F24_ISOLINUX, context()).split('\n');
    expect(output.length).toBe(input.length);
    const changed = output.flatMap((line, i) => (line === input[i] ? [] : [[input[i], line]]));
    const dev = 'root=live:UUID=1A2B-3C4D rw rd.live.image rd.live.overlay=UUID=1A2B-3C4D';
    expect(changed).toEqual([
      [
        `  append initrd=initrd.img root=live:CDLABEL=${F24_LABEL} rd.live.image quiet`,
        `  append initrd=initrd.img ${dev} quiet`,
      ],
      [
        `  append initrd=initrd.img root=live:CDLABEL=${F24_LABEL} rd.live.image rd.live.check quiet`,
        `  append initrd=initrd.img ${dev} rd.live.check quiet`,
      ],
      [
        `  append initrd=initrd.img root=live:CDLABEL=${F24_LABEL} rd.live.image nomodeset quiet`,
        `  append initrd=initrd.img ${dev} nomodeset quiet`,
      ],
    ]);
  });

  it('adds the persistence entries after the first live label, without help text or menu default', () => {
    const out = rewriteSyslinuxConfig(
      F36_ISOLINUX,
      context({ isoLabel: F36_LABEL, overlay: 'overlayfs', persistenceMenu: true }),
    );
    const dev = 'root=live:UUID=1A2B-3C4D rw rd.live.image';
    const ovl = 'rd.live.overlay=UUID=1A2B-3C4D rd.live.overlay.overlayfs';
    expect(out).toContain(
      [
        'label linux',
        '  menu label ^Start Fedora-Workstation-Live 36',
        '  kernel vmlinuz',
        `  append initrd=initrd.img ${dev} ${ovl} quiet rhgb`,
        '',
        'label livestick-nopersist',
        `  menu label ${NO_PERSISTENCE_TITLE}`,
        '  kernel vmlinuz',
        `  append initrd=initrd.img ${dev} quiet rhgb`,
        '',
        'label livestick-reset',
        `  menu label ${RESET_PERSISTENCE_TITLE}`,
        '  kernel vmlinuz',
        `  append initrd=initrd.img ${dev} ${ovl} rd.live.overlay.reset quiet rhgb`,
        '',
        'label check',
        '  menu label Test this ^media & start Fedora-Workstation-Live 36',
        '  menu default',
      ].join('\n'),
    );
    expect(out.match(/menu default/g)).toHaveLength(1);
  });

  it('points live labels at the kernel where the stick has it, and leaves memtest alone', () => {
    const out = rewriteSyslinuxConfig(F24_ISOLINUX, context({ kernelPaths: PXEBOOT }));
    expect(out).not.toMatch(/^\s*kernel vmlinuz$/m);
    expect(out.match(/^ {2}kernel \/images\/pxeboot\/vmlinuz$/gm)).toHaveLength(3);
    expect(out.match(/append initrd=\/images\/pxeboot\/initrd\.img root=/g)).toHaveLength(3);
    expect(out).toContain('\n  kernel memtest\n');
  });

  it('renames /isolinux/ paths to /syslinux/', () => {
    const cfg = [
      'ui /isolinux/vesamenu.c32',
      'menu background /isolinux/splash.png',
      'label linux',
      '  menu label Start /isolinux/ stays in a title',
      '  kernel /isolinux/vmlinuz',
      `  append initrd=/isolinux/initrd.img root=live:CDLABEL=${F24_LABEL} rd.live.image`,
      '',
    ].join('\n');
    expect(rewriteSyslinuxConfig(cfg, context())).toBe(
      [
        'ui /syslinux/vesamenu.c32',
        'menu background /syslinux/splash.png',
        'label linux',
        '  menu label Start /isolinux/ stays in a title',
        '  kernel /syslinux/vmlinuz',
        `  append initrd=/syslinux/initrd.img root=live:UUID=1A2B-3C4D rw rd.live.image rd.live.overlay=UUID=1A2B-3C4D`,
        '',
      ].join('\n'),
    );
  });

  it('keeps upper-case keywords and CRLF line ends', () => {
    const cfg = `LABEL linux\r\n  KERNEL vmlinuz\r\n  APPEND initrd=initrd.img root=live:CDLABEL=${F24_LABEL} ro rd.live.image quiet\r\n`;
    expect(rewriteSyslinuxConfig(cfg, context())).toBe(
      'LABEL linux\r\n  KERNEL vmlinuz\r\n  APPEND initrd=initrd.img root=live:UUID=1A2B-3C4D rw rd.live.image rd.live.overlay=UUID=1A2B-3C4D quiet\r\n',
    );
  });
});

describe('GRUB configs', () => {
  it('F24 EFI with the persistence menu, keeping the default on "Test this media"', () => {
    const out = rewriteGrubConfig(
      F24_EFI_GRUB,
      context({ kernelPaths: PXEBOOT, persistenceMenu: true }),
      { efi: true },
    );
    const cls = '--class fedora --class gnu-linux --class gnu --class os {';
    const live = 'root=live:UUID=1A2B-3C4D rw rd.live.image';
    const ovl = 'rd.live.overlay=UUID=1A2B-3C4D';
    expect(out).toBe(
      F24_EFI_GRUB.replace('set default="1"', 'set default="3"')
        .replace('insmod part_gpt', 'insmod part_msdos')
        .replace('insmod ext2', 'insmod fat')
        .replace(`-l '${F24_LABEL}'`, `-u '${UUID}'`)
        .replace(
          `rd.live.image quiet\n\tinitrdefi /images/pxeboot/initrd.img\n}\n`,
          [
            `rd.live.image quiet`,
            `\tinitrdefi /images/pxeboot/initrd.img`,
            `}`,
            `menuentry '${NO_PERSISTENCE_TITLE}' ${cls}`,
            `\tlinuxefi /images/pxeboot/vmlinuz ${live} quiet`,
            `\tinitrdefi /images/pxeboot/initrd.img`,
            `}`,
            `menuentry '${RESET_PERSISTENCE_TITLE}' ${cls}`,
            `\tlinuxefi /images/pxeboot/vmlinuz ${live} ${ovl} rd.live.overlay.reset quiet`,
            `\tinitrdefi /images/pxeboot/initrd.img`,
            `}`,
            ``,
          ].join('\n'),
        )
        .replaceAll(`root=live:CDLABEL=${F24_LABEL} rd.live.image`, `${live} ${ovl}`),
    );
    expect(parseBootEntries(out, 'grub').map((e) => e.title)[3]).toBe(
      'Test this media & start Fedora-Workstation-Live 24',
    );
  });

  it('F39 BIOS: linux lines get rw too, vga=791 and chainloader entries stay', () => {
    const out = rewriteGrubConfig(
      F39_BIOS_GRUB,
      context({ isoLabel: F39_LABEL, kernelPaths: PXEBOOT }),
      { efi: false },
    );
    const dev = 'root=live:UUID=1A2B-3C4D rw rd.live.image rd.live.overlay=UUID=1A2B-3C4D';
    expect(out).toBe(
      F39_BIOS_GRUB.replace('insmod part_gpt', 'insmod part_msdos')
        .replace('insmod ext2', 'insmod fat')
        .replace(`-l '${F39_LABEL}'`, `-u '${UUID}'`)
        .replaceAll(`root=live:CDLABEL=${F39_LABEL}  rd.live.image`, dev),
    );
    expect(out).toContain(`${dev} nomodeset vga=791 quiet rhgb`);
    expect(out).toContain('\t\tchainloader (hd0)+1\n');
  });

  it('lorax ≥ 43.3 plain linux lines on EFI are rewritten like linuxefi ones (litd missed them)', () => {
    const out = rewriteGrubConfig(
      LORAX43_EFI_GRUB,
      context({ isoLabel: LORAX43_LABEL, kernelPaths: PXEBOOT }),
      { efi: true },
    );
    expect(out).toContain(
      '\tlinux /images/pxeboot/vmlinuz root=live:UUID=1A2B-3C4D rw rd.live.image rd.live.overlay=UUID=1A2B-3C4D quiet rhgb\n\tinitrd /images/pxeboot/initrd.img\n',
    );
  });

  it('kiwi F42: search by UUID instead of the id file, loader paths moved, OverlayFS on a GPT stick', () => {
    const ctx = context({
      isoLabel: KIWI_LABEL,
      overlay: 'overlayfs',
      partitionTable: 'gpt',
      kernelPaths: KIWI_ON_STICK,
    });
    const out = rewriteGrubConfig(KIWI_GRUB, ctx, { efi: true });
    const args =
      'root=live:UUID=1A2B-3C4D rw rd.live.image rd.live.overlay=UUID=1A2B-3C4D rd.live.overlay.overlayfs';
    expect(out).toBe(
      KIWI_GRUB.replace('insmod ext2', 'insmod fat')
        .replace(
          'search --file --set=root /boot/0xd1f8f6b6',
          `search --no-floppy --set=root -u '${UUID}'`,
        )
        .replaceAll('($root)/boot/x86_64/loader/linux', '/syslinux/linux')
        .replaceAll('($root)/boot/x86_64/loader/initrd', '/syslinux/initrd')
        .replaceAll(`root=live:CDLABEL=${KIWI_LABEL} rd.live.image`, args),
    );
    expect(out).toContain(`\t\tlinux /syslinux/linux quiet rhgb ${args} $basicgfx\n`);
  });

  it("kiwi's EFI stub finds the stick by UUID, with the modules to read it", () => {
    const out = rewriteGrubConfig(
      KIWI_EFI_STUB,
      context({ isoLabel: KIWI_LABEL, partitionTable: 'gpt' }),
      { efi: true },
    );
    expect(out).toBe(
      [
        'set btrfs_relative_path="yes"',
        'insmod part_gpt',
        'insmod fat',
        `search --no-floppy --set=root -u '${UUID}'`,
        'set prefix=($root)/boot/grub2',
        'configfile ($root)/boot/grub2/grub.cfg',
        '',
      ].join('\n'),
    );
  });

  it('uses the kernel command each platform has', () => {
    const bios = rewriteGrubConfig(
      F39_EFI_GRUB,
      context({ isoLabel: F39_LABEL, kernelPaths: PXEBOOT }),
      { efi: false },
    );
    expect(bios).not.toMatch(/linuxefi|initrdefi/);
    expect(bios).toContain('\tlinux /images/pxeboot/vmlinuz root=live:UUID=');
    expect(bios).toContain('\tinitrd /images/pxeboot/initrd.img');
    const cfg = `menuentry 'x' {\n\tlinux16 /isolinux/vmlinuz root=live:CDLABEL=X rd.live.image\n\tinitrd16 /isolinux/initrd.img\n}\nmenuentry 'memtest' {\n\tlinux16 /isolinux/memtest\n}\n`;
    expect(rewriteGrubConfig(cfg, context({ kernelPaths: SYSLINUX_DIR }), { efi: true })).toBe(
      `menuentry 'x' {\n\tlinux /syslinux/vmlinuz root=live:UUID=1A2B-3C4D rw rd.live.image rd.live.overlay=UUID=1A2B-3C4D\n\tinitrd /syslinux/initrd.img\n}\nmenuentry 'memtest' {\n\tlinux16 /syslinux/memtest\n}\n`,
    );
  });

  it('normalises other search forms and leaves unrelated searches alone', () => {
    const rewriteLine = (line: string): string =>
      rewriteGrubConfig(`${line}\n`, context(), { efi: true })
        .split('\n')
        .filter((l) => !l.trim().startsWith('insmod'))
        .join('\n');
    const ours = `search --no-floppy --set=root -u '${UUID}'\n`;
    expect(rewriteLine(`search --label "${F24_LABEL}" --set=root --hint hd0,msdos1`)).toBe(ours);
    expect(rewriteLine(`search -s -l ${F24_LABEL}`)).toBe(ours);
    expect(rewriteLine(`  search --fs-uuid --set=boot 2016-06-14-12-00-00-00`)).toBe(
      `  search --no-floppy --set=boot -u '${UUID}'\n`,
    );
    expect(rewriteLine('search --file --set=root /boot/mbrid')).toBe(ours);
    expect(rewriteLine('search --file --set=root /EFI/fedora/grub.cfg')).toBe(
      'search --file --set=root /EFI/fedora/grub.cfg\n',
    );
    expect(rewriteLine(`search -l ${F24_LABEL}`)).toBe(`search -l ${F24_LABEL}\n`);
  });

  it('drops findiso lines and ISO-file arguments', () => {
    const cfg = [
      'set findiso=/iso/f24.iso',
      "menuentry 'x' {",
      `\tlinux /images/pxeboot/vmlinuz iso-scan/filename=\${findiso} findiso=\${findiso} root=live:CDLABEL=${F24_LABEL} rd.live.image`,
      '\tinitrd /images/pxeboot/initrd.img',
      '}',
      '',
    ].join('\n');
    expect(rewriteGrubConfig(cfg, context({ kernelPaths: PXEBOOT }), { efi: true })).toBe(
      [
        "menuentry 'x' {",
        '\tlinux /images/pxeboot/vmlinuz root=live:UUID=1A2B-3C4D rw rd.live.image rd.live.overlay=UUID=1A2B-3C4D',
        '\tinitrd /images/pxeboot/initrd.img',
        '}',
        '',
      ].join('\n'),
    );
  });
});

describe('kernel command line rules', () => {
  const line = (args: string, ctx = context()): string =>
    rewriteGrubConfig(`\tlinux /x ${args}\n`, ctx, { efi: true })
      .trim()
      .replace('linux /syslinux/vmlinuz ', '');

  it('lists the arguments we add', () => {
    expect(kernelArgsFor(context())).toEqual([
      'root=live:UUID=1A2B-3C4D',
      'rw',
      'rd.live.image',
      'rd.live.overlay=UUID=1A2B-3C4D',
    ]);
    expect(kernelArgsFor(context({ overlay: 'overlayfs' }))).toEqual([
      'root=live:UUID=1A2B-3C4D',
      'rw',
      'rd.live.image',
      'rd.live.overlay=UUID=1A2B-3C4D',
      'rd.live.overlay.overlayfs',
    ]);
    expect(kernelArgsFor(context({ overlay: 'none' }))).toEqual([
      'root=live:UUID=1A2B-3C4D',
      'rw',
      'rd.live.image',
    ]);
  });

  it('removes ro, keeps one rw, collapses duplicates and keeps the rest in order', () => {
    expect(
      line(
        'ro root=CDLABEL=X rd.live.image rw quiet quiet console=tty0 console=ttyS0,115200 ro rd.live.check',
      ),
    ).toBe(
      'root=live:UUID=1A2B-3C4D rw rd.live.image rd.live.overlay=UUID=1A2B-3C4D quiet console=tty0 console=ttyS0,115200 rd.live.check',
    );
  });

  it('adds rd.live.image when the ISO relied on root=live: alone', () => {
    expect(line('root=live:CDLABEL=X quiet')).toBe(
      'root=live:UUID=1A2B-3C4D rw rd.live.image rd.live.overlay=UUID=1A2B-3C4D quiet',
    );
  });

  it('adds root= when a line has rd.live.image but no root=', () => {
    expect(line('quiet rd.live.image')).toBe(
      'root=live:UUID=1A2B-3C4D quiet rw rd.live.image rd.live.overlay=UUID=1A2B-3C4D',
    );
  });

  it('moves inst.* hd: sources to the stick and keeps their path', () => {
    expect(
      line(
        `root=live:CDLABEL=X rd.live.image inst.stage2=hd:LABEL=${F24_LABEL} inst.ks=hd:LABEL=X:/ks.cfg`,
      ),
    ).toBe(
      'root=live:UUID=1A2B-3C4D rw rd.live.image rd.live.overlay=UUID=1A2B-3C4D inst.stage2=hd:UUID=1A2B-3C4D inst.ks=hd:UUID=1A2B-3C4D:/ks.cfg',
    );
  });

  it('replaces overlay settings of the ISO or of an earlier rewrite', () => {
    expect(
      line(
        'root=live:UUID=1A2B-3C4D rw rd.live.image rd.live.overlay=LABEL=OLD rd.live.overlay.overlayfs rd.overlay.reset quiet',
      ),
    ).toBe('root=live:UUID=1A2B-3C4D rw rd.live.image rd.live.overlay=UUID=1A2B-3C4D quiet');
    expect(line('root=live:CDLABEL=X rd.live.image quiet', context({ overlay: 'none' }))).toBe(
      'root=live:UUID=1A2B-3C4D rw rd.live.image quiet',
    );
  });

  it('refuses a malformed context', () => {
    expect(() => rewriteSyslinuxConfig(F24_ISOLINUX, context({ uuid: '1a2b-3c4d' }))).toThrow(
      RangeError,
    );
    expect(() =>
      rewriteGrubConfig(
        F24_EFI_GRUB,
        context({ kernelPaths: { kernel: 'vmlinuz', initrd: '/i' } }),
        { efi: true },
      ),
    ).toThrow(RangeError);
  });
});

describe('every era, every setting', () => {
  const settings: Partial<BootRewriteContext>[] = [];
  for (const overlay of ['dm-snapshot', 'overlayfs', 'none'] as const) {
    for (const partitionTable of ['mbr', 'gpt'] as const) {
      for (const persistenceMenu of [false, true])
        settings.push({ overlay, partitionTable, persistenceMenu });
    }
  }

  for (const fixture of FIXTURES) {
    for (const setting of settings) {
      const ctx = context({
        ...setting,
        isoLabel: fixture.label,
        kernelPaths: fixture.kernelPaths,
      });
      const tag = `${fixture.name}, ${setting.overlay}, ${setting.partitionTable}${setting.persistenceMenu ? ', menu' : ''}`;

      it(`${tag}: stick-ready and idempotent`, () => {
        const once = rewrite(fixture, fixture.text, ctx);
        expect(rewrite(fixture, once, ctx)).toBe(once);

        expect(once).not.toContain('CDLABEL');
        expect(once).not.toContain(fixture.label);
        expect(once).not.toMatch(/\/isolinux\/|\/boot\/0x|\(\$root\)\/boot\/x86_64/);
        expect(once).not.toMatch(/search .*(-l|--label|--file)\b/);
        if (fixture.kind === 'grub') {
          expect(once.match(/^\s*search --no-floppy --set=root -u '1A2B-3C4D'$/gm)).toHaveLength(1);
          const table = setting.partitionTable === 'gpt' ? 'part_gpt' : 'part_msdos';
          expect(once).toMatch(new RegExp(`^\\s*insmod ${table}$`, 'm'));
          const otherTable = table === 'part_gpt' ? 'part_msdos' : 'part_gpt';
          expect(once).not.toMatch(new RegExp(`insmod (ext2|${otherTable})\\b`));
          expect(once).toMatch(/^\s*insmod fat$/m);
        }

        const before = parseBootEntries(fixture.text, fixture.kind);
        const after = parseBootEntries(once, fixture.kind);
        const added =
          setting.persistenceMenu &&
          setting.overlay !== 'none' &&
          before.some((e) => e.kernelArgs.includes('root='));
        expect(after.length).toBe(before.length + (added ? 2 : 0));
        const titles = after.map((e) => e.title);
        expect(titles.includes(NO_PERSISTENCE_TITLE)).toBe(added);
        expect(titles.includes(RESET_PERSISTENCE_TITLE)).toBe(added);

        // Every kernel line of the ISO's config that boots the live system is checked below.
        const live = after.filter((entry) => entry.kernelArgs.includes('root='));
        expect(live.length).toBe(
          (fixture.text.match(/root=live:/g) ?? []).length + (added ? 2 : 0),
        );
        for (const entry of live) {
          const args = entry.kernelArgs.split(' ');
          expect(entry.kernel).toMatch(
            fixture.kind === 'grub'
              ? fixture.kernelPaths.kernel
              : /^(vmlinuz|\/syslinux\/vmlinuz)$/,
          );
          expect(count(args, `root=live:UUID=${UUID}`)).toBe(1);
          expect(args.filter((a) => a.startsWith('root='))).toHaveLength(1);
          expect(count(args, 'rw')).toBe(1);
          expect(count(args, 'ro')).toBe(0);
          expect(count(args, 'rd.live.image')).toBe(1);
          expect(args.indexOf('rw') + 1).toBe(args.indexOf('rd.live.image'));
          expect(new Set(args).size).toBe(args.length);
          const persistent = setting.overlay !== 'none' && entry.title !== NO_PERSISTENCE_TITLE;
          expect(count(args, `rd.live.overlay=UUID=${UUID}`)).toBe(persistent ? 1 : 0);
          if (persistent)
            expect(args.indexOf(`rd.live.overlay=UUID=${UUID}`)).toBe(
              args.indexOf('rd.live.image') + 1,
            );
          expect(count(args, 'rd.live.overlay.overlayfs')).toBe(
            persistent && setting.overlay === 'overlayfs' ? 1 : 0,
          );
          expect(count(args, 'rd.live.overlay.reset')).toBe(
            entry.title === RESET_PERSISTENCE_TITLE ? 1 : 0,
          );
        }
        // The entries that do not boot the live system are byte-for-byte what the ISO had.
        const others = (entries: typeof before): unknown[] =>
          entries
            .filter((e) => !e.kernelArgs.includes('root='))
            .map((e) => ({ ...e, kernel: e.kernel?.replace('/isolinux/', '/syslinux/') }));
        expect(others(after)).toEqual(others(before));
      });
    }
  }

  it('re-rewriting with other settings replaces the old ones', () => {
    const first = rewriteGrubConfig(
      F24_EFI_GRUB,
      context({ persistenceMenu: true, overlay: 'overlayfs', partitionTable: 'gpt' }),
      { efi: true },
    );
    const second = rewriteGrubConfig(first, context({ kernelPaths: SYSLINUX_DIR }), { efi: true });
    expect(second).toBe(
      rewriteGrubConfig(F24_EFI_GRUB, context({ kernelPaths: SYSLINUX_DIR }), { efi: true }),
    );
    const sys = rewriteSyslinuxConfig(F24_ISOLINUX, context({ persistenceMenu: true }));
    expect(rewriteSyslinuxConfig(sys, context())).toBe(
      rewriteSyslinuxConfig(F24_ISOLINUX, context()),
    );
  });
});

describe('parseBootEntries', () => {
  it('lists the F24 isolinux labels with their command lines', () => {
    expect(parseBootEntries(F24_ISOLINUX, 'syslinux')).toEqual([
      {
        title: 'Start Fedora-Workstation-Live 24',
        kernel: 'vmlinuz',
        initrd: 'initrd.img',
        kernelArgs: `root=live:CDLABEL=${F24_LABEL} rd.live.image quiet`,
      },
      {
        title: 'Test this media & start Fedora-Workstation-Live 24',
        kernel: 'vmlinuz',
        initrd: 'initrd.img',
        kernelArgs: `root=live:CDLABEL=${F24_LABEL} rd.live.image rd.live.check quiet`,
      },
      {
        title: 'Start Fedora-Workstation-Live 24 in basic graphics mode',
        kernel: 'vmlinuz',
        initrd: 'initrd.img',
        kernelArgs: `root=live:CDLABEL=${F24_LABEL} rd.live.image nomodeset quiet`,
      },
      { title: 'Run a memory test', kernel: 'memtest', kernelArgs: '' },
      { title: 'Boot from local drive', kernelArgs: '' },
      { title: 'Return to main menu', kernelArgs: '' },
    ]);
  });

  it('lists GRUB entries, submenus included', () => {
    const entries = parseBootEntries(F39_BIOS_GRUB, 'grub');
    expect(entries.map((e) => e.title)).toEqual([
      'Start Fedora-Workstation-Live 39',
      'Test this media & start Fedora-Workstation-Live 39',
      'Start Fedora-Workstation-Live 39 in basic graphics mode',
      'Boot first drive',
      'Boot second drive',
    ]);
    expect(entries[2]).toEqual({
      title: 'Start Fedora-Workstation-Live 39 in basic graphics mode',
      kernel: '/images/pxeboot/vmlinuz',
      initrd: '/images/pxeboot/initrd.img',
      kernelArgs: `root=live:CDLABEL=${F39_LABEL} rd.live.image nomodeset vga=791 quiet rhgb`,
    });
    expect(entries[3]).toEqual({ title: 'Boot first drive', kernelArgs: '' });
    expect(parseBootEntries(KIWI_GRUB, 'grub')[0]).toEqual({
      title: 'Start Fedora-Workstation-Live 42',
      kernel: '($root)/boot/x86_64/loader/linux',
      initrd: '($root)/boot/x86_64/loader/initrd',
      kernelArgs: `quiet rhgb root=live:CDLABEL=${KIWI_LABEL} rd.live.image`,
    });
  });
});
