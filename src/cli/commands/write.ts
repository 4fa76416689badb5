// SPDX-License-Identifier: GPL-3.0-or-later
import { readFile, stat } from 'node:fs/promises';
import { LiveStickError, toWire } from '../../shared/errors';
import type { Progress } from '../../shared/progress';
import { formatBytes, parseSize } from '../../shared/units';
import { runWrite } from '../../core/io/run-write';
import { integerOption, UsageError } from '../args';
import type { Command } from '../command';
import { EXIT } from '../exit-codes';
import { println, type CliIo } from '../io';
import { progressLine } from '../progress-bar';
import { ask } from '../prompt';
import { parseSizing, SIZING_HELP, SIZING_OPTIONS } from '../sizing-options';

const USAGE = `Usage: livestick write <iso> <target> [options]

Writes a bootable, persistent Fedora live stick. <target> is a whole-disk device (/dev/sdX)
or a disk image file (created or extended with --size).

Options:
  --size N[M|G]         image files: create or extend the file to this size
${SIZING_HELP}
  --home-passphrase-file F   read the home passphrase from the first line of F
  --pbkdf2-iterations N  LUKS key-slot iterations (default: calibrated to about 2 s here)
  --zero-fill           zero the overlay, home and swap files instead of writing metadata only
  --no-verify           skip reading everything back
  --yes                 do not ask before erasing a device
  --json                one JSON object per line: progress events, then the result`;

async function passphraseFor(io: CliIo, file: string | undefined): Promise<string> {
  if (file !== undefined) {
    const text = await readFile(file, 'utf8').catch(() => {
      throw new UsageError(`cannot read --home-passphrase-file ${file}`);
    });
    const passphrase = text.split(/\r?\n/)[0] ?? '';
    if (!passphrase) throw new UsageError(`${file} holds no passphrase on its first line`);
    return passphrase;
  }
  if (!io.stdin.isTTY) {
    throw new UsageError(
      '--encrypted-home needs a terminal to ask for the passphrase, or --home-passphrase-file',
    );
  }
  const first = await ask(io, 'Passphrase for the encrypted home: ', { secret: true });
  const second = await ask(io, 'The same passphrase again: ', { secret: true });
  if (!first) throw new UsageError('the passphrase is empty');
  if (first !== second) throw new UsageError('the two passphrases differ');
  return first;
}

async function confirmDevice(io: CliIo, target: string, yes: boolean): Promise<void> {
  const info = await stat(target).catch(() => null);
  if (!info?.isBlockDevice() || yes) return;
  if (!io.stdin.isTTY) {
    throw new LiveStickError(
      'TARGET_REFUSED',
      `Refusing to erase ${target} without confirmation; run on a terminal or add --yes`,
    );
  }
  const answer = await ask(io, `Everything on ${target} will be erased. Type "yes" to continue: `);
  if (answer.trim() !== 'yes') throw new LiveStickError('CANCELLED', 'Nothing was written');
}

export const writeCommand: Command = {
  name: 'write',
  summary: 'write a bootable persistent stick to a device or an image file',
  usage: USAGE,
  options: {
    ...SIZING_OPTIONS,
    size: 'value',
    'home-passphrase-file': 'value',
    'pbkdf2-iterations': 'value',
    'zero-fill': 'flag',
    'no-verify': 'flag',
    yes: 'flag',
    json: 'flag',
  },
  async run(args, io) {
    const [imagePath, target, ...extra] = args.positionals;
    if (!imagePath || !target || extra.length)
      throw new UsageError('give exactly an ISO and a target');
    const sizing = parseSizing(args);
    const sizeText = args.values.get('size');
    const targetSizeBytes = sizeText === undefined ? undefined : parseSize(sizeText, 'M');
    if (targetSizeBytes === null)
      throw new UsageError(`--size "${sizeText}" is not a size like 16G or 8000M`);
    const pbkdf2Iterations = integerOption(args, 'pbkdf2-iterations', 1000, 100_000_000);
    const json = args.flags.has('json');
    await confirmDevice(io, target, args.flags.has('yes'));
    const homePassphrase = sizing.encryptedHome
      ? await passphraseFor(io, args.values.get('home-passphrase-file'))
      : undefined;

    const tty = !json && io.stdout.isTTY === true;
    let lastPhase = '';
    const onProgress = (progress: Progress): void => {
      if (json) {
        println(io.stdout, JSON.stringify({ type: 'progress', ...progress }));
      } else if (tty) {
        io.stdout.write(`\r${progressLine(progress, io.stdout.columns ?? 80)}`);
      } else if (progress.phase !== lastPhase) {
        println(io.stdout, `${progress.phase}…`);
      }
      lastPhase = progress.phase;
    };
    try {
      const result = await runWrite(
        {
          imagePath,
          target,
          ...(targetSizeBytes !== undefined ? { targetSizeBytes } : {}),
          sizing,
          verify: !args.flags.has('no-verify'),
          zeroFill: args.flags.has('zero-fill'),
          ...(homePassphrase !== undefined ? { homePassphrase } : {}),
          ...(pbkdf2Iterations !== undefined ? { pbkdf2Iterations } : {}),
        },
        { signal: io.signal, onProgress, onLog: () => undefined },
      );
      if (tty) io.stdout.write('\n');
      if (json) {
        println(io.stdout, JSON.stringify({ type: 'result', ok: true, ...result }));
      } else {
        for (const line of result.summary) println(io.stdout, line);
        println(
          io.stdout,
          `${formatBytes(result.bytesWritten)} written${result.verified ? ' and verified' : ''}.`,
        );
      }
      return EXIT.OK;
    } catch (error) {
      if (tty) io.stdout.write('\n');
      if (json)
        println(io.stdout, JSON.stringify({ type: 'result', ok: false, error: toWire(error) }));
      throw error;
    }
  },
};
