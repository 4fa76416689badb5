// SPDX-License-Identifier: GPL-3.0-or-later
export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

const SIZE_SUFFIX: Readonly<Record<string, number>> = { '': 1, K: KiB, M: MiB, G: GiB, T: TiB };

/**
 * Parses a size as the CLI takes it: `N[K|M|G|T]`, binary units, optionally followed by `iB`
 * or `B` ("16G", "16GiB", "512M", "4096"). Returns bytes, or null when it is not a size.
 */
export function parseSize(text: string, defaultUnit: 'B' | 'M' = 'B'): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(text);
  if (!match) return null;
  const unit = match[2]!.toUpperCase();
  const multiplier = unit === '' && defaultUnit === 'M' ? MiB : SIZE_SUFFIX[unit]!;
  const bytes = Number(match[1]) * multiplier;
  return Number.isSafeInteger(Math.round(bytes)) ? Math.round(bytes) : null;
}

/**
 * Sizes the way people read them: binary multiples with one decimal ("14.9 GB" for a 16 GB
 * stick, like Windows and GNOME Disks in binary mode). Whole bytes below 1 KiB.
 */
export function formatBytes(bytes: number): string {
  if (bytes < KiB) return `${bytes} B`;
  const units: readonly [number, string][] = [
    [TiB, 'TB'],
    [GiB, 'GB'],
    [MiB, 'MB'],
    [KiB, 'KB'],
  ];
  for (const [size, name] of units) {
    if (bytes >= size) return `${(bytes / size).toFixed(1)} ${name}`;
  }
  return `${bytes} B`;
}

/** "1 h 02 min", "3 min 05 s", "42 s" — for time-left displays. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

export function bytesToMiB(bytes: number): number {
  return Math.floor(bytes / MiB);
}
