// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Probes an ISO for a Fedora LiveOS image (docs/FORMATS.md, "Live ISO layouts by era"), reading metadata only: volume
 * descriptors, directories, the boot catalog, a few small boot configs and squashfs.img's
 * superblock and root listing. This is the edge where every failure becomes a typed
 * LiveStickError: NOT_LIVEOS, SOURCE_CORRUPT or SOURCE_UNREADABLE.
 */
import type { ByteSource } from '../byte-source';
import { asciiField } from '../bytes';
import { FormatError } from '../format-error';
import {
  decodeErofsSuperblock,
  EROFS_SUPER_OFFSET,
  EROFS_SUPERBLOCK_SIZE,
  isErofs,
} from '../formats/erofs';
import { inspectSquashfsRoot, isSquashfs } from '../formats/squashfs';
import { isoFileSource, readIsoFileBytes } from '../iso9660/iso-file-source';
import { readIsoTree, type IsoTree } from '../iso9660/iso-reader';
import type { IsoFile } from '../iso9660/types';
import { FIRST_DESCRIPTOR_SECTOR, SECTOR_SIZE } from '../iso9660/volume-descriptor';
import { LiveStickError } from '../../shared/errors';
import {
  findFile,
  hasDirectory,
  payloadFiles,
  sumSizes,
  type BootConfig,
  type LayoutEra,
  type LiveImage,
  type OverlayKind,
} from './live-image';

/** Boot configs are a few KiB; anything past this is not a boot config. */
const MAX_CONFIG_BYTES = 1024 * 1024;
const MD5_MARKER = 'ISO MD5SUM = ';

export const BOOT_CONFIGS: readonly { path: string; kind: BootConfig['kind'] }[] = [
  { path: '/isolinux/isolinux.cfg', kind: 'isolinux' },
  { path: '/EFI/BOOT/grub.cfg', kind: 'grub' },
  { path: '/EFI/BOOT/BOOT.conf', kind: 'boot-conf' },
  { path: '/boot/grub2/grub.cfg', kind: 'grub' },
  // kiwi: `source /boot/grub2/grub.cfg`, for GRUBs that loop-mount the ISO file.
  { path: '/boot/grub2/loopback.cfg', kind: 'grub' },
];

export async function probeLiveImage(source: ByteSource): Promise<LiveImage> {
  try {
    return await probe(source);
  } catch (error) {
    throw toProbeError(error);
  }
}

async function probe(source: ByteSource): Promise<LiveImage> {
  await requireIso9660(source);
  const tree = await readIsoTree(source);
  const squashfs = findFile(tree.files, '/LiveOS/squashfs.img');
  if (!squashfs) throw notLive('no /LiveOS/squashfs.img');
  const era = detectEra(tree);
  const kernel = findKernel(tree, era);
  const bootConfigs: BootConfig[] = [];
  for (const { path, kind } of BOOT_CONFIGS) {
    const file = findFile(tree.files, path);
    if (file)
      bootConfigs.push({
        path: file.path,
        kind,
        text: utf8.decode(await readIsoFileBytes(source, file, MAX_CONFIG_BYTES)),
      });
  }
  const rootfs = await inspectRootfs(source, squashfs);
  const overlayKinds: OverlayKind[] =
    rootfs.kind === 'nested-ext4' ? ['dm-snapshot', 'overlayfs'] : ['overlayfs'];
  const efibootImg = findFile(tree.files, '/images/efiboot.img');
  const partial = { files: tree.files, kernel, era };
  return {
    label: tree.label,
    era,
    files: tree.files,
    directories: tree.directories,
    bootConfigs,
    kernel,
    squashfs,
    rootfs,
    overlayKinds,
    efi: findFile(tree.files, '/EFI/BOOT/BOOTX64.EFI') !== undefined,
    biosBoot: era === 'isolinux' && findFile(tree.files, '/isolinux/isolinux.bin') !== undefined,
    ...(efibootImg ? { efibootImg } : {}),
    implantedMd5: hasImplantedMd5(tree.applicationUse),
    payloadBytes: sumSizes(payloadFiles(partial)),
    isoBytes: source.size,
  };
}

export function hasImplantedMd5(applicationUse: Uint8Array): boolean {
  return asciiField(applicationUse, 0, applicationUse.length).includes(MD5_MARKER);
}

/** Something that is no ISO at all (a disk image, a zip) is "not a live image", not "corrupt". */
async function requireIso9660(source: ByteSource): Promise<void> {
  const at = FIRST_DESCRIPTOR_SECTOR * SECTOR_SIZE;
  if (source.size < at + SECTOR_SIZE) {
    throw notLive(
      `not an ISO 9660 image: only ${source.size} bytes, no volume descriptor at 32 KiB`,
    );
  }
  const head = await source.read(at, 6);
  if (asciiField(head, 1, 5) !== 'CD001') {
    throw notLive('not an ISO 9660 image: no CD001 volume descriptor at 32 KiB');
  }
}

