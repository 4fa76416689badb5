// SPDX-License-Identifier: GPL-3.0-or-later
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { LiveStickError } from '../shared/errors';
import { BACKUP_BOOT_SECTOR } from '../core/fat32/geometry';
import type { BiosBootFiles } from '../core/render/render-stick';
import { SECTOR_BYTES } from '../core/sector';

/**
 * Legacy BIOS boot the way livecd-iso-to-disk does it: syslinux's MBR code, the installer's own
 * .c32 modules in /syslinux, then its installer patching the FAT boot sector and writing
 * ldlinux.sys. Only where a syslinux installer exists (Linux distributions ship one); elsewhere
 * the stick is UEFI-only and says so.
 */
const MODULE_DIRS = ['/usr/lib/syslinux/modules/bios', '/usr/share/syslinux', '/usr/lib/syslinux'];
const MBR_DIRS = [
  '/usr/lib/syslinux/mbr',
  '/usr/share/syslinux',
  '/usr/lib/SYSLINUX',
  '/usr/lib/syslinux',
];
const INSTALLERS = ['/usr/bin/syslinux', '/usr/sbin/syslinux', '/bin/syslinux'];
/** Installed copies must match ldlinux.c32; these are the ones Fedora menus load. */
const MODULES = [
  'ldlinux.c32',
  'libcom32.c32',
  'libutil.c32',
  'vesamenu.c32',
  'menu.c32',
  'chain.c32',
];
const MBR_CODE_BYTES = 440;

export interface SyslinuxInstaller {
  readonly installer: string;
  readonly files: BiosBootFiles;
}

function firstExisting(dirs: readonly string[], name: string): string | null {
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export async function findSyslinux(scheme: 'mbr' | 'gpt'): Promise<SyslinuxInstaller | null> {
  if (process.platform !== 'linux') return null;
  const installer = INSTALLERS.find((candidate) => existsSync(candidate));
  const mbr = firstExisting(MBR_DIRS, scheme === 'gpt' ? 'gptmbr.bin' : 'mbr.bin');
  const moduleDir = MODULE_DIRS.find((dir) => existsSync(path.join(dir, 'ldlinux.c32')));
  if (!installer || !mbr || !moduleDir) return null;
  const mbrBytes = await readFile(mbr);
  if (mbrBytes.length > MBR_CODE_BYTES) {
    throw new LiveStickError(
      'INTERNAL',
      `${mbr} is ${mbrBytes.length} bytes; MBR boot code is at most 440.`,
    );
  }
  const present = new Set(await readdir(moduleDir));
  const modules = new Map<string, Uint8Array>();
  for (const name of MODULES) {
    if (present.has(name))
      modules.set(name, new Uint8Array(await readFile(path.join(moduleDir, name))));
  }
  return { installer, files: { mbrCode: new Uint8Array(mbrBytes), modules } };
}

/**
 * Runs the installer on the (closed) target; the FAT volume starts at `partitionStartBytes`.
 * The installer patches only the primary boot sector, so the backup copy is refreshed after it:
 * fsck.fat (and Windows' chkdsk) would otherwise report the two as different.
 */
export async function installSyslinux(
  installer: SyslinuxInstaller,
  target: string,
  partitionStartBytes: number,
): Promise<void> {
  const args = [
    '--offset',
    String(partitionStartBytes),
    '--directory',
    '/syslinux',
    '--install',
    target,
  ];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(installer.installer, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            new LiveStickError(
              'MEDIA_ERROR',
              `The syslinux installer failed (exit ${code}): ${stderr.trim()}`,
            ),
          ),
    );
  });
  const handle = await open(target, 'r+');
  try {
    const boot = new Uint8Array(SECTOR_BYTES);
    await handle.read(boot, 0, SECTOR_BYTES, partitionStartBytes);
    await handle.write(
      boot,
      0,
      SECTOR_BYTES,
      partitionStartBytes + BACKUP_BOOT_SECTOR * SECTOR_BYTES,
    );
    await handle.sync();
  } finally {
    await handle.close();
  }
}
