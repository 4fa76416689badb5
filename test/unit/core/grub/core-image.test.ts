// SPDX-License-Identifier: GPL-3.0-or-later
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LiveStickError } from '../../../../src/shared/errors';
import { equalBytes, u16le, u64le } from '../../../../src/core/bytes';
import { FormatError } from '../../../../src/core/format-error';
import {
  GRUB_STICK_PREFIX,
  buildGrubBiosInstall,
  grubBiosModuleNames,
  grubEarlyConfig,
  readI386PcFiles,
  type I386PcFiles,
} from '../../../../src/core/grub/bios-install';
import { decodeGrubBootCode } from '../../../../src/core/grub/boot-image';
import {
  buildCoreImage,
  placeCoreImage,
  unpackCoreImage,
} from '../../../../src/core/grub/core-image';
import {
  checkDecompressorImage,
  decodeDecompressorFields,
} from '../../../../src/core/grub/decompressor-image';
import {
  OFFSET_FIRST_BLOCKLIST,
  decodeFirstBlocklist,
} from '../../../../src/core/grub/diskboot-image';
import { layoutKernelImage } from '../../../../src/core/grub/kernel-image';
import {
  OBJECT_TYPE_CONFIG,
  OBJECT_TYPE_ELF,
  OBJECT_TYPE_PREFIX,
  decodeModuleSection,
} from '../../../../src/core/grub/module-section';

const MODULE_DIR = '/usr/lib/grub/i386-pc';
const readModuleFile = async (name: string) =>
  new Uint8Array(await readFile(join(MODULE_DIR, name)));
const FAT_SERIAL = 0x0a1b2c3d;

async function filesFor(table: 'mbr' | 'gpt'): Promise<I386PcFiles> {
  return readI386PcFiles(readModuleFile, grubBiosModuleNames(table));
}

describe('grubEarlyConfig', () => {
  it('finds the FAT partition by UUID and sets the prefix there', () => {
    expect(grubEarlyConfig(FAT_SERIAL)).toBe(
      'search.fs_uuid 0A1B-2C3D root\nset prefix=($root)/boot/grub2\n',
    );
    expect(() => grubEarlyConfig(1, '/boot/grub 2')).toThrow(RangeError);
    expect(() => grubEarlyConfig(1, 'boot')).toThrow(RangeError);
  });
});

describe('readI386PcFiles', () => {
  it('reads the images and the modules with their dependencies, dependencies first', async () => {
    const files = await filesFor('gpt');
    const names = files.modules.map((m) => m.name);
    for (const name of ['biosdisk', 'part_gpt', 'fat', 'fshelp', 'search_fs_uuid', 'normal']) {
      expect(names).toContain(name);
    }
    expect(names).not.toContain('part_msdos');
    expect(names.indexOf('fshelp')).toBeLessThan(names.indexOf('fat'));
    expect(names.indexOf('extcmd')).toBeLessThan(names.indexOf('normal'));
    expect(names.at(-1)).toBe('normal');
    expect(files.bootImage.length).toBe(512);
  });

  it('passes the reader’s rejection on (a missing module)', async () => {
    await expect(readI386PcFiles(readModuleFile, ['no_such_module'])).rejects.toThrow(/ENOENT/);
  });
});

describe('buildCoreImage', () => {
  it('is diskboot.img, the patched decompressor and a stream of kernel + modules', async () => {
    const files = await filesFor('mbr');
    const config = grubEarlyConfig(FAT_SERIAL);
    const core = buildCoreImage(files, {
      modules: files.modules,
      config,
      prefix: GRUB_STICK_PREFIX,
    });
    const decompressorSize = files.decompressorImage.length;
    expect(core.bytes.length).toBe(512 + decompressorSize + core.compressedSize);
    expect(core.bytes.length).toBeLessThan(200 * 1024);

    const blocklist = decodeFirstBlocklist(core.bytes.subarray(0, 512));
    expect(blocklist).toEqual({
      startSector: 2, // diskboot.img's own default until the core is placed
      sectorCount: Math.ceil((decompressorSize + core.compressedSize) / 512),
      segment: 0x820,
    });
    const fields = decodeDecompressorFields(core.bytes.subarray(512, 512 + decompressorSize));
    expect(fields).toEqual({
      compressedSize: core.compressedSize,
      uncompressedSize: core.payload.length,
      reedSolomonRedundancy: 0,
    });

    const kernel = layoutKernelImage(files.kernelImage).image;
    expect(equalBytes(core.payload.subarray(0, kernel.length), kernel)).toBe(true);
    const objects = decodeModuleSection(core.payload.subarray(kernel.length));
    expect(objects.map((o) => o.type)).toEqual([
      ...files.modules.map(() => OBJECT_TYPE_ELF),
      OBJECT_TYPE_CONFIG,
      OBJECT_TYPE_PREFIX,
    ]);
    files.modules.forEach((module, i) => {
      expect(equalBytes(objects[i]!.bytes.subarray(0, module.bytes.length), module.bytes)).toBe(
        true,
      );
    });

    const unpacked = unpackCoreImage(core.bytes, decompressorSize);
    expect(equalBytes(unpacked.payload, core.payload)).toBe(true);
  });

  it('refuses a decompressor or diskboot.img that is not one', async () => {
    const files = await filesFor('mbr');
    const contents = { modules: files.modules, prefix: GRUB_STICK_PREFIX };
    const notLjmp = files.decompressorImage.slice();
    notLjmp[0] = 0x90;
    expect(() => buildCoreImage({ ...files, decompressorImage: notLjmp }, contents)).toThrow(
      FormatError,
    );
    expect(() => checkDecompressorImage(new Uint8Array(0xe01).fill(0xea))).toThrow(FormatError);
    const wrongSegment = files.diskbootImage.slice();
    wrongSegment[511] = 0;
    expect(() => buildCoreImage({ ...files, diskbootImage: wrongSegment }, contents)).toThrow(
      /load segment/,
    );
  });
});

