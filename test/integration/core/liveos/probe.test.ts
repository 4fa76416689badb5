// SPDX-License-Identifier: GPL-3.0-or-later
import { readFileSync, truncateSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferSource } from '../../../../src/core/byte-source';
import { FileSource } from '../../../../src/engine/file-source';
import { makeLiveIso, makePlainIso, put, run, tempDir } from '../../iso-fixtures';
import { formatInfo, infoReport } from '../../../../src/core/liveos/info';
import { payloadFiles, type LiveImage } from '../../../../src/core/liveos/live-image';
import { probeLiveImage } from '../../../../src/core/liveos/probe';

const work = tempDir('probe');
const isos: Record<'f24' | 'modern' | 'kiwi' | 'plain', string> = {
  f24: '',
  modern: '',
  kiwi: '',
  plain: '',
};

beforeAll(() => {
  isos.f24 = makeLiveIso(work.path, { era: 'f24', compression: 'xz' });
  isos.modern = makeLiveIso(work.path, { era: 'modern', compression: 'zstd' });
  isos.kiwi = makeLiveIso(work.path, { era: 'kiwi' });
  isos.plain = makePlainIso(work.path);
}, 180_000);
afterAll(() => work.remove());

async function probeFile(path: string): Promise<{ image: LiveImage; bytesRead: number }> {
  const source = await FileSource.open(path);
  try {
    const image = await probeLiveImage(source);
    return { image, bytesRead: source.bytesRead };
  } finally {
    await source.close();
  }
}

describe('probeLiveImage', () => {
  it('recognises the F24 layout: isolinux era, nested ext4, both overlay kinds', async () => {
    const { image } = await probeFile(isos.f24);
    expect(image).toMatchObject({
      label: 'Fedora-WS-Live-24-1-2',
      era: 'isolinux',
      kernel: { path: '/images/pxeboot/vmlinuz', initrdPath: '/images/pxeboot/initrd.img' },
      rootfs: { kind: 'nested-ext4', rootfsImageBytes: 24 * 1024 * 1024, compression: 'xz' },
      overlayKinds: ['dm-snapshot', 'overlayfs'],
      efi: true,
      biosBoot: true,
      implantedMd5: false,
    });
    expect(image.bootConfigs.map((c) => [c.path, c.kind])).toEqual([
      ['/isolinux/isolinux.cfg', 'isolinux'],
      ['/EFI/BOOT/grub.cfg', 'grub'],
    ]);
    expect(image.bootConfigs[0]!.text).toContain('root=live:CDLABEL=Fedora-WS-Live-24-1-2');
    expect(image.squashfs.path).toBe('/LiveOS/squashfs.img');
    expect(image.efibootImg?.path).toBe('/images/efiboot.img');
    expect(image.isoBytes).toBe(readFileSync(isos.f24).length);
  });

  it('computes the payload litd copies, counting hardlinked files once per name', async () => {
    const { image } = await probeFile(isos.f24);
    const paths = payloadFiles(image).map((f) => f.path);
    expect(paths).toContain('/isolinux/vmlinuz');
    expect(paths).toContain('/images/pxeboot/vmlinuz');
    expect(paths).toContain('/EFI/BOOT/fonts/unicode.pf2');
    expect(paths).toContain('/LICENSE');
    expect(paths).toContain('/Fedora-Legal-README.txt');
    const expected = payloadFiles(image).reduce((n, f) => n + f.size, 0);
    expect(image.payloadBytes).toBe(expected);
    expect(image.payloadBytes).toBeGreaterThan(image.squashfs.size);
  });

  it('recognises the F37+ lorax layout: grub2 era, flat squashfs, OverlayFS only', async () => {
    const { image } = await probeFile(isos.modern);
    expect(image).toMatchObject({
      era: 'grub2',
      rootfs: { kind: 'flat-squashfs', compression: 'zstd' },
      overlayKinds: ['overlayfs'],
      biosBoot: false,
      efi: true,
    });
    expect(image.rootfs.rootfsImageBytes).toBeUndefined();
    expect(image.bootConfigs.map((c) => c.path)).toEqual([
      '/EFI/BOOT/grub.cfg',
      '/boot/grub2/grub.cfg',
    ]);
  });

  it('recognises the kiwi layout: EROFS root, /boot/x86_64/loader kernel', async () => {
    const { image } = await probeFile(isos.kiwi);
    expect(image).toMatchObject({
      label: 'Fedora-WS-Live-42',
      era: 'kiwi',
      kernel: { path: '/boot/x86_64/loader/linux', initrdPath: '/boot/x86_64/loader/initrd' },
      rootfs: { kind: 'erofs' },
      overlayKinds: ['overlayfs'],
    });
    const paths = payloadFiles(image).map((f) => f.path);
    expect(paths).toContain('/boot/x86_64/loader/linux');
    expect(paths).toContain('/boot/0x1a2b3c4d');
    // The EFI stub loads /boot/grub2/grub.cfg; a BIOS GRUB install needs the i386-pc modules.
    expect(paths).toContain('/boot/grub2/grub.cfg');
    expect(paths).toContain('/boot/grub2/loopback.cfg');
    expect(paths).toContain('/boot/grub2/i386-pc/normal.mod');
    expect(paths).toContain('/EFI/BOOT/mmx64.efi');
    expect(paths.filter((path) => /\/fb[^/]*\.efi$/i.test(path))).toEqual([]);
    expect(image.bootConfigs.map((c) => c.path)).toEqual([
      '/EFI/BOOT/grub.cfg',
      '/boot/grub2/grub.cfg',
      '/boot/grub2/loopback.cfg',
    ]);
  });

  it('notices an implanted MD5', async () => {
    const copy = join(work.path, 'md5.iso');
    copyFileSync(isos.modern, copy);
    run('implantisomd5', ['--force', copy]);
    expect((await probeFile(copy)).image.implantedMd5).toBe(true);
  });

  it('reads metadata only', async () => {
    const { image, bytesRead } = await probeFile(isos.f24);
    expect(bytesRead).toBeLessThan(image.isoBytes);
    expect(bytesRead).toBeLessThan(2 * 1024 * 1024);
  });

  it('says NOT_LIVEOS, naming what is missing, for a plain ISO', async () => {
    await expect(probeFile(isos.plain)).rejects.toMatchObject({
      code: 'NOT_LIVEOS',
      message: expect.stringContaining('no /LiveOS/squashfs.img'),
    });
  });

  it('says NOT_LIVEOS for a file that is no ISO at all', async () => {
    const junk = join(work.path, 'junk.img');
    writeFileSync(junk, new Uint8Array(1024 * 1024));
    await expect(probeFile(junk)).rejects.toMatchObject({
      code: 'NOT_LIVEOS',
      message: /not an ISO 9660 image/,
    });
  });

  it('says NOT_LIVEOS when squashfs.img holds neither rootfs.img nor /usr', async () => {
    const tree = join(work.path, 'odd-root');
    put(tree, 'hello.txt', 'hi');
    const image = join(work.path, 'odd.img');
    run('mksquashfs', [tree, image, '-noappend', '-quiet', '-no-progress']);
    const iso = makeLiveIso(work.path, { era: 'modern', squashfsImage: image, label: 'ODD' });
    await expect(probeFile(iso)).rejects.toMatchObject({
      code: 'NOT_LIVEOS',
      message: expect.stringContaining(
        'neither LiveOS/rootfs.img nor a /usr tree (its root has: hello.txt)',
      ),
    });
  });

  it('says SOURCE_CORRUPT with the truncation message for a truncated download', async () => {
    const copy = join(work.path, 'truncated.iso');
    copyFileSync(isos.f24, copy);
    truncateSync(copy, Math.floor(readFileSync(copy).length / 2));
    await expect(probeFile(copy)).rejects.toMatchObject({
      code: 'SOURCE_CORRUPT',
      message: 'the file is shorter than its volume descriptor says (truncated download?)',
    });
  });

  it('says SOURCE_CORRUPT when squashfs.img is damaged', async () => {
    const bytes = new Uint8Array(readFileSync(isos.modern));
    const { image } = await probeFile(isos.modern);
    const start = image.squashfs.extents[0]!.offset;
    // Point the directory table past bytes_used.
    new DataView(bytes.buffer).setUint32(start + 72, 0x7fffffff, true);
    await expect(probeLiveImage(new BufferSource(bytes))).rejects.toMatchObject({
      code: 'SOURCE_CORRUPT',
      details: { structure: 'squashfs superblock' },
    });
  });
});

