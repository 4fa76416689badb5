// SPDX-License-Identifier: GPL-3.0-or-later
import type { Command } from '../command';

/** Only commands that work are listed; `--help` is built from this table. */
export const COMMANDS: readonly Command[] = [];
