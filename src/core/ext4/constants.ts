// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * ext4 on-disk constants shared by the structure modules (values from the kernel's
 * fs/ext4/ext4.h and the ext4 disk-layout documentation). Only what this writer emits or checks
 * is named here.
 */

export const EXT4_SUPER_MAGIC = 0xef53;
/** The primary superblock always starts 1024 bytes into the volume, whatever the block size. */
export const SUPERBLOCK_OFFSET = 1024;
export const SUPERBLOCK_SIZE = 1024;

/** Group descriptor size without the 64bit feature. */
export const GROUP_DESC_SIZE = 32;

export const INODE_SIZE = 256;
/** Bytes of the classic inode; the checksum's high half and timestamps follow in the extra part. */
export const GOOD_OLD_INODE_SIZE = 128;
/** i_extra_isize that covers every extra field up to i_projid, as mke2fs and the kernel set. */
export const EXTRA_ISIZE = 32;

export const ROOT_INO = 2;
export const JOURNAL_INO = 8;
export const LOST_FOUND_INO = 11;
/** s_first_ino: inodes below it are reserved for the filesystem. */
export const FIRST_INO = 11;

export const FEATURE_COMPAT_HAS_JOURNAL = 0x0004;
export const FEATURE_COMPAT_EXT_ATTR = 0x0008;
export const FEATURE_COMPAT_DIR_INDEX = 0x0020;

export const FEATURE_INCOMPAT_FILETYPE = 0x0002;
export const FEATURE_INCOMPAT_EXTENTS = 0x0040;
export const FEATURE_INCOMPAT_FLEX_BG = 0x0200;

export const FEATURE_RO_COMPAT_SPARSE_SUPER = 0x0001;
export const FEATURE_RO_COMPAT_LARGE_FILE = 0x0002;
export const FEATURE_RO_COMPAT_HUGE_FILE = 0x0008;
export const FEATURE_RO_COMPAT_DIR_NLINK = 0x0020;
export const FEATURE_RO_COMPAT_EXTRA_ISIZE = 0x0040;
export const FEATURE_RO_COMPAT_METADATA_CSUM = 0x0400;

/** s_default_mount_opts bits (EXT4_DEFM_*): what `tune2fs -o user_xattr,acl` sets. */
export const DEFM_XATTR_USER = 0x0004;
export const DEFM_ACL = 0x0008;

/** s_flags: directory hashes treat name bytes as signed chars (what x86 mke2fs records). */
export const FLAGS_SIGNED_HASH = 0x0001;
export const HASH_HALF_MD4 = 1;
export const CHECKSUM_TYPE_CRC32C = 1;
/** s_jnl_backup_type: s_jnl_blocks holds a copy of the journal inode's i_block and size. */
export const JNL_BACKUP_BLOCKS = 1;
export const STATE_CLEAN = 0x0001;
export const ERRORS_CONTINUE = 1;
export const OS_LINUX = 0;
export const DYNAMIC_REV = 1;

/** Block group flags. */
export const BG_INODE_UNINIT = 0x0001;
export const BG_BLOCK_UNINIT = 0x0002;

/** i_flags */
export const INODE_FLAG_EXTENTS = 0x00080000;

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFMT = 0o170000;

/** Directory entry file types (filetype feature). */
export const FT_DIR = 2;

/** Longest run one initialised extent can map. */
export const MAX_EXTENT_LENGTH = 32768;

export const SUPPORTED_BLOCK_SIZES = [1024, 2048, 4096] as const;

/**
 * The features LiveStick's ext4 images carry (what mke2fs 1.47 sets, minus 64bit and
 * resize_inode). The offline grower understands exactly these, so both use this one set.
 */
export const LIVESTICK_FEATURE_COMPAT =
  FEATURE_COMPAT_HAS_JOURNAL | FEATURE_COMPAT_EXT_ATTR | FEATURE_COMPAT_DIR_INDEX;
export const LIVESTICK_FEATURE_INCOMPAT =
  FEATURE_INCOMPAT_FILETYPE | FEATURE_INCOMPAT_EXTENTS | FEATURE_INCOMPAT_FLEX_BG;
export const LIVESTICK_FEATURE_RO_COMPAT =
  FEATURE_RO_COMPAT_SPARSE_SUPER |
  FEATURE_RO_COMPAT_LARGE_FILE |
  FEATURE_RO_COMPAT_HUGE_FILE |
  FEATURE_RO_COMPAT_DIR_NLINK |
  FEATURE_RO_COMPAT_EXTRA_ISIZE |
  FEATURE_RO_COMPAT_METADATA_CSUM;
