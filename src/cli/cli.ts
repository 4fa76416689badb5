// SPDX-License-Identifier: GPL-3.0-or-later
import { LiveStickError, toWire } from '../shared/errors';
import { describeError } from '../shared/messages';
import { parseArgs, UsageError } from './args';
import type { Command } from './command';
import { COMMANDS } from './commands';
import { EXIT, exitCodeFor } from './exit-codes';
import { println, type CliIo } from './io';

declare const __LIVESTICK_VERSION__: string | undefined;
const VERSION = typeof __LIVESTICK_VERSION__ === 'string' ? __LIVESTICK_VERSION__ : '0.0.0-dev';

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'livestick — make a bootable Fedora live USB stick with persistence',
    '',
    'Usage: livestick <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "livestick <command> --help" for the options of one command.',
    'Options: --help, --version',
  ].join('\n');
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    println(io.stdout, mainHelp());
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === '--version' || name === '-V') {
    println(io.stdout, VERSION);
    return EXIT.OK;
  }
  const command: Command | undefined = COMMANDS.find((c) => c.name === name);
  if (!command) {
    println(
      io.stderr,
      `livestick: unknown command "${name}". Run "livestick --help" for the list.`,
    );
    return EXIT.USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    println(io.stdout, command.usage);
    return EXIT.OK;
  }
  try {
    return await command.run(parseArgs(rest, command.options), io);
  } catch (error) {
    if (error instanceof UsageError) {
      println(
        io.stderr,
        `livestick ${command.name}: ${error.message}. Run "livestick ${command.name} --help".`,
      );
      return EXIT.USAGE;
    }
    const wire = toWire(error);
    println(io.stderr, `livestick ${command.name}: ${describeError(wire)}`);
    if (
      !(error instanceof LiveStickError) &&
      process.env.LIVESTICK_DEBUG &&
      error instanceof Error
    ) {
      println(io.stderr, error.stack ?? '');
    }
    return exitCodeFor(wire.code);
  }
}
