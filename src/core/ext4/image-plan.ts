// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The two ext4 images a stick carries (docs/FORMATS.md, "At boot: dracut and livesys"): the OverlayFS overlay that litd makes
 * with `mkfs.ext4 -L OVERLAY` and `mkdir -m 0755 --context=system_u:object_r:root_t:s0` for
 * /overlayfs and /ovlwork, and home.img made with `mkfs.ext4 -L HOME`; both then get
 * `tune2fs -c0 -i0 -o user_xattr,acl`, which planExt4Image always applies.
 */
import { planExt4Image, type Ext4ImagePlan } from './planner';

export const OVERLAY_LABEL = 'OVERLAY';
export const HOME_LABEL = 'HOME';
/** dracut's upper and work directories inside an embedded overlay image. */
export const OVERLAY_UPPER_DIR = '/overlayfs';
export const OVERLAY_WORK_DIR = '/ovlwork';
/** The SELinux context litd gives both; the kernel stores it NUL-terminated. */
export const OVERLAY_SELINUX_CONTEXT = 'system_u:object_r:root_t:s0';

export interface PersistenceImageOptions {
  readonly sizeBytes: number;
  /** 16 random bytes. */
  readonly uuid: Uint8Array;
  /** 16 random bytes. */
  readonly hashSeed: Uint8Array;
  /** Unix seconds. */
  readonly createdAt: number;
}

export function planOverlayfsImage(options: PersistenceImageOptions): Ext4ImagePlan {
  const selinux = new TextEncoder().encode(`${OVERLAY_SELINUX_CONTEXT}\0`);
  const xattrs = { 'security.selinux': selinux };
  return planExt4Image({
    ...options,
    label: OVERLAY_LABEL,
    directories: [
      { path: OVERLAY_UPPER_DIR, mode: 0o755, xattrs },
      { path: OVERLAY_WORK_DIR, mode: 0o755, xattrs },
    ],
  });
}

export function planHomeImage(options: PersistenceImageOptions): Ext4ImagePlan {
  return planExt4Image({ ...options, label: HOME_LABEL });
}
