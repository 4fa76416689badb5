// SPDX-License-Identifier: GPL-3.0-or-later
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferSource } from '../../../../src/core/byte-source';
import { FormatError } from '../../../../src/core/format-error';
import { FileSource } from '../../../../src/engine/file-source';
import { makeLiveIso, makePlainIso, put, run, tempDir, xorrisoFiles } from '../../iso-fixtures';
import { readIsoFileBytes } from '../../../../src/core/iso9660/iso-file-source';
import { readIsoTree } from '../../../../src/core/iso9660/iso-reader';

const work = tempDir('iso9660');
let f24: string;
let plain: string;

beforeAll(() => {
  f24 = makeLiveIso(work.path, { era: 'f24', compression: 'gzip' });
  plain = makePlainIso(work.path);
}, 120_000);
afterAll(() => work.remove());

async function treeOf(path: string) {
  const source = await FileSource.open(path);
  try {
    return { tree: await readIsoTree(source), source };
  } finally {
    await source.close();
  }
}

describe('readIsoTree', () => {
  it('lists exactly what xorriso lists, with the same start blocks and sizes', async () => {
    const { tree } = await treeOf(f24);
    const oracle = xorrisoFiles(f24);
    const ours = new Map(
      tree.files.map((f) => [f.path, { lba: (f.extents[0]?.offset ?? 0) / 2048, size: f.size }]),
    );
    // xorriso's -find reports the El Torito catalog as type "e", but it is a regular file too.
    ours.delete('/isolinux/boot.cat');
    expect(ours).toEqual(oracle);
    expect(tree.names).toBe('rock-ridge');
    expect(tree.label).toBe('Fedora-WS-Live-24-1-2');
    expect(tree.directories).toEqual([
      '/EFI',
      '/EFI/BOOT',
      '/EFI/BOOT/fonts',
      '/LiveOS',
      '/images',
      '/images/pxeboot',
      '/isolinux',
    ]);
  });

  it('keeps hardlinked files on one extent (isolinux/vmlinuz = images/pxeboot/vmlinuz)', async () => {
    const { tree } = await treeOf(f24);
    const byPath = new Map(tree.files.map((f) => [f.path, f]));
    expect(byPath.get('/isolinux/vmlinuz')!.extents).toEqual(
      byPath.get('/images/pxeboot/vmlinuz')!.extents,
    );
    expect(byPath.get('/isolinux/initrd.img')!.extents).toEqual(
      byPath.get('/images/pxeboot/initrd.img')!.extents,
    );
  });

  it('reads the El Torito catalog: BIOS no-emulation isolinux.bin and UEFI efiboot.img', async () => {
    const { tree } = await treeOf(f24);
    expect(tree.bootImages.map((b) => [b.platform, b.bootable, b.noEmulation, b.path])).toEqual([
      ['bios', true, true, '/isolinux/isolinux.bin'],
      ['efi', true, true, '/images/efiboot.img'],
    ]);
  });

  it('returns file contents byte-identical to xorriso -osirrox extraction', async () => {
    const source = await FileSource.open(f24);
    const tree = await readIsoTree(source);
    const cfg = tree.files.find((f) => f.path === '/EFI/BOOT/grub.cfg')!;
    const ours = await readIsoFileBytes(source, cfg, 1 << 20);
    await source.close();
    const out = join(work.path, 'grub.cfg.extracted');
    run('xorriso', ['-osirrox', 'on', '-indev', f24, '-extract', '/EFI/BOOT/grub.cfg', out]);
    expect(Buffer.from(ours).equals(readFileSync(out))).toBe(true);
  });

  it('falls back to Joliet names, then to plain ISO 9660 names', async () => {
    const tree = join(work.path, 'names');
    put(tree, 'MixedCase/Long File Name.txt', 'x');
    const joliet = join(work.path, 'joliet.iso');
    const bare = join(work.path, 'bare.iso');
    run('xorriso', [
      '-as',
      'mkisofs',
      '-quiet',
      '-V',
      'J',
      '--norock',
      '-J',
      '-joliet-long',
      '-o',
      joliet,
      tree,
    ]);
    run('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'P', '--norock', '-o', bare, tree]);
    const j = (await treeOf(joliet)).tree;
    expect(j.names).toBe('joliet');
    expect(j.files.map((f) => f.path)).toEqual(['/MixedCase/Long File Name.txt']);
    const p = (await treeOf(bare)).tree;
    expect(p.names).toBe('iso9660');
    expect(p.files.map((f) => f.path)).toEqual(['/MIXEDCAS/LONG_FIL.TXT']);
  });

  it('reads a plain data ISO (no boot catalog)', async () => {
    const { tree } = await treeOf(plain);
    expect(tree.bootImages).toEqual([]);
    expect(tree.files.map((f) => f.path)).toEqual(['/README.txt', '/docs/manual.pdf']);
  });

  it('rejects a directory that points back at its parent (loop)', async () => {
    const bytes = new Uint8Array(readFileSync(plain));
    const source = new BufferSource(bytes);
    const tree = await readIsoTree(source);
    expect(tree.directories).toEqual(['/docs']);
    // Point the /docs record's extent at the root directory's own extent.
    const rootExtent = bytes[16 * 2048 + 156 + 2]! | (bytes[16 * 2048 + 156 + 3]! << 8);
    const rootOffset = rootExtent * 2048;
    let at = rootOffset;
    for (;;) {
      const len = bytes[at]!;
      const name = new TextDecoder().decode(bytes.subarray(at + 33, at + 33 + bytes[at + 32]!));
      if (name.startsWith('DOCS')) break;
      at += len;
    }
    const view = new DataView(bytes.buffer);
    view.setUint32(at + 2, rootExtent, true);
    view.setUint32(at + 6, rootExtent, false);
    await expect(readIsoTree(source)).rejects.toThrow(/directory loop/);
  });

  it('rejects garbage with a FormatError naming the structure', async () => {
    await expect(readIsoTree(new BufferSource(new Uint8Array(40_000)))).rejects.toBeInstanceOf(
      FormatError,
    );
    await expect(readIsoTree(new BufferSource(new Uint8Array(100)))).rejects.toThrow(
      /ISO 9660 volume/,
    );
  });

  it('reports a truncated file as SOURCE_CORRUPT with the truncation message', async () => {
    const bytes = readFileSync(f24);
    const source = new BufferSource(new Uint8Array(bytes.subarray(0, bytes.length >> 1)));
    await expect(readIsoTree(source)).rejects.toMatchObject({
      code: 'SOURCE_CORRUPT',
      message: 'the file is shorter than its volume descriptor says (truncated download?)',
    });
  });
});