function detectEra(tree: IsoTree): LayoutEra {
  if (findFile(tree.files, '/isolinux/isolinux.cfg')) return 'isolinux';
  if (
    findFile(tree.files, '/boot/grub2/grub.cfg') &&
    hasDirectory(tree.directories, '/images/pxeboot')
  ) {
    return 'grub2';
  }
  if (kiwiLoaderDirectories(tree).length > 0) return 'kiwi';
  throw notLive(
    'no boot configuration: found neither /isolinux/isolinux.cfg, nor /boot/grub2/grub.cfg with /images/pxeboot, nor /boot/<arch>/loader',
  );
}

/** kiwi puts kernel and initrd in /boot/<arch>/loader (x86_64 first if there are several). */
function kiwiLoaderDirectories(tree: IsoTree): string[] {
  return tree.directories
    .filter((dir) => /^\/boot\/[^/]+\/loader$/i.test(dir))
    .sort((a, b) => Number(!/x86_64/i.test(a)) - Number(!/x86_64/i.test(b)));
}

function findKernel(tree: IsoTree, era: LayoutEra): LiveImage['kernel'] {
  const candidates: [string, string][] =
    era === 'kiwi'
      ? kiwiLoaderDirectories(tree).map((dir) => [`${dir}/linux`, `${dir}/initrd`])
      : [
          ['/images/pxeboot/vmlinuz', '/images/pxeboot/initrd.img'],
          ['/isolinux/vmlinuz', '/isolinux/initrd.img'],
          // livecd-creator (pre-lorax) media
          ['/isolinux/vmlinuz0', '/isolinux/initrd0.img'],
        ];
  for (const [kernelPath, initrdPath] of candidates) {
    const kernel = findFile(tree.files, kernelPath);
    const initrd = findFile(tree.files, initrdPath);
    if (kernel && initrd) return { path: kernel.path, initrdPath: initrd.path };
  }
  throw notLive(
    `no kernel and initrd: looked for ${candidates.map(([k, i]) => `${k} + ${i}`).join(', ')}`,
  );
}

async function inspectRootfs(source: ByteSource, squashfs: IsoFile): Promise<LiveImage['rootfs']> {
  const image = isoFileSource(source, squashfs);
  const headLength = Math.min(image.size, EROFS_SUPER_OFFSET + EROFS_SUPERBLOCK_SIZE);
  const head = await image.read(0, headLength);
  if (isSquashfs(head)) {
    const root = await inspectSquashfsRoot(image);
    if (root.kind === 'nested') {
      return {
        kind: 'nested-ext4',
        rootfsImageBytes: root.rootfsImageBytes,
        compression: root.compression,
      };
    }
    if (root.kind === 'flat') return { kind: 'flat-squashfs', compression: root.compression };
    throw notLive(
      `/LiveOS/squashfs.img holds neither LiveOS/rootfs.img nor a /usr tree (its root has: ${root.rootNames.slice(0, 10).join(', ') || 'nothing'})`,
    );
  }
  if (isErofs(head)) {
    const superblock = decodeErofsSuperblock(head, image.size);
    return superblock.compression.length > 0
      ? { kind: 'erofs', compression: superblock.compression.join(',') }
      : { kind: 'erofs' };
  }
  throw notLive('/LiveOS/squashfs.img is neither a squashfs nor an EROFS image');
}

const utf8 = new TextDecoder('utf-8');

function notLive(what: string): LiveStickError {
  return new LiveStickError('NOT_LIVEOS', `This is not a Fedora LiveOS image: ${what}.`);
}

/** The one place where internal failures become error codes (docs/ARCHITECTURE.md, "Error model"). */
export function toProbeError(error: unknown): LiveStickError {
  if (error instanceof LiveStickError) return error;
  if (error instanceof FormatError) {
    return new LiveStickError('SOURCE_CORRUPT', `The ISO image is damaged: ${error.message}.`, {
      structure: error.structure,
      offset: error.offset,
    });
  }
  const code =
    typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new LiveStickError('SOURCE_UNREADABLE', `The ISO image cannot be read: ${message}`, {
      errno: code,
    });
  }
  if (error instanceof RangeError) {
    // Byte sources reject reads outside the file: some structure points past the end.
    return new LiveStickError('SOURCE_CORRUPT', `The ISO image is damaged: ${message}.`);
  }
  return new LiveStickError('INTERNAL', `Reading the ISO image failed unexpectedly: ${message}`);
}
