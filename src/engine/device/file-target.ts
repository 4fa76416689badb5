// SPDX-License-Identifier: GPL-3.0-or-later
import type { BigIntStats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { LiveStickError } from '../../shared/errors';

export const refuse = (message: string): never => {
  throw new LiveStickError('TARGET_REFUSED', message);
};

/** A path that is not a disk device of the OS: an image file, or something that must be refused. */
export type PathCheck =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'special'; readonly path: string; readonly stat: BigIntStats };

/**
 * The part of the target checks that is the same on every OS: an image file may be created, must
 * not be the image being written, and anything else that exists and is not a regular file is
 * for the OS's own rules (a Linux block device) or refused. `devicePrefix` is where the OS keeps
 * device nodes: a missing path there is a device that is gone, not a file to create.
 */
export async function checkPathTarget(
  target: string,
  imagePath: string,
  options: { readonly devicePrefix: string | null },
): Promise<PathCheck> {
  const resolved = await realpath(target).catch(() => null);
  if (resolved === null) {
    if (options.devicePrefix !== null && target.startsWith(options.devicePrefix)) {
      refuse(`${target} does not exist.`);
    }
    return { kind: 'file', path: target };
  }
  const targetStat = await stat(resolved, { bigint: true });
  if (!targetStat.isFile()) return { kind: 'special', path: resolved, stat: targetStat };
  const imageStat = imagePath ? await stat(imagePath, { bigint: true }).catch(() => null) : null;
  if (imageStat && imageStat.dev === targetStat.dev && imageStat.ino === targetStat.ino) {
    refuse(`${target} is the image itself.`);
  }
  return { kind: 'file', path: resolved };
}

/** Reading is harmless: inspection needs only an existing regular file. */
export async function checkReadablePath(target: string): Promise<PathCheck> {
  const resolved = await realpath(target).catch(() => refuse(`${target} does not exist.`));
  const targetStat = await stat(resolved, { bigint: true });
  return targetStat.isFile()
    ? { kind: 'file', path: resolved }
    : { kind: 'special', path: resolved, stat: targetStat };
}

export function neitherDiskNorFile(target: string): never {
  return refuse(`${target} is neither a disk nor a regular file.`);
}
