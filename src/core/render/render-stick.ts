// SPDX-License-Identifier: GPL-3.0-or-later
import { LiveStickError } from '../../shared/errors';
import { MiB } from '../../shared/units';
import { bytesExtent, shiftExtents, sortAndCheckExtents, type Extent } from '../extent';
import type { LiveStickCrypto } from '../crypto-provider';
import { planHomeImage, planOverlayfsImage } from '../ext4/image-plan';
import { formatFatSerial } from '../fat32/geometry';
import { planFat32Volume, type FatFileSpec, type PlannedFile } from '../fat32/volume-plan';
import { planFreshOverlay } from '../formats/dm-snapshot';
import { planLuks1Container } from '../luks1/container';
import { planPartitionTable } from '../formats/partition-table';
import { planSwapFile } from '../formats/swap';
import {
  rewriteGrubConfig,
  rewriteSyslinuxConfig,
  type BootRewriteContext,
} from '../liveos/boot-config';
import { payloadFiles, type BootConfig, type LiveImage } from '../liveos/live-image';
import type { Layout } from '../plan/planner';
import { directoriesOf, isoFileContent, overlayFileName, stickPath } from './stick-files';

/**
 * Turns a planned layout into the extent plan of the whole target: partition table, FAT32
 * volume, the ISO's files, rewritten boot configs, and the persistence files — metadata only for
 * the overlay, home and swap unless zero-fill is asked for. Pure apart from the injected
 * randomness and crypto, so every byte is reproducible in tests.
 */
export interface BiosBootFiles {
  /** syslinux's mbr.bin (or gptmbr.bin on GPT): the first 440 bytes of the disk. */
  readonly mbrCode: Uint8Array;
  /** The installer's own .c32 modules, which replace the ISO's copies (litd does the same). */
  readonly modules: ReadonlyMap<string, Uint8Array>;
}

export interface RenderOptions {
  readonly image: LiveImage;
  readonly layout: Layout;
  readonly serial: number;
  readonly random: (length: number) => Uint8Array;
  readonly createdAt: Date;
  readonly zeroFill: boolean;
  readonly crypto: LiveStickCrypto;
  readonly homePassphrase?: Uint8Array;
  readonly pbkdf2Iterations: number;
  /** Present when a syslinux installer will run after the write (isolinux-era images only). */
  readonly biosBoot?: BiosBootFiles;
  readonly persistenceMenu: boolean;
}

export interface RenderedStick {
  /** Absolute, sorted, non-overlapping. */
  readonly extents: readonly Extent[];
  /** Ranges zeroed before anything else: stale signatures at both ends of the disk. */
  readonly wipe: readonly { readonly offset: number; readonly length: number }[];
  readonly label: string;
  readonly uuid: string;
  readonly overlayPath: string | null;
  readonly partitionStartBytes: number;
  readonly partitionBytes: number;
  readonly files: readonly PlannedFile[];
  /** Free space of the planned volume (before any BIOS loader adds its files). */
  readonly freeBytes: number;
}

const WIPE_BYTES = MiB;
const encoder = new TextEncoder();

function textFile(path: string, text: string): FatFileSpec {
  const data = encoder.encode(text);
  return { path, size: data.length, content: [bytesExtent(0, data, path)] };
}

function bootContext(options: RenderOptions, uuid: string): BootRewriteContext {
  const { image, layout } = options;
  return {
    uuid,
    isoLabel: image.label,
    overlay: layout.overlayKind,
    partitionTable: layout.partitionTable,
    kernelPaths: {
      kernel: stickPath(image.kernel.path),
      initrd: stickPath(image.kernel.initrdPath),
    },
    persistenceMenu: options.persistenceMenu,
  };
}

/** One of the ISO's boot configs as the stick carries it. */
export interface StickBootConfig {
  /** Where the ISO has it. */
  readonly isoPath: string;
  /** Where the stick has it. */
  readonly path: string;
  readonly text: string;
}

/**
 * The ISO's boot configs rewritten for the stick. /EFI/BOOT configs are read by EFI GRUB only.
 * /boot/grub2 ones are rewritten for BIOS GRUB, which turns `linuxefi` into `linux`; kiwi's EFI
 * stub (`configfile ($root)/boot/grub2/grub.cfg`) has EFI GRUB read them too, and kiwi writes
 * plain `linux`/`initrd`, which both have.
 */
export function stickBootConfigs(
  configs: readonly BootConfig[],
  ctx: BootRewriteContext,
): StickBootConfig[] {
  return configs.map((config) => {
    if (config.kind === 'isolinux') {
      return {
        isoPath: config.path,
        path: '/syslinux/syslinux.cfg',
        text: rewriteSyslinuxConfig(config.text, ctx),
      };
    }
    const efi = config.path.toUpperCase().startsWith('/EFI/BOOT/');
    return {
      isoPath: config.path,
      path: stickPath(config.path),
      text: rewriteGrubConfig(config.text, ctx, { efi }),
    };
  });
}

