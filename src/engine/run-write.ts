// SPDX-License-Identifier: GPL-3.0-or-later
import type { WritePhase } from '../shared/progress';
import { randomBytes } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { LiveStickError } from '../shared/errors';
import { formatBytes } from '../shared/units';
import { probeLiveImage } from '../core/liveos/probe';
import { plannerImage } from '../core/plan/from-image';
import { planLayout } from '../core/plan/planner';
import { renderStick } from '../core/render/render-stick';
import { classifyError } from './classify-error';
import { FileSource } from './file-source';
import type { JobHooks, WriteJob, WriteResult } from './jobs';
import { createNodeCrypto } from './node-crypto';
import { ProgressMeter } from './progress-meter';
import { findSyslinux, installSyslinux } from './syslinux';
import { hostDevices } from './device/host-devices';
import { holdTarget, type HeldTarget, type TargetAccess } from './target';
import { readStick } from './run-inspect';
import { fileSourceReader, verifyWritten, wipeRanges, writeExtents } from './write-extents';

const encoder = new TextEncoder();

/**
 * The ISO as a byte source. A path that cannot be opened is SOURCE_UNREADABLE with
 * `details.reason` saying why (missing, folder, permission, unreadable), so each interface can
 * word it for its own people.
 */
async function openIsoFile(imagePath: string): Promise<FileSource> {
  const unreadable = (error: unknown): LiveStickError => {
    const errno = (error as { code?: unknown }).code;
    if (errno === 'ENOENT' || errno === 'ENOTDIR') {
      return new LiveStickError('SOURCE_UNREADABLE', `${imagePath} does not exist`, {
        reason: 'missing',
        path: imagePath,
      });
    }
    if (classifyError(error, { path: imagePath, kind: 'file' }).code === 'ACCESS_DENIED') {
      return new LiveStickError(
        'SOURCE_UNREADABLE',
        `${imagePath} cannot be read: permission denied`,
        {
          reason: 'permission',
          path: imagePath,
        },
      );
    }
    return new LiveStickError(
      'SOURCE_UNREADABLE',
      `${imagePath} cannot be opened: ${(error as Error).message}`,
      { reason: 'unreadable', path: imagePath },
    );
  };
  const info = await stat(imagePath).catch((error: unknown) => {
    throw unreadable(error);
  });
  if (info.isDirectory()) {
    throw new LiveStickError('SOURCE_UNREADABLE', `${imagePath} is a folder, not an ISO file`, {
      reason: 'folder',
      path: imagePath,
    });
  }
  return FileSource.open(imagePath).catch((error: unknown) => {
    throw unreadable(error);
  });
}

/** Opens the ISO and learns everything the writer needs from its metadata. */
export async function openLiveImage(imagePath: string) {
  const source = await openIsoFile(imagePath);
  try {
    return { image: await probeLiveImage(source), source };
  } catch (error) {
    await source.close();
    throw error;
  }
}

/**
 * The whole write job (docs/ARCHITECTURE.md, "Data flow of a write"): probe, plan, render, wipe, write, verify, install the
 * BIOS boot loader. Sizing errors surface before the target is touched; every other failure is
 * classified into the shared error codes, and cancellation leaves a target without partition
 * table (its first MiB was wiped first and is written last).
 */
