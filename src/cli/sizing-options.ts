// SPDX-License-Identifier: GPL-3.0-or-later
import { MAX_SIZE_MIB, type Sizing } from '../shared/ipc';
import { volumeLabelProblem } from '../shared/volume-label';
import { integerOption, UsageError, type OptionSpec, type ParsedArgs } from './args';

/** Option names follow livecd-iso-to-disk where it has one. */
export const SIZING_OPTIONS: OptionSpec = {
  'overlay-size-mb': 'value',
  'home-size-mb': 'value',
  'swap-size-mb': 'value',
  'overlay-type': 'value',
  'encrypted-home': 'flag',
  'unencrypted-home': 'flag',
  'partition-table': 'value',
  label: 'value',
};

export const SIZING_HELP = [
  '  --overlay-size-mb N   persistent overlay size in MiB (0: none; 4096: the FAT32 maximum)',
  '  --home-size-mb N      /LiveOS/home.img size in MiB (0: none)',
  '  --swap-size-mb N      /LiveOS/swap.img size in MiB (default: none)',
  '  --overlay-type T      auto (default), dm-snapshot or overlayfs',
  '  --encrypted-home      encrypt home.img (LUKS1); asks for a passphrase',
  '  --unencrypted-home    plain ext4 home.img (default)',
  '  --partition-table T   mbr (default) or gpt',
  '  --label L             FAT32 volume label, up to 11 of A-Z a-z 0-9 _ - (default LIVE)',
].join('\n');

export function parseSizing(args: ParsedArgs): Sizing {
  const overlayType = args.values.get('overlay-type') ?? 'auto';
  if (overlayType !== 'auto' && overlayType !== 'dm-snapshot' && overlayType !== 'overlayfs') {
    throw new UsageError(
      `--overlay-type must be auto, dm-snapshot or overlayfs, not "${overlayType}"`,
    );
  }
  const partitionTable = args.values.get('partition-table') ?? 'mbr';
  if (partitionTable !== 'mbr' && partitionTable !== 'gpt') {
    throw new UsageError(`--partition-table must be mbr or gpt, not "${partitionTable}"`);
  }
  if (args.flags.has('encrypted-home') && args.flags.has('unencrypted-home')) {
    throw new UsageError('choose one of --encrypted-home and --unencrypted-home');
  }
  const label = args.values.get('label');
  if (label !== undefined && volumeLabelProblem(label) !== null) {
    throw new UsageError('--label must be 1 to 11 characters of A-Z, a-z, 0-9, _ and -');
  }
  const sizing: Sizing = {
    overlayType,
    partitionTable,
    encryptedHome: args.flags.has('encrypted-home'),
  };
  const overlayMiB = integerOption(args, 'overlay-size-mb', 0, MAX_SIZE_MIB);
  const homeMiB = integerOption(args, 'home-size-mb', 0, MAX_SIZE_MIB);
  const swapMiB = integerOption(args, 'swap-size-mb', 0, MAX_SIZE_MIB);
  return {
    ...sizing,
    ...(overlayMiB !== undefined ? { overlayMiB } : {}),
    ...(homeMiB !== undefined ? { homeMiB } : {}),
    ...(swapMiB !== undefined ? { swapMiB } : {}),
    ...(label !== undefined ? { label } : {}),
  };
}