function configFiles(options: RenderOptions, ctx: BootRewriteContext): Map<string, FatFileSpec> {
  return new Map(
    stickBootConfigs(options.image.bootConfigs, ctx).map((config) => [
      config.isoPath,
      textFile(config.path, config.text),
    ]),
  );
}

async function homeFile(
  options: RenderOptions,
  path: string,
  sizeBytes: number,
): Promise<FatFileSpec> {
  const { random, createdAt, layout } = options;
  const created = Math.floor(createdAt.getTime() / 1000);
  if (!layout.home.encrypted) {
    const plan = planHomeImage({
      sizeBytes,
      uuid: random(16),
      hashSeed: random(16),
      createdAt: created,
    });
    return { path, size: sizeBytes, content: plan.extents };
  }
  if (!options.homePassphrase || options.homePassphrase.length === 0) {
    throw new LiveStickError('INTERNAL', 'An encrypted home needs a passphrase.');
  }
  const container = await planLuks1Container({
    containerBytes: sizeBytes,
    plaintextPlan: (payloadBytes: number) =>
      planHomeImage({
        sizeBytes: payloadBytes,
        uuid: random(16),
        hashSeed: random(16),
        createdAt: created,
      }).extents,
    passphrase: options.homePassphrase,
    iterations: options.pbkdf2Iterations,
    crypto: options.crypto,
    random,
  });
  return { path, size: sizeBytes, content: container.extents };
}

export async function renderStick(options: RenderOptions): Promise<RenderedStick> {
  const { image, layout, random } = options;
  const uuid = formatFatSerial(options.serial);
  const ctx = bootContext(options, uuid);
  const configs = configFiles(options, ctx);
  const files: FatFileSpec[] = [];
  for (const file of payloadFiles(image)) {
    const config = configs.get(file.path);
    if (config) {
      files.push(config);
      continue;
    }
    const path = stickPath(file.path);
    const name = path.slice(path.lastIndexOf('/') + 1);
    const hostModule = path.startsWith('/syslinux/')
      ? options.biosBoot?.modules.get(name)
      : undefined;
    files.push(
      hostModule
        ? { path, size: hostModule.length, content: [bytesExtent(0, hostModule, `host ${name}`)] }
        : { path, size: file.size, content: isoFileContent(file) },
    );
  }

  let overlayPath: string | null = null;
  if (layout.overlayKind !== 'none' && layout.overlayBytes > 0) {
    overlayPath = `/LiveOS/${overlayFileName(layout.label, uuid)}`;
    const content =
      layout.overlayKind === 'dm-snapshot'
        ? planFreshOverlay({ sizeBytes: layout.overlayBytes, zeroFill: options.zeroFill })
        : planOverlayfsImage({
            sizeBytes: layout.overlayBytes,
            uuid: random(16),
            hashSeed: random(16),
            createdAt: Math.floor(options.createdAt.getTime() / 1000),
          }).extents;
    files.push({ path: overlayPath, size: layout.overlayBytes, content });
  }
  if (layout.homeBytes > 0)
    files.push(await homeFile(options, '/LiveOS/home.img', layout.homeBytes));
  if (layout.swapBytes > 0) {
    files.push({
      path: '/LiveOS/swap.img',
      size: layout.swapBytes,
      content: planSwapFile({
        sizeBytes: layout.swapBytes,
        uuid: random(16),
        zeroFill: options.zeroFill,
      }),
    });
  }

  const volume = planFat32Volume({
    volumeBytes: layout.partitionBytes,
    label: layout.label,
    serial: options.serial,
    files,
    directories: directoriesOf(files.map((file) => file.path)),
    clusterBytes: layout.clusterBytes,
    partitionStartBytes: layout.partitionStartBytes,
    createdAt: options.createdAt,
  });
  const table = planPartitionTable({
    scheme: layout.partitionTable,
    diskBytes: layout.targetBytes,
    partitionStartBytes: layout.partitionStartBytes,
    partitionBytes: layout.partitionBytes,
    label: layout.label,
    random,
    biosBootable: options.biosBoot !== undefined,
    ...(options.biosBoot ? { bootCode: options.biosBoot.mbrCode } : {}),
  });
  const extents = sortAndCheckExtents([
    ...table.extents,
    ...shiftExtents(volume.extents, layout.partitionStartBytes),
  ]);
  return {
    extents,
    wipe: [
      { offset: 0, length: WIPE_BYTES },
      { offset: layout.targetBytes - WIPE_BYTES, length: WIPE_BYTES },
    ],
    label: layout.label,
    uuid,
    overlayPath,
    partitionStartBytes: layout.partitionStartBytes,
    partitionBytes: layout.partitionBytes,
    files: volume.files,
    freeBytes: volume.freeBytes,
  };
}
