// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { u32le } from '../../../../src/core/bytes';
import { FormatError } from '../../../../src/core/format-error';
import {
  MODULE_INFO_MAGIC,
  OBJECT_TYPE_CONFIG,
  OBJECT_TYPE_ELF,
  OBJECT_TYPE_PREFIX,
  decodeModuleSection,
  encodeModuleSection,
} from '../../../../src/core/grub/module-section';

const fakeModule = (length: number): Uint8Array => {
  const bytes = new Uint8Array(length).fill(0xab);
  bytes.set([0x7f, 0x45, 0x4c, 0x46]);
  return bytes;
};

describe('encodeModuleSection', () => {
  it('lays out the header, padded modules, config and prefix as grub-mkimage does', () => {
    const section = encodeModuleSection({
      modules: [
        { name: 'one', bytes: fakeModule(5) },
        { name: 'two', bytes: fakeModule(8) },
      ],
      config: 'set x=1\n',
      prefix: '/boot/grub2',
    });
    // header 12 + (8 + 8) + (8 + 8) + config (8 + 12) + prefix (8 + 12)
    expect(section.length).toBe(84);
    expect(u32le(section, 0)).toBe(MODULE_INFO_MAGIC);
    expect(u32le(section, 4)).toBe(12);
    expect(u32le(section, 8)).toBe(84);
    // Sizes include the header and the padding.
    expect([u32le(section, 12), u32le(section, 16)]).toEqual([OBJECT_TYPE_ELF, 16]);
    expect(section.subarray(20, 28)).toEqual(Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 0xab, 0, 0, 0));
    const objects = decodeModuleSection(section);
    expect(objects.map((o) => o.type)).toEqual([
      OBJECT_TYPE_ELF,
      OBJECT_TYPE_ELF,
      OBJECT_TYPE_CONFIG,
      OBJECT_TYPE_PREFIX,
    ]);
    expect(new TextDecoder().decode(objects[2]!.bytes)).toBe('set x=1\n\0\0\0\0');
    expect(new TextDecoder().decode(objects[3]!.bytes)).toBe('/boot/grub2\0');
  });

  it('leaves the config out when there is none', () => {
    const objects = decodeModuleSection(encodeModuleSection({ modules: [], prefix: '/p' }));
    expect(objects).toEqual([{ type: OBJECT_TYPE_PREFIX, bytes: Uint8Array.of(0x2f, 0x70, 0, 0) }]);
  });

  it('refuses a module that is not ELF and text with a NUL', () => {
    expect(() =>
      encodeModuleSection({ modules: [{ name: 'x', bytes: new Uint8Array(8) }], prefix: '/' }),
    ).toThrow(FormatError);
    expect(() => encodeModuleSection({ modules: [], prefix: '/a\0b' })).toThrow(RangeError);
  });
});

describe('decodeModuleSection', () => {
  it('rejects a bad magic, sizes past the end and a truncated object', () => {
    const good = encodeModuleSection({
      modules: [{ name: 'a', bytes: fakeModule(9) }],
      prefix: '/',
    });
    const badMagic = good.slice();
    badMagic[0] = 0;
    expect(() => decodeModuleSection(badMagic)).toThrow(/magic/);
    expect(() => decodeModuleSection(good.subarray(0, good.length - 4))).toThrow(FormatError);
    const badObject = good.slice();
    badObject[16] = 0xff; // first object's size
    expect(() => decodeModuleSection(badObject)).toThrow(/object size/);
    expect(() => decodeModuleSection(new Uint8Array(4))).toThrow(FormatError);
  });
});
