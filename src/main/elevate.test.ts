// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import {
  elevatedCommand,
  forPkexecDoubleQuotes,
  posixQuote,
  windowsBatchCommandLine,
  windowsQuoteArg,
} from './elevate';

/**
 * An independent reading of a Windows command line: cmd.exe's caret pass (all quotes are
 * caret-escaped, so cmd is never inside quotes) followed by the CommandLineToArgvW rules for
 * backslashes and quotes.
 */
function cmdThenArgv(line: string): string[] {
  let afterCmd = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '^') afterCmd += line[++i] ?? '';
    else if (line[i] === '%' && line[i + 1] === '%') afterCmd += line[i++];
    else afterCmd += line[i];
  }
  const args: string[] = [];
  let current = '';
  let inArg = false;
  let quoted = false;
  for (let i = 0; i < afterCmd.length; i++) {
    const c = afterCmd[i]!;
    if (c === '\\') {
      let n = 0;
      while (afterCmd[i] === '\\') {
        n++;
        i++;
      }
      if (afterCmd[i] === '"') {
        current += '\\'.repeat(Math.floor(n / 2));
        if (n % 2 === 1) current += '"';
        else quoted = !quoted;
      } else {
        current += '\\'.repeat(n);
        i--;
      }
      inArg = true;
    } else if (c === '"') {
      quoted = !quoted;
      inArg = true;
    } else if (/\s/.test(c) && !quoted) {
      if (inArg) args.push(current);
      current = '';
      inArg = false;
    } else {
      current += c;
      inArg = true;
    }
  }
  if (inArg) args.push(current);
  return args;
}

const HOSTILE_WINDOWS = [
  'C:\\Program Files\\LiveStick\\LiveStick.exe',
  'C:\\Users\\Bob & Alice\\AppData\\Local\\Temp\\livestick-x\\helper.sock',
  'quote"inside',
  'trailing backslash\\',
  'ends with quote\\"',
  '100% (sure) ^caret! <in> | pipe',
  '',
  'plain',
];

describe('Windows quoting', () => {
  it('round-trips hostile arguments through cmd and CommandLineToArgvW', () => {
    expect(cmdThenArgv(windowsBatchCommandLine(HOSTILE_WINDOWS))).toEqual(HOSTILE_WINDOWS);
  });

  it('leaves plain arguments alone and refuses line breaks', () => {
    expect(windowsQuoteArg('C:\\x\\y.exe')).toBe('C:\\x\\y.exe');
    expect(windowsQuoteArg('a b')).toBe('"a b"');
    expect(() => windowsQuoteArg('a\nb')).toThrow(/line break/);
  });
});

describe('POSIX quoting', () => {
  it('single-quotes anything a shell could interpret', () => {
    expect(posixQuote('/usr/bin/node')).toBe('/usr/bin/node');
    expect(posixQuote("it's")).toBe(`'it'\\''s'`);
    expect(posixQuote('$(id)')).toBe(`'$(id)'`);
    expect(posixQuote('')).toBe(`''`);
  });

  it('escapes the characters sudo-prompt leaves live inside its double quotes', () => {
    expect(forPkexecDoubleQuotes(`'$(x)' '\`y\`' 'a\\'`)).toBe(`'\\$(x)' '\\\`y\\\`' 'a\\\\'`);
    expect(elevatedCommand(['/a b/$c'], 'linux')).toBe(`'/a b/\\$c'`);
    expect(elevatedCommand(['/a b/$c'], 'darwin')).toBe(`'/a b/$c'`);
  });
});
