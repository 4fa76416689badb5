// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * lzma_decompress.img, the code diskboot.img jumps to: it switches to protected mode and
 * unpacks the LZMA stream that follows it to 1 MiB, then starts the kernel from there. Its
 * header carries the sizes grub-mkimage fills in and the Reed-Solomon fields grub-bios-setup
 * may fill in (include/grub/offsets.h, grub-core/boot/i386/pc/startup_raw.S).
 */
import { setU32le, u16le, u32le } from '../bytes';
import { FormatError } from '../format-error';

export const OFFSET_COMPRESSED_SIZE = 0x08;
export const OFFSET_UNCOMPRESSED_SIZE = 0x0c;
export const OFFSET_REED_SOLOMON_REDUNDANCY = 0x10;
export const OFFSET_NO_REED_SOLOMON_LENGTH = 0x14;
/** The decompressor runs at 0x8200 and must end before the kernel's link address 0x9000. */
export const MAX_DECOMPRESSOR_SIZE = 0x9000 - 0x8200;
const HEADER_SIZE = 0x1c;
/** `ljmp` opcode: the image starts by jumping over its header. */
const FAR_JUMP = 0xea;

const STRUCTURE = 'GRUB lzma_decompress.img';

export interface DecompressorFields {
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** Bytes of Reed-Solomon parity after core.img; 0 when none was added. */
  readonly reedSolomonRedundancy: number;
}

export function checkDecompressorImage(image: Uint8Array): void {
  if (image.length < HEADER_SIZE || image.length > MAX_DECOMPRESSOR_SIZE) {
    throw new FormatError(
      STRUCTURE,
      0,
      `${image.length} bytes, expected ${HEADER_SIZE}–${MAX_DECOMPRESSOR_SIZE}`,
    );
  }
  if (image[0] !== FAR_JUMP) {
    throw new FormatError(STRUCTURE, 0, `starts with 0x${image[0]!.toString(16)}, not ljmp`);
  }
  // grub-bios-setup refuses this value as "core.img version mismatch".
  if (u16le(image, OFFSET_NO_REED_SOLOMON_LENGTH) === 0xffff) {
    throw new FormatError(STRUCTURE, OFFSET_NO_REED_SOLOMON_LENGTH, 'no Reed-Solomon length');
  }
}

export function decodeDecompressorFields(image: Uint8Array): DecompressorFields {
  checkDecompressorImage(image);
  return {
    compressedSize: u32le(image, OFFSET_COMPRESSED_SIZE),
    uncompressedSize: u32le(image, OFFSET_UNCOMPRESSED_SIZE),
    reedSolomonRedundancy: u32le(image, OFFSET_REED_SOLOMON_REDUNDANCY),
  };
}

/** A copy of the image with both sizes set, as grub-mkimage writes it. */
export function patchDecompressorImage(
  image: Uint8Array,
  sizes: { readonly compressedSize: number; readonly uncompressedSize: number },
): Uint8Array {
  checkDecompressorImage(image);
  const patched = image.slice();
  setU32le(patched, OFFSET_COMPRESSED_SIZE, sizes.compressedSize);
  setU32le(patched, OFFSET_UNCOMPRESSED_SIZE, sizes.uncompressedSize);
  return patched;
}
