// SPDX-License-Identifier: GPL-3.0-or-later
import { drivelistSource, type DriveSource } from '../../engine/drives';
import type { DriveInfo } from '../../shared/ipc';
import { formatBytes } from '../../shared/units';
import type { Command } from '../command';
import { EXIT } from '../exit-codes';
import { println } from '../io';

/** `livestick list [--all] [--json]`: the drives a stick could be written to. */
export function listCommand(source: DriveSource = drivelistSource()): Command {
  return {
    name: 'list',
    summary: 'list removable drives that can be written to',
    usage: [
      'Usage: livestick list [--all] [--json]',
      '',
      'Lists whole removable disks. System and fixed disks are hidden; with --all they are',
      'shown too, and the one running this computer is marked as blocked.',
      '',
      '  --all    also show system and non-removable disks',
      '  --json   print one JSON document (an array of drives)',
    ].join('\n'),
    options: { all: 'flag', json: 'flag' },
    run: async (args, io) => {
      const drives = await source.list({ showAll: args.flags.has('all'), imagePath: null });
      if (args.flags.has('json')) {
        println(io.stdout, JSON.stringify(drives, null, 2));
        return EXIT.OK;
      }
      if (drives.length === 0) {
        println(
          io.stdout,
          args.flags.has('all')
            ? 'No drives found.'
            : 'No removable drives found. Plug in a USB stick, or use --all to see every disk.',
        );
        return EXIT.OK;
      }
      for (const line of table(drives)) println(io.stdout, line);
      return EXIT.OK;
    },
  };
}

function table(drives: readonly DriveInfo[]): string[] {
  const rows = drives.map((drive) => [
    drive.device,
    formatBytes(drive.sizeBytes),
    drive.bus ?? '',
    drive.description,
    [
      drive.system ? 'system' : drive.removable ? 'removable' : 'fixed',
      ...(drive.blockedReason ? [`blocked: ${drive.blockedReason}`] : []),
      ...(drive.mountpoints.length > 0 ? [`mounted at ${drive.mountpoints.join(', ')}`] : []),
    ].join('; '),
  ]);
  const header = ['DEVICE', 'SIZE', 'BUS', 'DESCRIPTION', 'NOTES'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const format = (row: readonly string[]): string =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)];
}
