// SPDX-License-Identifier: GPL-3.0-or-later
import { LiveStickError } from '../../shared/errors';
import { formatDuration } from '../../shared/units';
import { FileSource } from '../../engine/file-source';
import { verifyImplantedMd5 } from '../../engine/isomd5';
import { openLiveImage } from '../../engine/run-write';
import { formatInfo, infoReport } from '../../core/liveos/info';
import { UsageError } from '../args';
import type { Command } from '../command';
import { EXIT } from '../exit-codes';
import { println } from '../io';
import { progressLine } from '../progress-bar';

const USAGE = `Usage: livestick info <iso> [--check] [--json]

Describes a Fedora live ISO: label, layout era, root filesystem, which persistence it supports,
boot entries. Reads only the ISO's metadata.

Options:
  --check   also verify the MD5 implanted by isomd5sum (reads the whole ISO)
  --json    print one JSON document`;

export const infoCommand: Command = {
  name: 'info',
  summary: 'describe a live ISO (and --check its implanted MD5)',
  usage: USAGE,
  options: { json: 'flag', check: 'flag' },
  async run(args, io) {
    const [imagePath, ...extra] = args.positionals;
    if (!imagePath || extra.length) throw new UsageError('give exactly one ISO');
    const json = args.flags.has('json');
    const { image, source } = await openLiveImage(imagePath);
    await source.close();
    const report = infoReport(image);
    if (!args.flags.has('check')) {
      println(io.stdout, json ? JSON.stringify(report, null, 2) : formatInfo(report));
      return EXIT.OK;
    }
    if (!image.implantedMd5) {
      throw new LiveStickError('SOURCE_CORRUPT', `${imagePath} carries no implanted MD5 to check`);
    }
    const bulk = await FileSource.open(imagePath, { cacheBlocks: 0 });
    const started = performance.now();
    const tty = !json && io.stderr.isTTY === true;
    try {
      const result = await verifyImplantedMd5(bulk, {
        signal: io.signal,
        onProgress: ({ bytesDone, bytesTotal }) => {
          if (!tty) return;
          const seconds = (performance.now() - started) / 1000;
          const speedBps = seconds > 0 ? bytesDone / seconds : 0;
          const etaSeconds = speedBps > 0 ? (bytesTotal - bytesDone) / speedBps : null;
          io.stderr.write(
            `\r${progressLine({ phase: 'verifying', bytesDone, bytesTotal, speedBps, etaSeconds }, 80)}`,
          );
        },
      });
      if (tty) io.stderr.write('\n');
      const md5 = {
        ok: result.ok,
        expected: result.expected,
        actual: result.actual,
        failedFragment: result.failedFragment,
      };
      if (json) {
        println(io.stdout, JSON.stringify({ ...report, md5 }, null, 2));
      } else {
        println(io.stdout, formatInfo(report));
        println(
          io.stdout,
          result.ok
            ? `MD5 check: OK (${formatDuration((performance.now() - started) / 1000)})`
            : `MD5 check: FAILED${result.failedFragment ? ` in fragment ${result.failedFragment}` : ''}`,
        );
      }
      if (!result.ok) {
        throw new LiveStickError('SOURCE_CORRUPT', `${imagePath} does not match its implanted MD5`);
      }
      return EXIT.OK;
    } finally {
      await bulk.close();
    }
  },
};