describe('placeCoreImage', () => {
  it('pads to sectors and points the block list at the sector after diskboot.img', async () => {
    const files = await filesFor('mbr');
    const core = buildCoreImage(files, { modules: files.modules, prefix: GRUB_STICK_PREFIX });
    const placed = placeCoreImage(core.bytes, { firstSector: 2048, areaSectors: 2048 });
    expect(placed.length % 512).toBe(0);
    expect(placed.length - core.bytes.length).toBeLessThan(512);
    expect(equalBytes(placed.subarray(512, core.bytes.length), core.bytes.subarray(512))).toBe(
      true,
    );
    expect(u64le(placed, OFFSET_FIRST_BLOCKLIST)).toBe(2049n);
    expect(u16le(placed, OFFSET_FIRST_BLOCKLIST + 8)).toBe(placed.length / 512 - 1);
    expect(u16le(placed, OFFSET_FIRST_BLOCKLIST + 10)).toBe(0x820);
    // The entry below is the terminator.
    expect(placed.subarray(OFFSET_FIRST_BLOCKLIST - 12, OFFSET_FIRST_BLOCKLIST)).toEqual(
      new Uint8Array(12),
    );
    expect(
      equalBytes(unpackCoreImage(placed, files.decompressorImage.length).payload, core.payload),
    ).toBe(true);
  });

  it('refuses an area too small, as DOES_NOT_FIT', async () => {
    const files = await filesFor('mbr');
    const core = buildCoreImage(files, { modules: files.modules, prefix: GRUB_STICK_PREFIX });
    const needed = Math.ceil(core.bytes.length / 512);
    let error: unknown;
    try {
      placeCoreImage(core.bytes, { firstSector: 1, areaSectors: needed - 1 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LiveStickError);
    expect((error as LiveStickError).code).toBe('DOES_NOT_FIT');
  });
});

describe('unpackCoreImage', () => {
  it('rejects a core.img cut short of its compressed stream', async () => {
    const files = await filesFor('mbr');
    const core = buildCoreImage(files, { modules: files.modules, prefix: GRUB_STICK_PREFIX });
    const size = files.decompressorImage.length;
    expect(() => unpackCoreImage(core.bytes.subarray(0, core.bytes.length - 10), size)).toThrow(
      /runs past/,
    );
    expect(() => unpackCoreImage(core.bytes.subarray(0, 600), size)).toThrow(/too short/);
  });
});

describe('buildGrubBiosInstall', () => {
  it('gives 440 bytes of boot code pointing at core.img and core.img’s sectors', async () => {
    for (const [table, coreSector, area] of [
      ['mbr', 1, 2047],
      ['gpt', 2048, 2048],
    ] as const) {
      const files = await filesFor(table);
      const install = buildGrubBiosInstall(files, {
        fatSerial: FAT_SERIAL,
        coreSector,
        coreAreaSectors: area,
      });
      expect(install.bootCode.length).toBe(440);
      expect(decodeGrubBootCode(install.bootCode)).toEqual({
        coreSector,
        bootDrive: 0xff,
        hardDiskDriveCheck: true,
      });
      expect(install.coreExtent.offset).toBe(coreSector * 512);
      expect(install.coreExtent.length).toBe(install.coreSectors * 512);
      expect(install.coreSectors).toBe(Math.ceil(install.coreImageBytes / 512));
      expect(install.modules).toContain(table === 'gpt' ? 'part_gpt' : 'part_msdos');
      if (install.coreExtent.fill.kind !== 'bytes') throw new Error('expected bytes');
      const placed = install.coreExtent.fill.data;
      expect(u64le(placed, OFFSET_FIRST_BLOCKLIST)).toBe(BigInt(coreSector + 1));
      const payload = unpackCoreImage(placed, files.decompressorImage.length).payload;
      const objects = decodeModuleSection(
        payload.subarray(layoutKernelImage(files.kernelImage).image.length),
      );
      const config = objects.find((o) => o.type === OBJECT_TYPE_CONFIG)!;
      expect(new TextDecoder().decode(config.bytes).replace(/\0+$/, '')).toBe(
        grubEarlyConfig(FAT_SERIAL),
      );
    }
  });
});
