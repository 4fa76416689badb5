// SPDX-License-Identifier: GPL-3.0-or-later
import { formatBytes, parseSize } from '../../shared/units';
import { openLiveImage } from '../../engine/run-write';
import { plannerImage } from '../../core/plan/from-image';
import { planLayout, type Layout } from '../../core/plan/planner';
import type { SizeLimit } from '../../shared/ipc';
import { UsageError } from '../args';
import type { Command } from '../command';
import { EXIT } from '../exit-codes';
import { println } from '../io';
import { parseSizing, SIZING_HELP, SIZING_OPTIONS } from '../sizing-options';

const USAGE = `Usage: livestick plan <iso> --target-size N[K|M|G|T] [options]

Shows how a stick of that size would be laid out, without writing anything.

Options:
  --target-size N       the stick's size (binary units: 16G = 16 GiB)
${SIZING_HELP}
  --json                print the layout as JSON`;

function limitLine(name: string, limit: SizeLimit): string {
  return `  ${name.padEnd(9)} ${formatBytes(limit.bytes).padStart(9)}   max ${formatBytes(limit.maxBytes)} (${limit.maxReason}) default ${formatBytes(limit.defaultBytes)}`;
}

export function formatLayout(layout: Layout): string {
  return [
    `Stick ${formatBytes(layout.targetBytes)}, ${layout.partitionTable.toUpperCase()}, FAT32 "${layout.label}" of ${formatBytes(layout.partitionBytes)} (${layout.clusterBytes / 1024} KiB clusters)`,
    `  system    ${formatBytes(layout.systemBytes).padStart(9)}`,
    limitLine(`overlay`, layout.overlay) +
      (layout.overlayKind === 'none' ? '' : ` [${layout.overlayKind}]`),
    limitLine('home', layout.home) + (layout.home.encrypted ? ' [encrypted]' : ''),
    limitLine('swap', layout.swap),
    `  free      ${formatBytes(layout.freeBytes).padStart(9)}   for your own files`,
    ...layout.warnings.map((warning) => `Warning: ${warning}`),
    ...layout.notes.map((note) => `Note: ${note}`),
  ].join('\n');
}

export const planCommand: Command = {
  name: 'plan',
  summary: 'show the layout of a stick of a given size, without writing',
  usage: USAGE,
  options: { ...SIZING_OPTIONS, 'target-size': 'value', json: 'flag' },
  async run(args, io) {
    const [imagePath, ...extra] = args.positionals;
    if (!imagePath || extra.length) throw new UsageError('give exactly one ISO');
    const sizeText = args.values.get('target-size');
    if (sizeText === undefined) throw new UsageError('--target-size is required');
    const targetBytes = parseSize(sizeText);
    if (targetBytes === null || targetBytes <= 0)
      throw new UsageError(`--target-size "${sizeText}" is not a size like 16G`);
    const sizing = parseSizing(args);
    const { image, source } = await openLiveImage(imagePath);
    await source.close();
    const layout = planLayout(plannerImage(image), { ...sizing, targetBytes });
    println(
      io.stdout,
      args.flags.has('json') ? JSON.stringify(layout, null, 2) : formatLayout(layout),
    );
    return EXIT.OK;
  },
};