describe('infoReport / formatInfo', () => {
  it('reports what livestick info --json prints, with boot entries per config', async () => {
    const { image } = await probeFile(isos.f24);
    const report = infoReport(image);
    expect(report).toMatchObject({
      label: 'Fedora-WS-Live-24-1-2',
      era: 'isolinux',
      rootfs: 'nested-ext4',
      rootfsImageBytes: 24 * 1024 * 1024,
      squashfsBytes: image.squashfs.size,
      payloadBytes: image.payloadBytes,
      overlayKinds: ['dm-snapshot', 'overlayfs'],
      efi: true,
      biosBoot: true,
      implantedMd5: false,
    });
    const grub = report.bootEntries['/EFI/BOOT/grub.cfg']!;
    expect(grub.map((e) => e.title)).toEqual([
      'Start Fedora-Workstation-Live 24',
      'Test this media & start Fedora-Workstation-Live 24',
      'Start Fedora-Workstation-Live 24 in basic graphics mode',
    ]);
    expect(grub[1]!.kernelArgs).toBe(
      'root=live:CDLABEL=Fedora-WS-Live-24-1-2 rd.live.image rd.live.check quiet',
    );
    const isolinux = report.bootEntries['/isolinux/isolinux.cfg']!;
    expect(isolinux[0]).toMatchObject({ title: 'Start Fedora-Workstation-Live 24' });
    expect(isolinux[0]!.kernelArgs).toContain(
      'root=live:CDLABEL=Fedora-WS-Live-24-1-2 rd.live.image quiet',
    );
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    const text = formatInfo(report);
    expect(text.split('\n').length).toBeLessThanOrEqual(8);
    expect(text).toContain('Fedora-WS-Live-24-1-2');
    expect(text).toContain('ext4 rootfs.img inside squashfs');
    expect(text).toContain('dm-snapshot or overlayfs');
  });
});
