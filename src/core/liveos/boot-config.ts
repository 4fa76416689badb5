// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Turns the ISO's boot menus into the stick's (docs/FORMATS.md, "Kernel command line"): every live entry
 * boots `root=live:UUID=<FAT serial>` read-write with the persistent overlay, GRUB finds the
 * stick by UUID, and kernel/initrd paths point at files that exist on the stick.
 *
 * This follows livecd-iso-to-disk's effects without its gaps: `rw` and the overlay go on every
 * kernel line (`append`, `linux`, `linuxefi`, `linux16`), not only on `append`/`linuxefi`, since
 * lorax ≥ 43.3 and kiwi use plain `linux` and dracut 044–056 silently drops persistence without
 * `rw`. Lines that do not boot the live system (memtest, chainloader, menu text) keep
 * their bytes. Rewriting is idempotent, so a stick can be re-rewritten with new settings.
 */
export {
  kernelArgsFor,
  NO_PERSISTENCE_TITLE,
  RESET_PERSISTENCE_TITLE,
  type BootRewriteContext,
} from './boot-rewrite';
export { rewriteGrubConfig } from './grub-config';
export { rewriteSyslinuxConfig } from './syslinux-config';
