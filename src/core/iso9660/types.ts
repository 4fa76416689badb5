// SPDX-License-Identifier: GPL-3.0-or-later
/** What the ISO reader hands to the LiveOS model and the writer. */

/** A byte range of the ISO holding (part of) a file's data. */
export interface IsoExtent {
  readonly offset: number;
  readonly length: number;
}

export interface IsoFile {
  /** Absolute path with its real (Rock Ridge or Joliet) case, e.g. '/EFI/BOOT/grub.cfg'. */
  readonly path: string;
  readonly size: number;
  /** In file order; several for multi-extent files (≥ 4 GiB), none for empty files. */
  readonly extents: readonly IsoExtent[];
}

export interface IsoSymlink {
  readonly path: string;
  readonly target: string;
}

export type BootPlatform = 'bios' | 'efi' | 'other';

export interface IsoBootImage {
  readonly platform: BootPlatform;
  readonly platformId: number;
  readonly bootable: boolean;
  readonly noEmulation: boolean;
  /** Byte offset of the boot image in the ISO. */
  readonly offset: number;
  /** Loaded 512-byte sectors as recorded (EFI images often record 0 or a truncated count). */
  readonly sectorCount: number;
  /** The file whose data starts at `offset`, or null (hidden or appended-partition images). */
  readonly path: string | null;
}

/** Where the reader took names from: Rock Ridge, else Joliet, else plain ISO 9660 (upper case). */
export type NameSource = 'rock-ridge' | 'joliet' | 'iso9660';
