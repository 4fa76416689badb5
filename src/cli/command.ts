// SPDX-License-Identifier: GPL-3.0-or-later
import type { CliIo } from './io';
import type { OptionSpec, ParsedArgs } from './args';

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The synopsis and option lines shown by `livestick <command> --help`. */
  readonly usage: string;
  readonly options: OptionSpec;
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}