export async function runWrite(
  job: WriteJob,
  hooks: JobHooks,
  access: TargetAccess = {},
): Promise<WriteResult> {
  const devices = access.devices ?? hostDevices();
  const meter = new ProgressMeter<WritePhase>(hooks.onProgress);
  meter.start('preparing', 0);
  const { image, source } = await openLiveImage(job.imagePath);
  let target: HeldTarget | null = null;
  const subject = (): { path: string; kind: 'device' | 'file' } => ({
    path: job.target,
    kind: target?.kind ?? 'file',
  });
  try {
    target = await holdTarget(job.target, {
      ...access,
      devices,
      imagePath: job.imagePath,
      rewritesPartitionTable: true,
      ...(job.targetSizeBytes === undefined ? {} : { createBytes: job.targetSizeBytes }),
      onLog: (message) => hooks.onLog(message),
    });
    const layout = planLayout(plannerImage(image), {
      targetBytes: target.sizeBytes,
      partitionTable: job.sizing.partitionTable,
      overlayType: job.sizing.overlayType,
      overlayMiB: job.sizing.overlayMiB,
      homeMiB: job.sizing.homeMiB,
      swapMiB: job.sizing.swapMiB,
      encryptedHome: job.sizing.encryptedHome,
      label: job.sizing.label,
    });
    if (layout.home.encrypted && !job.homePassphrase) {
      throw new LiveStickError('INTERNAL', 'An encrypted home needs a passphrase.');
    }
    // The syslinux installer is a Linux program working on a Linux device or image file.
    const syslinux =
      image.biosBoot && devices.os === 'linux' ? await findSyslinux(layout.partitionTable) : null;
    const crypto = createNodeCrypto();
    const passphrase = job.homePassphrase ? encoder.encode(job.homePassphrase) : undefined;
    const stick = await renderStick({
      image,
      layout,
      serial: randomBytes(4).readUInt32LE(0) || 1,
      random: (length) => new Uint8Array(randomBytes(length)),
      createdAt: new Date(),
      zeroFill: job.zeroFill,
      crypto,
      ...(passphrase ? { homePassphrase: passphrase } : {}),
      pbkdf2Iterations:
        job.pbkdf2Iterations ??
        (layout.home.encrypted ? await crypto.calibratePbkdf2Iterations(2000) : 1000),
      ...(syslinux ? { biosBoot: syslinux.files } : {}),
      persistenceMenu: layout.overlayKind !== 'none',
    });
    passphrase?.fill(0);
    hooks.onLog(`writing ${stick.label} (UUID ${stick.uuid}) to ${job.target}`);

    // Until the writing phase is reported the target is untouched, so a cancel that lands
    // before this point leaves the stick as it was, and the UI can say so.
    hooks.signal.throwIfAborted();
    meter.start(
      'writing',
      stick.extents.reduce((sum, extent) => sum + extent.length, 0),
    );
    await wipeRanges(target, stick.wipe);
    // Bulk copies get their own handle: the probe's FileSource caches small metadata reads.
    const bulk = await open(job.imagePath, 'r');
    const copied = await writeExtents({
      target,
      source: fileSourceReader(bulk, job.imagePath),
      extents: stick.extents,
      signal: hooks.signal,
      meter,
      hash: job.verify,
    }).finally(() => bulk.close());
    if (job.verify) await verifyWritten(target, copied, hooks.signal, meter);
    meter.start('finalizing', 0);
    await target.close();
    target = null;
    if (syslinux) await installSyslinux(syslinux, job.target, stick.partitionStartBytes);
    // Counted as "Check a stick" counts it, from the written FAT: a BIOS loader installed after
    // the write takes a little of the planned free space.
    const freeBytes = await readStick(job.target, { ...access, devices }).then(
      (written) => written.freeBytes,
      (error: unknown) => {
        hooks.onLog(`could not read the free space back: ${(error as Error).message}`);
        return stick.freeBytes;
      },
    );

    const summary = [
      `Wrote ${image.label} to ${job.target}: FAT32 "${stick.label}", UUID ${stick.uuid}.`,
      layout.overlayKind === 'none'
        ? 'No persistent overlay: system changes are lost at shutdown.'
        : `Overlay: ${formatBytes(layout.overlayBytes)} ${layout.overlayKind === 'dm-snapshot' ? 'device-mapper snapshot' : 'OverlayFS'} at ${stick.overlayPath}.`,
      layout.homeBytes > 0
        ? `Home: ${formatBytes(layout.homeBytes)} /LiveOS/home.img${layout.home.encrypted ? ' (encrypted)' : ''}.`
        : 'No home.img.',
      ...(layout.swapBytes > 0 ? [`Swap: ${formatBytes(layout.swapBytes)} /LiveOS/swap.img.`] : []),
      `Free space for your files: ${formatBytes(freeBytes)}.`,
      syslinux
        ? 'Boots with UEFI and legacy BIOS.'
        : image.biosBoot
          ? 'Boots with UEFI only: no syslinux installer was found here for legacy BIOS boot.'
          : 'Boots with UEFI only: this image has no isolinux, so it offers no legacy BIOS boot.',
    ];
    return {
      target: job.target,
      label: stick.label,
      uuid: stick.uuid,
      overlayKind: layout.overlayKind,
      overlayPath: stick.overlayPath,
      bytesWritten: copied.bytesWritten,
      freeBytes,
      verified: job.verify,
      biosBoot: syslinux !== null,
      summary,
    };
  } catch (error) {
    throw error instanceof LiveStickError ? error : classifyError(error, subject());
  } finally {
    await target?.close().catch(() => undefined);
    await source.close();
  }
}
