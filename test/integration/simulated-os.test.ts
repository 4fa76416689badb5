// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Windows and macOS, simulated (./simulated-os): the real device layers of those systems, the
 * real CLI, helper and service, over fake disk tools and fake raw disks that refuse what the
 * real ones refuse (unaligned I/O, writes under a mounted volume, a size from fstat). Every
 * command a user has — write, reset-overlay, grow, persistence-menu, restore — runs end to end,
 * and the image behind the simulated stick is then judged by the same tools as on Linux:
 * sfdisk, fsck.fat, e2fsck, mtools.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlignedIo } from '../../src/engine/block-io';
import { runMaintain } from '../../src/engine/run-maintain';
import { checkWriteTarget } from '../../src/engine/target-checks';
import { createService } from '../../src/main/service';
import type { Events, InspectReport, Sizing } from '../../src/shared/ipc';
import { livestick } from './cli-helpers';
import { nodeLocation, recordingLauncher } from './helper-harness';
import { makeLiveIso, tempDir } from './iso-fixtures';
import { buildSimulatedHelper, createSimulatedOs, releaseAndExit } from './simulated-os/install';
import { devicePath, type SimulatedOs } from './simulated-os/simulated-os';
import type { LoggedCommand, SimOs } from './simulated-os/state';
import { extractPartition, fsckFat, mcopyOut, readBytes, sfdiskJson } from './stick-tools';

const MiB = 1024 * 1024;
const PART_START = MiB;
const STICK_BYTES = 512 * MiB;

const OS_NAMES: Record<SimOs, string> = { win32: 'Windows', darwin: 'macOS' };

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function fatClean(image: string, work: string): string {
  const part = join(work, 'part.img');
  extractPartition(image, part);
  const fsck = fsckFat(part);
  expect(fsck.code, fsck.output).toBe(0);
  return part;
}

function e2fsckClean(image: string, work: string, file: string): void {
  const copy = join(work, 'ext4.img');
  mcopyOut(image, PART_START, file, copy);
  const result = spawnSync('e2fsck', ['-fn', copy], { encoding: 'utf8' });
  expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
}

/** A file the user keeps on the stick's FAT volume, as any OS would have put it there. */
function keepUserFile(image: string, work: string): Buffer {
  const notes = join(work, 'notes.txt');
  const content = Buffer.from(`my notes ${Math.random()}\n`.repeat(300));
  writeFileSync(notes, content);
  execFileSync('mcopy', ['-o', '-i', `${image}@@${PART_START}`, notes, '::/notes.txt']);
  return content;
}

function userFile(image: string, work: string): Buffer {
  const out = join(work, 'notes-back.txt');
  mcopyOut(image, PART_START, '/notes.txt', out);
  return readFileSync(out);
}

const scripts = (commands: readonly LoggedCommand[]): string[] =>
  commands
    .filter((c) => c.tool === 'powershell.exe' && c.event === undefined)
    .map((c) => c.script!);
const events = (commands: readonly LoggedCommand[]): string[] =>
  commands.flatMap((c) => (c.event ? [c.event] : []));
const verbs = (commands: readonly LoggedCommand[]): string[] =>
  commands.filter((c) => c.tool === 'diskutil').map((c) => c.args[0]!);

