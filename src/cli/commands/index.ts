// SPDX-License-Identifier: GPL-3.0-or-later
import type { Command } from '../command';
import { infoCommand } from './info';
import { listCommand } from './list';
import { planCommand } from './plan';
import { writeCommand } from './write';

/** Only commands that work are listed; `--help` is built from this table. */
export const COMMANDS: readonly Command[] = [infoCommand, planCommand, writeCommand, listCommand()];
