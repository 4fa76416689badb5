// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Legacy BIOS boot with the ISO's own GRUB: the installer `grub-install --target=i386-pc` would
 * run, done in the engine from the files of the ISO's /boot/grub2/i386-pc/ (lorax and kiwi copy
 * the build root's whole /usr/lib/grub/i386-pc there), so no host tool is involved and the boot
 * code always matches the modules the stick's GRUB later loads from the same directory.
 *
 * The result is two pieces for the writer: 440 bytes of MBR boot code (boot.img) and core.img's
 * sectors, for the gap between the MBR and the first partition on MBR sticks or for a BIOS boot
 * partition on GPT sticks. core.img finds the FAT32 partition by its UUID and starts GRUB's
 * normal mode on `<prefix>/grub.cfg`; further modules come from `<prefix>/i386-pc/` there.
 */
import { bytesExtent, type Extent } from '../extent';
import { formatFatSerial } from '../fat32/geometry';
import { SECTOR_BYTES } from '../sector';
import { grubBootCode } from './boot-image';
import {
  buildCoreImage,
  coreImageSectors,
  placeCoreImage,
  type CoreImageParts,
} from './core-image';
import { parseModuleDependencies, resolveModuleOrder } from './moddep';
import type { EmbeddedModule } from './module-section';

/** GPT partition type of a BIOS boot partition (GRUB's "Hah!IdontNeedEFI"). */
export const GPT_TYPE_BIOS_BOOT = '21686148-6E64-6E69-614E-656564454649';
/** Where the stick keeps GRUB's files: grub.cfg and the i386-pc module directory. */
export const GRUB_STICK_PREFIX = '/boot/grub2';
/** Where both lorax and kiwi put the i386-pc directory on the ISO. */
export const ISO_I386_PC_DIRECTORY = '/boot/grub2/i386-pc';

export type GrubPartitionTable = 'mbr' | 'gpt';

/**
 * Reads one file of the ISO's i386-pc directory by its plain name ("kernel.img",
 * "normal.mod"); rejects when the file is missing.
 */
export type I386PcFileReader = (name: string) => Promise<Uint8Array>;

export interface I386PcFiles extends CoreImageParts {
  readonly bootImage: Uint8Array;
  /** The modules to embed with their dependencies, in load order. */
  readonly modules: readonly EmbeddedModule[];
}

/**
 * What core.img embeds: enough to read the BIOS disk, its partition table and the FAT32
 * partition, to find that partition by UUID, and GRUB's normal mode, so that even when the
 * search fails the user lands in GRUB's full shell instead of the rescue prompt.
 */
export function grubBiosModuleNames(partitionTable: GrubPartitionTable): string[] {
  const partitionModule = partitionTable === 'gpt' ? 'part_gpt' : 'part_msdos';
  return ['biosdisk', partitionModule, 'fat', 'search_fs_uuid', 'normal'];
}

const SAFE_PREFIX = /^(\/[A-Za-z0-9_.-]+)+$/;

/**
 * The config core.img runs first, the one grub-install writes as load.cfg: find the partition
 * by the FAT volume's UUID (GRUB compares it case-blind), and point `prefix` at it. The kernel
 * then loads `normal`, which reads `$prefix/grub.cfg`.
 */
export function grubEarlyConfig(fatSerial: number, prefix: string = GRUB_STICK_PREFIX): string {
  if (!SAFE_PREFIX.test(prefix)) throw new RangeError(`unsupported GRUB prefix "${prefix}"`);
  return `search.fs_uuid ${formatFatSerial(fatSerial)} root\nset prefix=($root)${prefix}\n`;
}

/** Reads boot.img, diskboot.img, lzma_decompress.img, kernel.img and the modules core.img needs. */
export async function readI386PcFiles(
  readFile: I386PcFileReader,
  moduleNames: readonly string[],
): Promise<I386PcFiles> {
  const [bootImage, diskbootImage, decompressorImage, kernelImage, moddep] = await Promise.all([
    readFile('boot.img'),
    readFile('diskboot.img'),
    readFile('lzma_decompress.img'),
    readFile('kernel.img'),
    readFile('moddep.lst'),
  ]);
  const order = resolveModuleOrder(
    parseModuleDependencies(new TextDecoder().decode(moddep)),
    moduleNames,
  );
  const modules = await Promise.all(
    order.map(async (name) => ({ name, bytes: await readFile(`${name}.mod`) })),
  );
  return { bootImage, diskbootImage, decompressorImage, kernelImage, modules };
}

export interface GrubBiosInstallOptions {
  /** The FAT32 partition's volume serial: its UUID as blkid and GRUB show it. */
  readonly fatSerial: number;
  /** LBA of core.img's first sector: 1 on MBR, the BIOS boot partition's first LBA on GPT. */
  readonly coreSector: number;
  /** Sectors free from `coreSector` on (the gap, or the BIOS boot partition's size). */
  readonly coreAreaSectors: number;
  /** Default GRUB_STICK_PREFIX. */
  readonly prefix?: string;
}

export interface GrubBiosInstall {
  /** MBR bytes 0–439; the disk signature and partition table stay the stick's. */
  readonly bootCode: Uint8Array;
  /** core.img's sectors, to be written at `coreSector`. */
  readonly coreExtent: Extent;
  /** core.img's size before padding to whole sectors. */
  readonly coreImageBytes: number;
  readonly coreSectors: number;
  /** The embedded modules in load order. */
  readonly modules: readonly string[];
}

/** Builds boot code and core.img for a stick whose GRUB files sit on the FAT32 partition. */
export function buildGrubBiosInstall(
  files: I386PcFiles,
  options: GrubBiosInstallOptions,
): GrubBiosInstall {
  const prefix = options.prefix ?? GRUB_STICK_PREFIX;
  const core = buildCoreImage(files, {
    modules: files.modules,
    config: grubEarlyConfig(options.fatSerial, prefix),
    prefix,
  });
  const placed = placeCoreImage(core.bytes, {
    firstSector: options.coreSector,
    areaSectors: options.coreAreaSectors,
  });
  return {
    bootCode: grubBootCode(files.bootImage, options.coreSector),
    coreExtent: bytesExtent(options.coreSector * SECTOR_BYTES, placed, 'GRUB core.img'),
    coreImageBytes: core.bytes.length,
    coreSectors: coreImageSectors(core.bytes),
    modules: files.modules.map((module) => module.name),
  };
}
