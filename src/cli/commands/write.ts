// SPDX-License-Identifier: GPL-3.0-or-later
import { readFile } from 'node:fs/promises';
import { parseSize } from '../../shared/units';
import { parseFedoraSource } from '../../core/download/catalog';
import { runWrite } from '../../engine/run-write';
import { integerOption, UsageError } from '../args';
import type { Command } from '../command';
import { devicesOf, type CliIo } from '../io';
import { confirmOrRefuse, runJob } from '../job-output';
import { downloadFedoraSource, FEDORA_SOURCE_HELP, FEDORA_SOURCE_OPTIONS } from './download';
import { ask } from '../prompt';
import { parseSizing, SIZING_HELP, SIZING_OPTIONS } from '../sizing-options';

const USAGE = `Usage: livestick write <iso> <target> [options]
       livestick write fedora:<edition>[:<release>] <target> [options]

Writes a bootable, persistent Fedora live stick. <target> is a whole-disk device (/dev/sdX,
\\\\.\\PhysicalDriveN on Windows, /dev/diskN on macOS) or a disk image file (created or extended
with --size; a device's size is always its own). A source like fedora:workstation:43
downloads and verifies that image first (or reuses a verified one), as livestick download does.

Options:
  --size N[M|G]         image files: create or extend the file to this size
${SIZING_HELP}
  --home-passphrase-file F   read the home passphrase from the first line of F
  --pbkdf2-iterations N  LUKS key-slot iterations (default: calibrated to about 2 s here)
  --zero-fill           zero the overlay, home and swap files instead of writing metadata only
  --no-verify           skip reading everything back
  --yes                 do not ask before erasing a device
  --json                one JSON object per line: progress events, then the result

For a fedora: source:
${FEDORA_SOURCE_HELP}`;

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
  if (!(await devicesOf(io).isDevice(target))) return;
  await confirmOrRefuse(io, {
    yes,
    question: `Everything on ${target} will be erased.`,
    refusal: `Refusing to erase ${target} without confirmation`,
    declined: 'Nothing was written',
  });
}

export const writeCommand: Command = {
  name: 'write',
  summary: 'write a bootable persistent stick to a device or an image file',
  usage: USAGE,
  options: {
    ...SIZING_OPTIONS,
    ...FEDORA_SOURCE_OPTIONS,
    size: 'value',
    'home-passphrase-file': 'value',
    'pbkdf2-iterations': 'value',
    'zero-fill': 'flag',
    'no-verify': 'flag',
    yes: 'flag',
    json: 'flag',
  },
  async run(args, io) {
    const [source, target, ...extra] = args.positionals;
    if (!source || !target || extra.length)
      throw new UsageError('give exactly an ISO and a target');
    const fedora = parseFedoraSource(source);
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
    const imagePath = fedora ? await downloadFedoraSource(io, args, fedora, json) : source;

    const devices = devicesOf(io);
    return runJob(io, { json, jsonProgress: true }, (hooks) =>
      runWrite(
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
        hooks,
        // Confirming the erase covers releasing the volumes an OS mounts on its own.
        { devices, releaseVolumes: devices.automountsVolumes },
      ),
    );
  },
};
