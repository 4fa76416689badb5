import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from './args';
import { runCli } from './cli';

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const io = { stdout, stderr, stdin: new PassThrough(), signal: new AbortController().signal };
  return { io, out: () => out, err: () => err };
}

describe('livestick CLI', () => {
  it('prints help and exits 0', async () => {
    const c = capture();
    expect(await runCli(['--help'], c.io)).toBe(0);
    expect(c.out()).toContain('Usage: livestick <command>');
  });

  it('prints the version', async () => {
    const c = capture();
    expect(await runCli(['--version'], c.io)).toBe(0);
    expect(c.out().trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 on an unknown command', async () => {
    const c = capture();
    expect(await runCli(['frobnicate'], c.io)).toBe(2);
    expect(c.err()).toContain('unknown command "frobnicate"');
  });
});

describe('parseArgs', () => {
  const spec = { json: 'flag', size: 'value' } as const;
  it('parses flags, values and positionals', () => {
    const args = parseArgs(['a.iso', '--json', '--size', '16G', 'b'], spec);
    expect(args.positionals).toEqual(['a.iso', 'b']);
    expect(args.flags.has('json')).toBe(true);
    expect(args.values.get('size')).toBe('16G');
    expect(parseArgs(['--size=2G'], spec).values.get('size')).toBe('2G');
  });
  it('rejects unknown options and missing values', () => {
    expect(() => parseArgs(['--nope'], spec)).toThrow(UsageError);
    expect(() => parseArgs(['--size'], spec)).toThrow('--size needs a value');
    expect(() => parseArgs(['--json=1'], spec)).toThrow('takes no value');
  });
});
