// SPDX-License-Identifier: GPL-3.0-or-later
import { parseArgs as splitArgs } from 'node:util';

/** Unknown options and missing values are usage errors (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface OptionSpec {
  readonly [name: string]: 'flag' | 'value';
}

export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly flags: ReadonlySet<string>;
  readonly values: ReadonlyMap<string, string>;
}

/**
 * Node's util.parseArgs splits the words; the rules are ours: a long option must be in `spec`,
 * a flag takes no `=value`, a value option needs a non-empty value (the next word, even one
 * that starts with a dash, or `=value`). Words with a single dash are positionals, as written.
 */
export function parseArgs(argv: readonly string[], spec: OptionSpec): ParsedArgs {
  const options = Object.fromEntries(
    Object.entries(spec).map(([name, kind]) => [
      name,
      { type: kind === 'flag' ? ('boolean' as const) : ('string' as const) },
    ]),
  );
  const { tokens } = splitArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const positionals: string[] = [];
  const flags = new Set<string>();
  const values = new Map<string, string>();
  let shortWordAt = -1;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (!token.rawName.startsWith('--')) {
      // "-abc" arrives as three short options of one word; keep the word once.
      if (token.index !== shortWordAt) positionals.push(argv[token.index]!);
      shortWordAt = token.index;
      continue;
    }
    const kind = spec[token.name];
    if (!kind) throw new UsageError(`unknown option --${token.name}`);
    if (kind === 'flag') {
      if (token.inlineValue) throw new UsageError(`--${token.name} takes no value`);
      flags.add(token.name);
      continue;
    }
    if (!token.value) throw new UsageError(`--${token.name} needs a value`);
    values.set(token.name, token.value);
  }
  return { positionals, flags, values };
}

export function integerOption(
  args: ParsedArgs,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const text = args.values.get(name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number, got "${text}"`);
  const value = Number(text);
  if (value < min || value > max)
    throw new UsageError(`--${name} must be between ${min} and ${max}`);
  return value;
}
