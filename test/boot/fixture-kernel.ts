import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './fixtures';

/**
 * What a fixture ISO's kernel can do, read from the ISO itself: the kernel's version (from the
 * bzImage setup header) and which of the drivers a QEMU USB-stick boot needs its initramfs holds,
 * as modules or built in. A kernel without USB (a cloud flavour) otherwise shows up only as a
 * boot that stalls until the harness gives up.
 */
export interface FixtureKernel {
  readonly version: string;
  /** Required drivers that are neither a module in the initramfs nor built into the kernel. */
  readonly missingDrivers: readonly string[];
}

/**
 * Drivers without which the guest cannot see or mount the stick, or the root image of every era
 * (EROFS), or the data partition of large-persistence sticks (exFAT).
 */
export const REQUIRED_DRIVERS = [
  'xhci_hcd',
  'xhci_pci',
  'usb_storage',
  'sd_mod',
  'vfat',
  'squashfs',
  'loop',
  'dm_snapshot',
  'overlay',
  'ext4',
  'erofs',
  'exfat',
] as const;

/** bzImage setup header (the kernel's boot protocol, Documentation/arch/x86/boot.rst). */
const SETUP_HEADER_OFFSET = 0x200;
const KERNEL_VERSION_POINTER = 0x20e;

export function bzImageVersion(bzImage: Uint8Array): string {
  const view = new DataView(bzImage.buffer, bzImage.byteOffset, bzImage.byteLength);
  if (bzImage.length < KERNEL_VERSION_POINTER + 2 || view.getUint32(0x202, true) !== 0x53726448) {
    throw new Error('not a bzImage: no "HdrS" setup header signature at 0x202');
  }
  const start = view.getUint16(KERNEL_VERSION_POINTER, true) + SETUP_HEADER_OFFSET;
  const end = bzImage.indexOf(0, start);
  const text = Buffer.from(bzImage.subarray(start, end < 0 ? undefined : end)).toString('latin1');
  const version = text.split(' ')[0];
  if (!version) throw new Error('the bzImage has an empty kernel version string');
  return version;
}

const normalise = (name: string) => name.replace(/-/g, '_');

export async function inspectFixtureKernel(
  iso: string,
  paths: { kernel: string; initrd: string },
): Promise<FixtureKernel> {
  const dir = await mkdtemp(join(tmpdir(), 'livestick-kernel-'));
  try {
    const vmlinuz = join(dir, 'vmlinuz');
    const initrd = join(dir, 'initrd');
    await run('xorriso', [
      '-osirrox',
      'on',
      '-indev',
      iso,
      '-extract',
      paths.kernel,
      vmlinuz,
      '-extract',
      paths.initrd,
      initrd,
    ]);
    const version = bzImageVersion(await readFile(vmlinuz));
    const listing = await run('lsinitrd', [initrd]);
    const present = new Set<string>();
    for (const m of listing.matchAll(
      /\/modules\/[^/\s]+\/\S*\/([^/\s]+)\.ko(?:\.(?:xz|zst|gz))?$/gm,
    ))
      present.add(normalise(m[1]!));
    const builtinPath = /\S*\/modules\/[^/\s]+\/modules\.builtin$/m.exec(listing)?.[0];
    if (builtinPath !== undefined) {
      const builtin = await run('lsinitrd', ['-f', builtinPath, initrd]);
      for (const m of builtin.matchAll(/([^/\s]+)\.ko$/gm)) present.add(normalise(m[1]!));
    }
    return { version, missingDrivers: REQUIRED_DRIVERS.filter((d) => !present.has(d)) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
