// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The inspection as the app contract's InspectReport (what the wizard's check screen and
 * `livestick inspect --json` show) and as the CLI's text.
 */
import type { InspectReport } from '../../shared/ipc';
import { formatBytes } from '../../shared/units';
import { SECTOR_BYTES } from '../sector';
import type { StickInspection, StickOverlay } from './read-stick';

/**
 * dmsetup's words where it has one (`Invalid`); otherwise what the file says about the next
 * boot: `Fresh` (the kernel initialises it), `Active`, or `Full` (the next new chunk overflows).
 */
function overlayState(overlay: StickOverlay): string {
  if (overlay.dm) {
    if (overlay.dm.state === 'invalid') return 'Invalid';
    if (overlay.dm.beyondEnd) return 'Truncated';
    if (overlay.dm.state === 'fresh') return 'Fresh';
    return overlay.dm.full ? 'Full' : 'Active';
  }
  if (overlay.ext4) return overlay.ext4.clean ? 'Active' : 'Not cleanly unmounted';
  return 'Corrupt';
}

function overlayReport(overlay: StickOverlay): NonNullable<InspectReport['overlay']> {
  const { dm, ext4 } = overlay;
  return {
    kind: overlay.kind,
    path: overlay.node.path,
    expectedPath: overlay.expectedPath,
    sizeBytes: overlay.node.size,
    allocatedSectors: dm ? dm.allocatedSectors : null,
    totalSectors: dm ? dm.totalSectors : null,
    metadataSectors: dm ? dm.metadataSectors : null,
    percentUsed: dm ? dm.percentUsed : ext4 ? ext4.percentUsed : null,
    usedBytes: dm
      ? (dm.allocatedSectors - dm.metadataSectors) * SECTOR_BYTES
      : ext4
        ? ext4.usedBytes
        : null,
    state: overlayState(overlay),
  };
}

export function toInspectReport(device: string, stick: StickInspection): InspectReport {
  return {
    device,
    label: stick.label === '' ? null : stick.label,
    uuid: stick.uuid,
    overlay: stick.overlay ? overlayReport(stick.overlay) : null,
    home: stick.home
      ? {
          sizeBytes: stick.home.node.size,
          usedBytes: stick.home.ext4 ? stick.home.ext4.usedBytes : null,
          encrypted: stick.home.encrypted,
        }
      : null,
    freeBytes: stick.freeBytes,
    kernelArgs: stick.kernelArgs,
    statusLine: stick.overlay?.dm?.statusLine ?? null,
    partitionTable: stick.partition.scheme,
    swapBytes: stick.swapBytes,
    rootfsImageBytes: stick.rootfsImageBytes,
    persistenceMenu: stick.persistenceMenu,
    warnings: stick.warnings,
  };
}

const percent = (value: number | null): string => (value === null ? '?' : `${value.toFixed(1)} %`);

/** `livestick inspect` without --json. */
export function formatInspectReport(report: InspectReport): string {
  const lines = [
    `Stick ${report.device}: FAT32 "${report.label ?? ''}", UUID ${report.uuid ?? '?'}${report.partitionTable ? `, ${report.partitionTable === 'none' ? 'no partition table' : report.partitionTable.toUpperCase()}` : ''}`,
  ];
  const { overlay, home } = report;
  if (overlay) {
    lines.push(
      `Overlay:   ${overlay.kind === 'dm-snapshot' ? 'device-mapper snapshot' : 'OverlayFS'} ${overlay.path}, ${formatBytes(overlay.sizeBytes)}, ${percent(overlay.percentUsed)} used, ${overlay.state}`,
    );
    if (overlay.allocatedSectors !== null) {
      lines.push(
        `           ${overlay.allocatedSectors}/${overlay.totalSectors ?? '?'} sectors allocated, ${overlay.metadataSectors ?? '?'} metadata`,
      );
    }
  } else {
    lines.push('Overlay:   none');
  }
  if (report.statusLine) lines.push(`dmsetup status live-rw: ${report.statusLine}`);
  if (home) {
    lines.push(
      `Home:      /LiveOS/home.img, ${formatBytes(home.sizeBytes)}${home.encrypted ? ', encrypted (usage needs the passphrase)' : home.usedBytes !== null ? `, ${formatBytes(home.usedBytes)} used` : ''}`,
    );
  } else {
    lines.push('Home:      none');
  }
  if (report.swapBytes) lines.push(`Swap:      ${formatBytes(report.swapBytes)}`);
  lines.push(`Free:      ${formatBytes(report.freeBytes)}`);
  if (report.persistenceMenu !== undefined) {
    lines.push(`Menu:      persistence entries ${report.persistenceMenu ? 'on' : 'off'}`);
  }
  lines.push(`Kernel:    ${report.kernelArgs.join(' ') || '(no live entry)'}`);
  for (const warning of report.warnings ?? []) lines.push(`Warning:   ${warning}`);
  return lines.join('\n');
}
