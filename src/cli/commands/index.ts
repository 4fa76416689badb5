// SPDX-License-Identifier: GPL-3.0-or-later
import type { Command } from '../command';
import { downloadCommand } from './download';
import { infoCommand } from './info';
import { inspectCommand } from './inspect';
import { listCommand } from './list';
import {
  growCommand,
  persistenceMenuCommand,
  resetOverlayCommand,
  restoreCommand,
} from './maintain';
import { planCommand } from './plan';
import { writeCommand } from './write';

/** Only commands that work are listed; `--help` is built from this table. */
export const COMMANDS: readonly Command[] = [
  infoCommand,
  planCommand,
  writeCommand,
  inspectCommand,
  resetOverlayCommand,
  growCommand,
  persistenceMenuCommand,
  restoreCommand,
  listCommand(),
  downloadCommand,
];
