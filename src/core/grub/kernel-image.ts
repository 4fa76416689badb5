// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * GRUB's i386-pc kernel.img is a statically linked 32-bit ELF executable linked at 0x9000. In
 * core.img it becomes a flat memory image: every allocated PROGBITS section copied to its link
 * address minus 0x9000, gaps zero, the .bss left out (the kernel clears it itself). This is the
 * layout `grub-mkimage -O i386-pc` gives it (GRUB's util/grub-mkimagexx.c, non-relocatable
 * targets), reproduced so core.img's payload matches grub-mkimage's byte for byte.
 */
import { u16le, u32le } from '../bytes';
import { FormatError } from '../format-error';

/** Where the decompressor puts the kernel (include/grub/offsets.h, GRUB_KERNEL_I386_PC_LINK_ADDR). */
export const I386_PC_KERNEL_LINK_ADDRESS = 0x9000;
/** The kernel, its .bss and the modules must stay below this (grub-mkimage's own limit). */
export const I386_PC_KERNEL_MEMORY_END = 0x68000;

const STRUCTURE = 'GRUB kernel.img';
const ELF_HEADER_SIZE = 52;
const OFFSET_CLASS = 4;
const OFFSET_DATA = 5;
const OFFSET_IDENT_VERSION = 6;
const OFFSET_MACHINE = 18;
const OFFSET_VERSION = 20;
const OFFSET_SECTION_HEADERS = 32;
const OFFSET_SECTION_HEADER_SIZE = 46;
const OFFSET_SECTION_COUNT = 48;
const ELF_CLASS_32 = 1;
const ELF_DATA_LITTLE_ENDIAN = 1;
const ELF_VERSION_CURRENT = 1;
const MACHINE_I386 = 3;

const SECTION_HEADER_SIZE = 40;
const SECTION_TYPE = 4;
const SECTION_FLAGS = 8;
const SECTION_ADDRESS = 12;
const SECTION_FILE_OFFSET = 16;
const SECTION_SIZE = 20;
const TYPE_PROGBITS = 1;
const TYPE_NOBITS = 8;
const FLAG_ALLOC = 0x2;
const FLAG_EXEC = 0x4;

interface Section {
  readonly index: number;
  readonly type: number;
  readonly flags: number;
  readonly address: number;
  readonly fileOffset: number;
  readonly size: number;
}

export interface KernelLayout {
  /** The flat image of .text and the data sections, from the link address on. */
  readonly image: Uint8Array;
  /** Bytes of .bss after the image, counted against the memory limit. */
  readonly bssSize: number;
}

function readSections(elf: Uint8Array): Section[] {
  if (elf.length < ELF_HEADER_SIZE) {
    throw new FormatError(STRUCTURE, 0, `${elf.length} bytes is shorter than an ELF header`);
  }
  if (elf[0] !== 0x7f || elf[1] !== 0x45 || elf[2] !== 0x4c || elf[3] !== 0x46) {
    throw new FormatError(STRUCTURE, 0, 'no ELF magic 7F 45 4C 46');
  }
  if (elf[OFFSET_CLASS] !== ELF_CLASS_32 || elf[OFFSET_DATA] !== ELF_DATA_LITTLE_ENDIAN) {
    throw new FormatError(STRUCTURE, OFFSET_CLASS, 'not a 32-bit little-endian ELF file');
  }
  if (
    elf[OFFSET_IDENT_VERSION] !== ELF_VERSION_CURRENT ||
    u32le(elf, OFFSET_VERSION) !== ELF_VERSION_CURRENT
  ) {
    throw new FormatError(STRUCTURE, OFFSET_VERSION, 'ELF version is not 1');
  }
  const machine = u16le(elf, OFFSET_MACHINE);
  if (machine !== MACHINE_I386) {
    throw new FormatError(STRUCTURE, OFFSET_MACHINE, `machine ${machine}, expected 3 (i386)`);
  }
  const tableOffset = u32le(elf, OFFSET_SECTION_HEADERS);
  const entrySize = u16le(elf, OFFSET_SECTION_HEADER_SIZE);
  const count = u16le(elf, OFFSET_SECTION_COUNT);
  if (entrySize < SECTION_HEADER_SIZE) {
    throw new FormatError(
      STRUCTURE,
      OFFSET_SECTION_HEADER_SIZE,
      `section header size ${entrySize}`,
    );
  }
  if (tableOffset + entrySize * count > elf.length) {
    throw new FormatError(STRUCTURE, OFFSET_SECTION_HEADERS, 'section headers run past the file');
  }
  const sections: Section[] = [];
  for (let index = 0; index < count; index++) {
    const at = tableOffset + index * entrySize;
    sections.push({
      index,
      type: u32le(elf, at + SECTION_TYPE),
      flags: u32le(elf, at + SECTION_FLAGS),
      address: u32le(elf, at + SECTION_ADDRESS),
      fileOffset: u32le(elf, at + SECTION_FILE_OFFSET),
      size: u32le(elf, at + SECTION_SIZE),
    });
  }
  return sections;
}

const isText = (s: Section): boolean =>
  s.type === TYPE_PROGBITS && (s.flags & (FLAG_ALLOC | FLAG_EXEC)) === (FLAG_ALLOC | FLAG_EXEC);
const isData = (s: Section): boolean =>
  s.type === TYPE_PROGBITS && (s.flags & (FLAG_ALLOC | FLAG_EXEC)) === FLAG_ALLOC;

/**
 * Lays kernel.img out as grub-mkimage does: text sections first, then data sections, the image
 * ending where the last of them (in section order) ends; .bss only sized.
 */
export function layoutKernelImage(elf: Uint8Array): KernelLayout {
  const sections = readSections(elf);
  const text = sections.filter(isText);
  if (text.length === 0) throw new FormatError(STRUCTURE, 0, 'no executable section');
  let imageSize = 0;
  const placed: { section: Section; at: number }[] = [];
  for (const section of [...text, ...sections.filter(isData)]) {
    const at = section.address - I386_PC_KERNEL_LINK_ADDRESS;
    if (isText(section) && at !== 0) {
      throw new FormatError(
        STRUCTURE,
        section.index,
        `executable section at 0x${section.address.toString(16)}, expected the link address 0x9000`,
      );
    }
    if (at < 0) {
      throw new FormatError(STRUCTURE, section.index, 'section below the link address');
    }
    if (section.fileOffset + section.size > elf.length) {
      throw new FormatError(STRUCTURE, section.fileOffset, `section ${section.index} is truncated`);
    }
    placed.push({ section, at });
    imageSize = at + section.size;
  }
  const image = new Uint8Array(imageSize);
  for (const { section, at } of placed) {
    if (at + section.size > imageSize) {
      throw new FormatError(STRUCTURE, section.index, 'sections are not in address order');
    }
    image.set(elf.subarray(section.fileOffset, section.fileOffset + section.size), at);
  }
  let bssEnd = imageSize;
  for (const section of sections) {
    if (section.type === TYPE_NOBITS) {
      bssEnd = section.address - I386_PC_KERNEL_LINK_ADDRESS + section.size;
    }
  }
  const bssSize = bssEnd - imageSize;
  if (I386_PC_KERNEL_LINK_ADDRESS + imageSize + Math.max(0, bssSize) > I386_PC_KERNEL_MEMORY_END) {
    throw new FormatError(STRUCTURE, 0, 'the kernel does not fit below 0x68000');
  }
  return { image, bssSize };
}
