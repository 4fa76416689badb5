// SPDX-License-Identifier: GPL-3.0-or-later
import { MiB } from '../../shared/units';
import { volumeLabelProblem } from '../../shared/volume-label';
import { DEFAULT_RESTORE_LABEL, runMaintain, type MaintenanceJob } from '../../engine/run-maintain';
import { integerOption, UsageError, type ParsedArgs } from '../args';
import type { Command } from '../command';
import { devicesOf, type CliIo } from '../io';
import { confirmOrRefuse, runJob } from '../job-output';

/** litd's limit for the FAT32 files, in MiB (4 GiB − 512 B rounds down to 4095). */
const MAX_FILE_MIB = 4095;

const COMMON_OPTIONS = `  --yes     do not ask for confirmation (needed without a terminal)
  --json    print the result as one JSON object`;

function confirm(io: CliIo, args: ParsedArgs, question: string): Promise<void> {
  return confirmOrRefuse(io, {
    yes: args.flags.has('yes'),
    question,
    refusal: 'Refusing to change the stick without confirmation',
    declined: 'Nothing was changed',
  });
}

function onlyTarget(args: ParsedArgs, extra = 0): [string, ...string[]] {
  const [target, ...rest] = args.positionals;
  if (!target || rest.length !== extra) {
    throw new UsageError(extra ? 'give a target and on or off' : 'give exactly one target');
  }
  return [target, ...rest];
}

function run(io: CliIo, args: ParsedArgs, job: MaintenanceJob): Promise<number> {
  const devices = devicesOf(io);
  // Every maintenance step reads back what it wrote before the next one starts. The confirmation
  // covers releasing the volumes an OS mounts on its own; they come back afterwards.
  return runJob(io, { json: args.flags.has('json'), jsonProgress: false }, async (hooks) => ({
    ...(await runMaintain(job, hooks, { devices, releaseVolumes: devices.automountsVolumes })),
    verified: true,
  }));
}

export const resetOverlayCommand: Command = {
  name: 'reset-overlay',
  summary: 'empty the persistent overlay: the next boot starts from the original system',
  usage: `Usage: livestick reset-overlay <target> [--yes] [--json]

Discards every change made to the system (not /home): a device-mapper overlay gets a fresh
header, an OverlayFS overlay empty upper and work directories. What rd.live.overlay.reset does
at boot, done without booting.

Options:
${COMMON_OPTIONS}`,
  options: { yes: 'flag', json: 'flag' },
  async run(args, io) {
    const [target] = onlyTarget(args);
    await confirm(io, args, `All system changes kept on ${target} will be discarded.`);
    return run(io, args, { action: 'reset-overlay', target });
  },
};

export const growCommand: Command = {
  name: 'grow',
  summary: 'grow the overlay and/or home.img into the free space of a stick',
  usage: `Usage: livestick grow <target> [--overlay-size-mb N] [--home-size-mb N] [--yes] [--json]

Grows the persistent overlay or home.img to N MiB, using free space of the stick. Data on them
is kept. A device-mapper overlay is extended (the kernel initialises the new part as it needs
it); an OverlayFS overlay and an unencrypted home.img get a larger ext4. An encrypted home.img
cannot be grown here.

Options:
  --overlay-size-mb N   new size of the overlay, in MiB (at most ${MAX_FILE_MIB})
  --home-size-mb N      new size of home.img, in MiB (at most ${MAX_FILE_MIB})
${COMMON_OPTIONS}`,
  options: { 'overlay-size-mb': 'value', 'home-size-mb': 'value', yes: 'flag', json: 'flag' },
  async run(args, io) {
    const [target] = onlyTarget(args);
    const overlayMiB = integerOption(args, 'overlay-size-mb', 1, MAX_FILE_MIB);
    const homeMiB = integerOption(args, 'home-size-mb', 1, MAX_FILE_MIB);
    if (overlayMiB === undefined && homeMiB === undefined) {
      throw new UsageError('give --overlay-size-mb or --home-size-mb');
    }
    await confirm(io, args, `The persistence files on ${target} will be grown.`);
    return run(io, args, {
      action: 'grow',
      target,
      ...(overlayMiB !== undefined ? { overlayBytes: overlayMiB * MiB } : {}),
      ...(homeMiB !== undefined ? { homeBytes: homeMiB * MiB } : {}),
    });
  },
};

export const persistenceMenuCommand: Command = {
  name: 'persistence-menu',
  summary: 'add or remove the "without persistence" and "reset persistence" boot entries',
  usage: `Usage: livestick persistence-menu <target> on|off [--yes] [--json]

"on" adds the boot entries "Start without persistence" and "Reset persistence and start" after
the first live entry of every boot menu on the stick; "off" removes them.

Options:
${COMMON_OPTIONS}`,
  options: { yes: 'flag', json: 'flag' },
  async run(args, io) {
    const [target, state] = onlyTarget(args, 1);
    if (state !== 'on' && state !== 'off') throw new UsageError(`say on or off, not "${state}"`);
    await confirm(io, args, `The boot menus on ${target} will be rewritten.`);
    return run(io, args, { action: 'persistence-menu', target, enabled: state === 'on' });
  },
};

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'turn a stick back into an ordinary empty FAT32 drive',
  usage: `Usage: livestick restore <target> [--label L] [--yes] [--json]

Erases the stick and leaves one FAT32 partition over the whole drive, usable from any system.
Old partition tables and signatures at both ends of the drive are wiped.

Options:
  --label L   FAT label, up to 11 characters (default ${DEFAULT_RESTORE_LABEL})
${COMMON_OPTIONS}`,
  options: { label: 'value', yes: 'flag', json: 'flag' },
  async run(args, io) {
    const [target] = onlyTarget(args);
    const label = args.values.get('label') ?? DEFAULT_RESTORE_LABEL;
    const problem = volumeLabelProblem(label);
    if (problem) throw new UsageError(`--label "${label}": ${problem}`);
    await confirm(io, args, `Everything on ${target} will be erased.`);
    return run(io, args, { action: 'restore', target, label });
  },
};
