// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The 512-byte sector every structure here counts in: MBR and GPT addresses, FAT32's bytes per
 * sector (the layout always uses 512), dm-snapshot chunk sizes, LUKS1 offsets, and the sizes
 * Linux reports in sysfs. A drive with larger physical blocks still addresses in these units.
 */
export const SECTOR_BYTES = 512;
