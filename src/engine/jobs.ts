// SPDX-License-Identifier: GPL-3.0-or-later
import type { InspectReport, Sizing } from '../shared/ipc';
import type { Progress } from '../shared/progress';

/**
 * The engine's two long-running jobs as the helper process, the CLI and tests call them. The
 * request is plain data so it can cross the helper protocol unchanged.
 */
export interface WriteJob {
  readonly imagePath: string;
  /** A whole-disk block device or a regular file (a disk image). */
  readonly target: string;
  /** For image files: create or extend the file to this size first. */
  readonly targetSizeBytes?: number;
  readonly sizing: Sizing;
  readonly verify: boolean;
  /** Zero-fill overlay/home/swap instead of writing metadata only. */
  readonly zeroFill: boolean;
  /** Present only with sizing.encryptedHome. Never logged, never echoed in results. */
  readonly homePassphrase?: string;
  /** Tests and the boot tier pin this low; otherwise calibrated on the machine. */
  readonly pbkdf2Iterations?: number;
}

export interface WriteResult {
  readonly target: string;
  readonly label: string;
  readonly uuid: string;
  readonly overlayKind: 'dm-snapshot' | 'overlayfs' | 'none';
  readonly overlayPath: string | null;
  readonly bytesWritten: number;
  /** Free space on the written volume, read back from its FAT as `inspect` reads it. */
  readonly freeBytes: number;
  readonly verified: boolean;
  /** False when no BIOS boot loader could be installed: the stick then boots with UEFI only. */
  readonly biosBoot: boolean;
  readonly summary: readonly string[];
}

export interface JobHooks {
  readonly signal: AbortSignal;
  onProgress(progress: Progress): void;
  onLog(message: string): void;
}

export type { InspectReport };