for (const os of ['win32', 'darwin'] as const) {
  describe(`${OS_NAMES[os]}, simulated`, () => {
    let work: ReturnType<typeof tempDir>;
    let sim: SimulatedOs;
    let helperScript: string;
    let f24: string;
    let modern: string;
    let stick: string;
    let device: string;

    const cli = (args: string[]) => livestick(args, { devices: sim.devices });

    /** An image that already holds a stick, mounted by the OS when plugged in. */
    async function usedStick(name: string, iso: string, table: 'mbr' | 'gpt'): Promise<string> {
      const image = join(work.path, name);
      const run = await livestick([
        'write',
        iso,
        image,
        '--size',
        `${STICK_BYTES / MiB}M`,
        '--overlay-size-mb',
        '64',
        '--home-size-mb',
        '64',
        '--partition-table',
        table,
        '--no-verify',
      ]);
      expect(run.code, run.stderr).toBe(0);
      return image;
    }

    /** Volumes are back as the OS keeps them: unlocked on Windows, mounted on macOS. */
    function expectVolumesBack(): void {
      const volumes = sim.disk(device).volumes;
      expect(volumes.length).toBeGreaterThan(0);
      for (const volume of volumes) {
        if (os === 'win32') expect(volume.lockedBy).toBeNull();
        else expect(volume.mountPoint).not.toBeNull();
      }
    }

    beforeAll(async () => {
      work = tempDir(`simulated-${os}`);
      sim = await createSimulatedOs(os, join(work.path, 'machine'));
      helperScript = await buildSimulatedHelper(work.path, sim.root);
      f24 = makeLiveIso(work.path, { era: 'f24' });
      modern = makeLiveIso(work.path, { era: 'modern' });
      stick = await usedStick('stick.img', modern, 'gpt');
      device = sim.plug(stick);
    });
    afterAll(() => work?.remove());

    it('the raw disk refuses what the real one refuses', async () => {
      const raw = await sim.openRaw(
        os === 'win32' ? device : device.replace('/dev/disk', '/dev/rdisk'),
        constants.O_RDONLY,
      );
      const sector = new Uint8Array(512);
      await expect(raw.read(sector, 0, 100, 0)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(raw.read(sector, 0, 512, 100)).rejects.toMatchObject({ code: 'EINVAL' });
      await raw.close();
      if (os === 'win32') {
        const writer = await sim.openRaw(device, constants.O_RDWR);
        // Inside the mounted FAT volume: refused until its volume is locked.
        await expect(writer.write(sector, 0, 512, PART_START + 512)).rejects.toMatchObject({
          code: 'EPERM',
        });
        await writer.close();
      } else {
        await expect(
          sim.openRaw(device.replace('/dev/disk', '/dev/rdisk'), constants.O_RDWR),
        ).rejects.toMatchObject({ code: 'EBUSY' });
        // The buffered block device is not what LiveStick may write.
        await expect(sim.openRaw(device, constants.O_RDONLY)).rejects.toMatchObject({
          code: 'ENOENT',
        });
      }
      // Sector-aligned I/O over it reads and writes any range, keeping the bytes around it.
      const scratch = join(work.path, 'scratch.img');
      writeFileSync(scratch, Buffer.alloc(4 * MiB, 0x5a));
      const scratchDevice = sim.plug(scratch);
      const io = new AlignedIo(
        await sim.openRaw(
          os === 'win32' ? scratchDevice : scratchDevice.replace('/dev/disk', '/dev/rdisk'),
          constants.O_RDWR,
        ),
        new Uint8Array(64 * 1024 + 512),
        512,
        true,
      );
      await io.write(Buffer.from('hello'), 1000);
      await io.write(Buffer.alloc(200_000, 0x11), 70_001);
      const back = Buffer.alloc(10);
      await io.read(back, 998);
      await io.close();
      expect(back.toString('latin1')).toBe('\x5a\x5ahello\x5a\x5a\x5a');
      const expected = Buffer.alloc(4 * MiB, 0x5a);
      expected.write('hello', 1000, 'latin1');
      expected.fill(0x11, 70_001, 270_001);
      expect(readFileSync(scratch).equals(expected)).toBe(true);
    });

    it('refuses the system disk, partitions, the disk holding the ISO and other OS facts', async () => {
      const system = await cli(['write', f24, devicePath(os, 0), '--yes']);
      expect(system.code).toBe(5);
      expect(system.stderr).toMatch(/runs this computer/);

      const partition = os === 'win32' ? '\\\\.\\E:' : `${device}s1`;
      const refused = await cli(['write', f24, partition, '--yes']);
      expect(refused.code).toBe(5);
      expect(refused.stderr).toMatch(/whole disk/);

      // The ISO on the stick itself: on its drive letter, or under its mount point.
      const isoOnStick =
        os === 'win32'
          ? `${sim.disk(device).volumes[0]!.letter}:\\Fedora-Live.iso`
          : `${sim.disk(device).volumes[0]!.mountPoint}/Fedora-Live.iso`;
      await expect(
        checkWriteTarget(device, isoOnStick, { devices: sim.devices, ignoreMounts: true }),
      ).rejects.toMatchObject({ code: 'TARGET_REFUSED', message: /holds the image you chose/ });

      if (os === 'darwin') {
        // The raw device names the same whole disk.
        await expect(
          checkWriteTarget(device.replace('/dev/disk', '/dev/rdisk'), f24, {
            devices: sim.devices,
            ignoreMounts: true,
          }),
        ).resolves.toEqual({
          kind: 'device',
          path: device.replace('/dev/disk', '/dev/rdisk'),
          disk: device.slice('/dev/'.length),
        });
      }

      // Mounted volumes are released only with consent.
      const hooks = {
        signal: new AbortController().signal,
        onProgress: () => undefined,
        onLog: () => undefined,
      };
      await expect(
        runMaintain({ action: 'reset-overlay', target: device }, hooks, {
          devices: sim.devices,
          releaseVolumes: false,
        }),
      ).rejects.toMatchObject({ code: 'DEVICE_BUSY' });

      const readOnly = sim.plug(join(work.path, 'scratch.img'), { readOnly: true });
      const protectedRun = await cli(['restore', readOnly, '--yes']);
      expect(protectedRun.code).toBe(5);
      expect(protectedRun.stderr).toMatch(/write-protected/);

      const bigSectors = join(work.path, 'four-k.img');
      writeFileSync(bigSectors, Buffer.alloc(4 * MiB));
      const fourK = sim.plug(bigSectors, { sectorBytes: 4096 });
      const fourKRun = await cli(['restore', fourK, '--yes']);
      expect(fourKRun.code).toBe(5);
      expect(fourKRun.stderr).toMatch(/4096-byte sectors/);
      expect(readFileSync(bigSectors).equals(Buffer.alloc(4 * MiB))).toBe(true);
    });

    it('write: asks first, takes the size from the OS, releases the volumes, and the tools agree', async () => {
      const before = sha256(stick);
      sim.clearCommands();
      const unconfirmed = await cli(['write', f24, device]);
      expect(unconfirmed.code).toBe(5);
      expect(unconfirmed.stderr).toMatch(/without confirmation/);
      const sized = await cli(['write', f24, device, '--size', '512M', '--yes']);
      expect(sized.code).toBe(5);
      expect(sized.stderr).toMatch(/is a device; --size applies to image files only/);
      expect(sha256(stick)).toBe(before);
      expect(scripts(sim.commands())).not.toContain('hold-volumes');
      expect(verbs(sim.commands())).not.toContain('unmountDisk');

      sim.clearCommands();
      const run = await cli([
        'write',
        f24,
        device,
        '--overlay-size-mb',
        '64',
        '--home-size-mb',
        '64',
        '--yes',
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('written and verified');

      const table = sfdiskJson(stick);
      expect(table.label).toBe('dos');
      expect(table.partitions).toHaveLength(1);
      const part = table.partitions[0]!;
      expect(part.start).toBe(2048);
      // The whole disk, as the OS reported it (fstat said 0).
      expect((part.start + part.size) * 512).toBeGreaterThan(STICK_BYTES - 8 * MiB);
      expect((part.start + part.size) * 512).toBeLessThanOrEqual(STICK_BYTES);
      fatClean(stick, work.path);
      e2fsckClean(stick, work.path, '/LiveOS/home.img');
      // The old GPT is gone at both ends.
      expect(readBytes(stick, STICK_BYTES - 512, 512).includes(Buffer.from('EFI PART'))).toBe(
        false,
      );

      const commands = sim.commands();
      if (os === 'win32') {
        expect(scripts(commands)).toContain('hold-volumes');
        // Locked and dismounted before writing; the new table re-read before letting go, which
        // replaced the old volume with the new one, free for Windows to mount.
        expect(events(commands)).toEqual(['lock', 'dismount', 'reread']);
        expect(sim.disk(device).volumes).toMatchObject([{ partition: 1, lockedBy: null }]);
      } else {
        expect(verbs(commands)).toContain('unmountDisk');
        expect(verbs(commands)).not.toContain('mountDisk');
      }
      expect(JSON.stringify(commands)).not.toMatch(/clean/i);

      const inspected = await cli(['inspect', device, '--json']);
      expect(inspected.code, inspected.stderr).toBe(0);
      const report = JSON.parse(inspected.stdout) as InspectReport;
      expect(report.overlay).toMatchObject({ kind: 'dm-snapshot', state: 'Fresh' });
      expect(report.home).toMatchObject({ sizeBytes: 64 * MiB });
    });

    it('reset-overlay, grow and persistence-menu keep the partition table and the user’s files, and give the volumes back', async () => {
      if (os === 'win32') sim.replug(device);
      else execFileSync(join(sim.root, 'bin', 'diskutil'), ['mountDisk', device]);
      const notes = keepUserFile(stick, work.path);
      const tableBefore = readBytes(stick, 0, 512);
      const lettersBefore = sim.disk(device).volumes.map((v) => v.letter);
      sim.clearCommands();

      for (const args of [
        ['reset-overlay', device],
        ['grow', device, '--overlay-size-mb', '128', '--home-size-mb', '96'],
        ['persistence-menu', device, 'off'],
        ['persistence-menu', device, 'on'],
      ]) {
        const run = await cli([...args, '--yes', '--json']);
        expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
        expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!).ok).toBe(true);
        expect(readBytes(stick, 0, 512).equals(tableBefore)).toBe(true);
        fatClean(stick, work.path);
        e2fsckClean(stick, work.path, '/LiveOS/home.img');
        expect(userFile(stick, work.path).equals(notes)).toBe(true);
        expectVolumesBack();
      }
      const report = JSON.parse((await cli(['inspect', device, '--json'])).stdout) as InspectReport;
      expect(report.overlay).toMatchObject({ sizeBytes: 128 * MiB, state: 'Fresh' });
      expect(report.home).toMatchObject({ sizeBytes: 96 * MiB });
      expect(report.persistenceMenu).toBe(true);

      // Maintenance never clears the disk: only LiveStick's own scripts ran (the fake PowerShell
      // refuses any other), no partition table was re-read, and nothing said "clean".
      const commands = sim.commands();
      expect(JSON.stringify(commands)).not.toMatch(/clean|diskpart|Clear-Disk|Remove-Partition/i);
      if (os === 'win32') {
        expect(new Set(scripts(commands))).toEqual(new Set(['disk-facts', 'hold-volumes']));
        expect(events(commands)).not.toContain('reread');
        expect(events(commands).filter((e) => e === 'lock')).toHaveLength(4);
        expect(events(commands).filter((e) => e === 'unlock')).toHaveLength(4);
        expect(sim.disk(device).volumes.map((v) => v.letter)).toEqual(lettersBefore);
      } else {
        expect(verbs(commands).filter((v) => v === 'unmountDisk')).toHaveLength(4);
        expect(verbs(commands).filter((v) => v === 'mountDisk')).toHaveLength(4);
      }
    });

    it('restore: an ordinary empty drive, its new volume found by the OS', async () => {
      sim.clearCommands();
      const run = await cli(['restore', device, '--label', 'MYDATA', '--yes']);
      expect(run.code, run.stderr).toBe(0);
      const table = sfdiskJson(stick);
      expect(table.partitions).toHaveLength(1);
      expect(table.partitions[0]).toMatchObject({ start: 2048, type: 'c' });
      expect((table.partitions[0]!.start + table.partitions[0]!.size) * 512).toBe(STICK_BYTES);
      fatClean(stick, work.path);
      const commands = sim.commands();
      expect(JSON.stringify(commands)).not.toMatch(/clean/i);
      if (os === 'win32') expect(events(commands)).toContain('reread');
      else expect(verbs(commands)).not.toContain('mountDisk');
    });

    if (os === 'win32') {
      it('the volumes come back by themselves when the process holding them dies', async () => {
        // A process takes the volumes away and ends without giving them back, as a crashed or
        // killed helper would: the PowerShell holding the locks notices and lets go.
        const output = await releaseAndExit(work.path, sim.root, device);
        expect(output).toContain('released');
        const start = performance.now();
        while (sim.disk(device).volumes.some((v) => v.lockedBy !== null)) {
          if (performance.now() - start > 60_000) throw new Error('the volumes stayed locked');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(events(sim.commands()).slice(-1)).toEqual(['unlock']);
        expectVolumesBack();
      });
    }

    it('the app: main, the helper and the engine write, eject and maintain the stick', async () => {
      if (os === 'darwin') execFileSync(join(sim.root, 'bin', 'diskutil'), ['mountDisk', device]);
      const emitted: { event: string; payload: unknown }[] = [];
      const recorder = recordingLauncher();
      const service = createService({
        emit: (event, payload) => emitted.push({ event, payload }),
        chooseImageFile: async () => null,
        drives: sim.drives,
        helper: nodeLocation(helperScript),
        launch: recorder.launch,
        drivePollMs: 60_000,
        log: () => undefined,
      });
      try {
        sim.clearCommands();
        const sizing: Sizing = {
          overlayType: 'auto',
          encryptedHome: false,
          partitionTable: 'gpt',
          overlayMiB: 64,
          homeMiB: 32,
        };
        const { jobId } = await service.handlers.startWrite({
          imagePath: modern,
          device,
          sizing,
          verify: true,
        });
        const finished = await new Promise<Events['writeFinished']>((resolve) => {
          const poll = setInterval(() => {
            const found = emitted.find(
              (e) =>
                e.event === 'writeFinished' &&
                (e.payload as Events['writeFinished']).jobId === jobId,
            );
            if (found) {
              clearInterval(poll);
              resolve(found.payload as Events['writeFinished']);
            }
          }, 20);
        });
        expect(finished.outcome, recorder.output()).toMatchObject({ status: 'succeeded' });
        expect(sfdiskJson(stick).label).toBe('gpt');
        fatClean(stick, work.path);
        const report = await new Promise<InspectReport>((resolve, reject) => {
          // Ejected: the stick must be plugged in again before anything else.
          expect(sim.disk(device).ejected).toBe(true);
          sim.replug(device);
          service.handlers.inspect({ device }).then(resolve, reject);
        });
        expect(report.overlay).toMatchObject({ kind: 'overlayfs', sizeBytes: 64 * MiB });
        e2fsckClean(stick, work.path, report.overlay!.path);
        const commands = sim.commands();
        if (os === 'win32') expect(events(commands)).toContain('eject');
        else expect(verbs(commands)).toContain('eject');

        const notes = keepUserFile(stick, work.path);
        const tableBefore = readBytes(stick, 0, 64 * 512);
        sim.clearCommands();
        const result = await service.handlers.maintain({
          device,
          action: 'grow',
          overlayMiB: 100,
        });
        expect(result.summary.join(' ')).toMatch(/overlay/i);
        expect(readBytes(stick, 0, 64 * 512).equals(tableBefore)).toBe(true);
        fatClean(stick, work.path);
        e2fsckClean(stick, work.path, report.overlay!.path);
        expect(userFile(stick, work.path).equals(notes)).toBe(true);
        expectVolumesBack();
        expect(JSON.stringify(sim.commands())).not.toMatch(/clean/i);
        expect(statSync(stick).size).toBe(STICK_BYTES);
      } finally {
        service.dispose();
      }
    });
  });
}
