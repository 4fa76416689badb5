// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The module section GRUB's i386-pc kernel finds right after its own image in memory: a
 * `grub_module_info32` header (magic "mimg", offset of the first object, total size), then
 * objects, each an 8-byte header (type, size including the header) and its bytes padded to 4.
 * grub-mkimage writes the ELF modules first, then the embedded config (NUL-terminated), then the
 * prefix (include/grub/kernel.h; the order is util/mkimage.c's).
 */
import { asciiBytes, setU32le, u32le } from '../bytes';
import { FormatError } from '../format-error';

export const MODULE_INFO_MAGIC = 0x676d696d;
export const MODULE_INFO_SIZE = 12;
export const MODULE_HEADER_SIZE = 8;
const OFFSET_INFO_MAGIC = 0;
const OFFSET_INFO_OFFSET = 4;
const OFFSET_INFO_SIZE = 8;
const OFFSET_HEADER_TYPE = 0;
const OFFSET_HEADER_SIZE = 4;
/** Objects are padded to the target's pointer size. */
const ALIGN = 4;

export const OBJECT_TYPE_ELF = 0;
export const OBJECT_TYPE_CONFIG = 2;
export const OBJECT_TYPE_PREFIX = 3;

const STRUCTURE = 'GRUB module section';

export interface EmbeddedModule {
  readonly name: string;
  /** The .mod file as is (an ELF relocatable object). */
  readonly bytes: Uint8Array;
}

export interface ModuleSectionContents {
  /** In load order: dependencies before the modules that need them. */
  readonly modules: readonly EmbeddedModule[];
  /** The early config, run by the kernel before it loads `normal`. */
  readonly config?: string;
  /** `prefix` as the kernel starts with it (a path, optionally with a device). */
  readonly prefix: string;
}

export interface ModuleObject {
  readonly type: number;
  /** The object's bytes without the header, padding included. */
  readonly bytes: Uint8Array;
}

const alignUp = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

function withTerminator(text: string, what: string): Uint8Array {
  const bytes = asciiBytes(text);
  if (bytes.includes(0)) throw new RangeError(`the ${what} contains a NUL byte`);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

export function encodeModuleSection(contents: ModuleSectionContents): Uint8Array {
  const objects: { type: number; bytes: Uint8Array }[] = contents.modules.map((module) => {
    if (module.bytes.length < 4 || u32le(module.bytes, 0) !== 0x464c457f) {
      throw new FormatError(`GRUB module ${module.name}.mod`, 0, 'no ELF magic 7F 45 4C 46');
    }
    return { type: OBJECT_TYPE_ELF, bytes: module.bytes };
  });
  if (contents.config !== undefined) {
    objects.push({ type: OBJECT_TYPE_CONFIG, bytes: withTerminator(contents.config, 'config') });
  }
  objects.push({ type: OBJECT_TYPE_PREFIX, bytes: withTerminator(contents.prefix, 'prefix') });
  const total = objects.reduce(
    (sum, object) => sum + MODULE_HEADER_SIZE + alignUp(object.bytes.length),
    MODULE_INFO_SIZE,
  );
  const section = new Uint8Array(total);
  setU32le(section, OFFSET_INFO_MAGIC, MODULE_INFO_MAGIC);
  setU32le(section, OFFSET_INFO_OFFSET, MODULE_INFO_SIZE);
  setU32le(section, OFFSET_INFO_SIZE, total);
  let at = MODULE_INFO_SIZE;
  for (const object of objects) {
    const padded = alignUp(object.bytes.length);
    setU32le(section, at + OFFSET_HEADER_TYPE, object.type);
    setU32le(section, at + OFFSET_HEADER_SIZE, MODULE_HEADER_SIZE + padded);
    section.set(object.bytes, at + MODULE_HEADER_SIZE);
    at += MODULE_HEADER_SIZE + padded;
  }
  return section;
}

/** Splits a module section back into its objects (for tests and for reading a stick's core). */
export function decodeModuleSection(section: Uint8Array): ModuleObject[] {
  if (section.length < MODULE_INFO_SIZE) {
    throw new FormatError(STRUCTURE, 0, `${section.length} bytes is shorter than its header`);
  }
  const magic = u32le(section, OFFSET_INFO_MAGIC);
  if (magic !== MODULE_INFO_MAGIC) {
    throw new FormatError(STRUCTURE, 0, `magic 0x${magic.toString(16)}, expected 0x676d696d`);
  }
  const first = u32le(section, OFFSET_INFO_OFFSET);
  const total = u32le(section, OFFSET_INFO_SIZE);
  if (total > section.length || first < MODULE_INFO_SIZE || first > total) {
    throw new FormatError(STRUCTURE, OFFSET_INFO_SIZE, `size ${total} or offset ${first} is off`);
  }
  const objects: ModuleObject[] = [];
  let at = first;
  while (at < total) {
    if (at + MODULE_HEADER_SIZE > total) {
      throw new FormatError(STRUCTURE, at, 'object header runs past the section');
    }
    const size = u32le(section, at + OFFSET_HEADER_SIZE);
    if (size < MODULE_HEADER_SIZE || at + size > total) {
      throw new FormatError(STRUCTURE, at + OFFSET_HEADER_SIZE, `object size ${size}`);
    }
    objects.push({
      type: u32le(section, at + OFFSET_HEADER_TYPE),
      bytes: section.subarray(at + MODULE_HEADER_SIZE, at + size),
    });
    at += alignUp(size);
  }
  return objects;
}
