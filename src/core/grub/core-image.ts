// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * core.img for i386-pc, assembled as `grub-mkimage -O i386-pc` does (GRUB's util/mkimage.c):
 *
 *   diskboot.img (1 sector) | lzma_decompress.img | LZMA( kernel image | module section )
 *
 * then placed as grub-bios-setup places it in an embedding area (GRUB's util/setup.c): padded to
 * whole sectors in consecutive sectors, diskboot.img's block list pointing at them. No
 * Reed-Solomon parity is added (grub-install --no-rs-codes): it only repairs a core.img that
 * other software overwrote, and the stick's gap belongs to LiveStick alone.
 */
import { LiveStickError, shortfall } from '../../shared/errors';
import { concatBytes, setU32le } from '../bytes';
import { lzmaAloneDecompress } from '../formats/lzma';
import { SECTOR_BYTES } from '../sector';
import { FormatError } from '../format-error';
import {
  OFFSET_COMPRESSED_SIZE,
  OFFSET_UNCOMPRESSED_SIZE,
  decodeDecompressorFields,
  patchDecompressorImage,
  type DecompressorFields,
} from './decompressor-image';
import {
  DISKBOOT_SIZE,
  checkDiskbootImage,
  decodeFirstBlocklist,
  setBlocklistLength,
  setBlocklistStart,
  type BlocklistEntry,
} from './diskboot-image';
import { I386_PC_KERNEL_LINK_ADDRESS, layoutKernelImage } from './kernel-image';
import {
  GRUB_LZMA_DICTIONARY_SIZE,
  GRUB_LZMA_LC,
  GRUB_LZMA_LP,
  GRUB_LZMA_PB,
  encodeLzmaRaw,
} from './lzma-encoder';
import { encodeModuleSection, type ModuleSectionContents } from './module-section';

/** core.img after diskboot.img is loaded from 0x8200 on and must end below 0x78000. */
const CORE_MEMORY_END = 0x78000;

export interface CoreImageParts {
  readonly diskbootImage: Uint8Array;
  readonly decompressorImage: Uint8Array;
  /** kernel.img as shipped: the ELF file. */
  readonly kernelImage: Uint8Array;
}

export interface CoreImage {
  /** The file grub-mkimage would write: not padded, block list start still diskboot.img's own. */
  readonly bytes: Uint8Array;
  /** What the decompressor unpacks: the kernel's flat image and the module section. */
  readonly payload: Uint8Array;
  readonly compressedSize: number;
}

export function buildCoreImage(parts: CoreImageParts, contents: ModuleSectionContents): CoreImage {
  checkDiskbootImage(parts.diskbootImage);
  const kernel = layoutKernelImage(parts.kernelImage);
  const payload = concatBytes([kernel.image, encodeModuleSection(contents)]);
  const compressed = encodeLzmaRaw(payload);
  const decompressor = patchDecompressorImage(parts.decompressorImage, {
    compressedSize: compressed.length,
    uncompressedSize: payload.length,
  });
  const afterDiskboot = decompressor.length + compressed.length;
  if (I386_PC_KERNEL_LINK_ADDRESS + afterDiskboot > CORE_MEMORY_END) {
    throw new RangeError(
      `core.img is ${afterDiskboot} bytes after diskboot.img; at most ${CORE_MEMORY_END - I386_PC_KERNEL_LINK_ADDRESS} fit in memory`,
    );
  }
  const diskboot = parts.diskbootImage.slice();
  setBlocklistLength(diskboot, Math.ceil(afterDiskboot / SECTOR_BYTES));
  return {
    bytes: concatBytes([diskboot, decompressor, compressed]),
    payload,
    compressedSize: compressed.length,
  };
}

export function coreImageSectors(core: Uint8Array): number {
  return Math.ceil(core.length / SECTOR_BYTES);
}

/**
 * The sectors to write at `firstSector` (LBA) of a disk, which has `areaSectors` free from there
 * on: core.img zero-padded to whole sectors, its block list pointing at the sectors after
 * diskboot.img. boot.img must then load `firstSector` (grubBootCode).
 */
export function placeCoreImage(
  core: Uint8Array,
  location: { readonly firstSector: number; readonly areaSectors: number },
): Uint8Array {
  const sectors = coreImageSectors(core);
  if (sectors > location.areaSectors) {
    throw new LiveStickError(
      'DOES_NOT_FIT',
      `GRUB's core.img needs ${sectors} sectors; the area at sector ${location.firstSector} has ${location.areaSectors}.`,
      shortfall(sectors * SECTOR_BYTES, location.areaSectors * SECTOR_BYTES),
    );
  }
  const placed = new Uint8Array(sectors * SECTOR_BYTES);
  placed.set(core);
  const diskboot = placed.subarray(0, DISKBOOT_SIZE);
  if (decodeFirstBlocklist(diskboot).sectorCount !== sectors - 1) {
    throw new FormatError('GRUB core.img', 0, 'block list length does not match the image size');
  }
  setBlocklistStart(diskboot, location.firstSector + 1);
  return placed;
}

export interface UnpackedCoreImage {
  readonly blocklist: BlocklistEntry;
  readonly decompressor: DecompressorFields;
  readonly payload: Uint8Array;
}

/** The 13-byte ".lzma" header the stream lacks: core.img's stream is raw (see lzma-encoder.ts). */
function lzmaAloneHeader(uncompressedSize: number): Uint8Array {
  const header = new Uint8Array(13);
  header[0] = (GRUB_LZMA_PB * 5 + GRUB_LZMA_LP) * 9 + GRUB_LZMA_LC;
  setU32le(header, 1, GRUB_LZMA_DICTIONARY_SIZE);
  setU32le(header, 5, uncompressedSize);
  return header;
}

/**
 * Reads a core.img (as written by grub-mkimage or by buildCoreImage, padded or not) back into
 * its fields and its unpacked payload. `decompressorSize` is the size of the lzma_decompress.img
 * it was built with: nothing in core.img records where the decompressor ends.
 */
export function unpackCoreImage(core: Uint8Array, decompressorSize: number): UnpackedCoreImage {
  if (core.length < DISKBOOT_SIZE + decompressorSize) {
    throw new FormatError('GRUB core.img', 0, `${core.length} bytes is too short`);
  }
  const blocklist = decodeFirstBlocklist(core.subarray(0, DISKBOOT_SIZE));
  const decompressorImage = core.subarray(DISKBOOT_SIZE, DISKBOOT_SIZE + decompressorSize);
  const decompressor = decodeDecompressorFields(decompressorImage);
  const streamStart = DISKBOOT_SIZE + decompressorSize;
  if (streamStart + decompressor.compressedSize > core.length) {
    throw new FormatError(
      'GRUB core.img',
      DISKBOOT_SIZE + OFFSET_COMPRESSED_SIZE,
      `compressed size ${decompressor.compressedSize} runs past the image`,
    );
  }
  const stream = core.subarray(streamStart, streamStart + decompressor.compressedSize);
  const payload = lzmaAloneDecompress(
    concatBytes([lzmaAloneHeader(decompressor.uncompressedSize), stream]),
    decompressor.uncompressedSize,
  );
  if (payload.length !== decompressor.uncompressedSize) {
    throw new FormatError(
      'GRUB core.img',
      DISKBOOT_SIZE + OFFSET_UNCOMPRESSED_SIZE,
      `stream ends after ${payload.length} of ${decompressor.uncompressedSize} bytes`,
    );
  }
  return { blocklist, decompressor, payload };
}
