// SPDX-License-Identifier: GPL-3.0-or-later
import { runInspect } from '../../engine/run-inspect';
import { formatInspectReport } from '../../core/stick/report';
import { UsageError } from '../args';
import type { Command } from '../command';
import { EXIT } from '../exit-codes';
import { devicesOf, println } from '../io';

const USAGE = `Usage: livestick inspect <target> [--json]

Shows how full a stick's persistent overlay and home.img are, without booting it: the line
\`dmsetup status live-rw\` would print in the live system, the overlay's state (Fresh, Active,
Full, Invalid), home.img usage (or "encrypted"), free space, and the kernel arguments of the
boot menu. <target> is a whole-disk device or a disk image file; nothing is written.

Options:
  --json    print one JSON document`;

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'show overlay and home usage of a stick without booting it',
  usage: USAGE,
  options: { json: 'flag' },
  async run(args, io) {
    const [target, ...extra] = args.positionals;
    if (!target || extra.length) throw new UsageError('give exactly one target');
    const report = await runInspect(
      target,
      { signal: io.signal, onProgress: () => undefined, onLog: () => undefined },
      { devices: devicesOf(io) },
    );
    println(
      io.stdout,
      args.flags.has('json') ? JSON.stringify(report, null, 2) : formatInspectReport(report),
    );
    return EXIT.OK;
  },
};
