// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { setU16le, setU32le } from '../../../../src/core/bytes';
import { FormatError } from '../../../../src/core/format-error';
import { layoutKernelImage } from '../../../../src/core/grub/kernel-image';

interface SectionSpec {
  readonly type: number;
  readonly flags: number;
  readonly address: number;
  readonly data?: Uint8Array;
  readonly size?: number;
}

const PROGBITS = 1;
const NOBITS = 8;
const AX = 0x6;
const A = 0x2;
const WA = 0x3;

/** A minimal 32-bit i386 ELF executable with the given sections after a null section. */
function elf(sections: readonly SectionSpec[], machine = 3): Uint8Array {
  const dataStart = 52;
  const dataBytes = sections.reduce((n, s) => n + (s.data?.length ?? 0), 0);
  const tableOffset = dataStart + dataBytes;
  const out = new Uint8Array(tableOffset + 40 * (sections.length + 1));
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  setU16le(out, 16, 2);
  setU16le(out, 18, machine);
  setU32le(out, 20, 1);
  setU32le(out, 32, tableOffset);
  setU16le(out, 46, 40);
  setU16le(out, 48, sections.length + 1);
  let at = dataStart;
  sections.forEach((section, i) => {
    const header = tableOffset + 40 * (i + 1);
    setU32le(out, header + 4, section.type);
    setU32le(out, header + 8, section.flags);
    setU32le(out, header + 12, section.address);
    setU32le(out, header + 16, at);
    setU32le(out, header + 20, section.data?.length ?? section.size ?? 0);
    if (section.data) {
      out.set(section.data, at);
      at += section.data.length;
    }
  });
  return out;
}

const text = Uint8Array.of(0xea, 1, 2, 3, 4);
const rodata = Uint8Array.of(9, 8, 7, 6);

describe('layoutKernelImage', () => {
  it('places sections at their link addresses, zero between, .bss only counted', () => {
    const layout = layoutKernelImage(
      elf([
        { type: PROGBITS, flags: AX, address: 0x9000, data: text },
        { type: PROGBITS, flags: A, address: 0x9008, data: rodata },
        { type: NOBITS, flags: WA, address: 0x9010, size: 0x100 },
        { type: PROGBITS, flags: 0, address: 0, data: Uint8Array.of(0x55) }, // .comment
      ]),
    );
    expect(layout.image).toEqual(Uint8Array.of(0xea, 1, 2, 3, 4, 0, 0, 0, 9, 8, 7, 6));
    expect(layout.bssSize).toBe(0x110 - 12);
  });

  it('rejects what is not an i386 kernel.img', () => {
    const good = elf([{ type: PROGBITS, flags: AX, address: 0x9000, data: text }]);
    expect(() => layoutKernelImage(good.subarray(0, 40))).toThrow(FormatError);
    const badMagic = good.slice();
    badMagic[1] = 0;
    expect(() => layoutKernelImage(badMagic)).toThrow(/magic/);
    expect(() =>
      layoutKernelImage(elf([{ type: PROGBITS, flags: AX, address: 0x9000, data: text }], 62)),
    ).toThrow(/machine 62/);
    expect(() =>
      layoutKernelImage(elf([{ type: PROGBITS, flags: AX, address: 0x8000, data: text }])),
    ).toThrow(/link address/);
    expect(() =>
      layoutKernelImage(elf([{ type: PROGBITS, flags: A, address: 0x9000, data: text }])),
    ).toThrow(/no executable section/);
    expect(() =>
      layoutKernelImage(
        elf([
          { type: PROGBITS, flags: AX, address: 0x9000, data: text },
          { type: NOBITS, flags: WA, address: 0x9010, size: 0x60000 },
        ]),
      ),
    ).toThrow(/0x68000/);
    const truncatedTable = good.subarray(0, good.length - 1);
    expect(() => layoutKernelImage(truncatedTable)).toThrow(/section headers/);
  });
});
