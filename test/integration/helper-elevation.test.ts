// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The elevated launch command, run for real: hostile paths must reach the program as the same
 * arguments, never interpreted by a shell. First through `/bin/sh -c` (what pkexec's bash -c
 * and the macOS applet do with our command), then through the whole chain of
 * @vscode/sudo-prompt on Linux — its own /bin/sh → `pkexec … /bin/bash -c "…"` — with a
 * stand-in pkexec that simply runs the command. The stand-in is layered over /usr/bin with an
 * overlay mount inside a private mount namespace (`unshare -m`), so the host never sees it.
 * Needs root and unshare; fails when either is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { posixCommandLine } from '../../src/main/elevate';
import { ROOT } from './helper-harness';
import { tempDir } from './iso-fixtures';

let work: ReturnType<typeof tempDir>;
let echo: string;

/** Directory and file names a user (or an attacker) could give us. */
function hostile(dir: string): string[] {
  return [
    path.join(dir, 'My ISOs', "Fedora's live.iso"),
    path.join(dir, '$(touch pwned-dollar)'),
    path.join(dir, '`touch pwned-backtick`'),
    path.join(dir, 'semi; touch pwned-semicolon'),
    path.join(dir, 'line\nbreak && touch pwned-newline'),
    path.join(dir, 'quote"double" and \\backslash\\'),
    path.join(dir, 'a\'b\'c"d"$HOME*?[x]{y,z}~!#&|<>'),
    '',
    '--token-file',
  ];
}

beforeAll(() => {
  work = tempDir('elevation');
  echo = path.join(work.path, 'argv-echo.cjs');
  // Records exactly what it received; OUT arrives through sudo-prompt's env option.
  writeFileSync(
    echo,
    `require('fs').writeFileSync(process.env.ARGV_ECHO_OUT, JSON.stringify({argv: process.argv.slice(2), runAsNode: process.env.ELECTRON_RUN_AS_NODE ?? null}));\n`,
  );
});
afterAll(() => work?.remove());

function pwned(dir: string): string[] {
  return ['dollar', 'backtick', 'semicolon', 'newline']
    .map((name) => path.join(dir, `pwned-${name}`))
    .filter((file) => existsSync(file));
}

describe('elevated command quoting', () => {
  it('round-trips hostile arguments through /bin/sh -c', () => {
    const args = hostile(work.path);
    const out = path.join(work.path, 'sh.json');
    const result = spawnSync(
      '/bin/sh',
      ['-c', posixCommandLine([process.execPath, echo, ...args])],
      {
        cwd: work.path,
        env: { ARGV_ECHO_OUT: out },
      },
    );
    expect(result.status).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).argv).toEqual(args);
    expect(pwned(work.path)).toEqual([]);
  });

  it('round-trips them through @vscode/sudo-prompt and pkexec bash -c', async () => {
    execFileSync('sh', ['-c', 'command -v unshare']);
    const fakeBin = path.join(work.path, 'fake-bin');
    mkdirSync(fakeBin);
    const pkexec = path.join(fakeBin, 'pkexec');
    // The stand-in leaves a mark, so the test knows the chain really went through a pkexec.
    const ran = path.join(work.path, 'pkexec-ran');
    writeFileSync(
      pkexec,
      `#!/bin/sh\necho ran >> '${ran}'\n[ "$1" = --disable-internal-agent ] && shift\nexec "$@"\n`,
    );
    chmodSync(pkexec, 0o755);
    const hostPkexec = (): string | null =>
      existsSync('/usr/bin/pkexec') ? readFileSync('/usr/bin/pkexec', 'latin1') : null;
    const hostPkexecBefore = hostPkexec();

    const runner = path.join(work.path, 'runner.cjs');
    await build({
      stdin: {
        contents: `
          import { launchElevated } from './src/main/elevate';
          const [executable, ...args] = JSON.parse(process.argv[2]);
          launchElevated({ executable, args, env: { ELECTRON_RUN_AS_NODE: '1', ARGV_ECHO_OUT: process.argv[3] } }, 'linux')
            .exited.then((exit) => process.stdout.write(JSON.stringify(exit)));
        `,
        resolveDir: ROOT,
        loader: 'ts',
      },
      outfile: runner,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      logLevel: 'error',
    });

    const args = hostile(work.path);
    const out = path.join(work.path, 'sudo-prompt.json');
    const script = [
      `mount -t overlay overlay -o lowerdir=${fakeBin}:/usr/bin /usr/bin`,
      `exec "$0" "$@"`,
    ].join(' && ');
    const result = spawnSync(
      'unshare',
      [
        '-m',
        'sh',
        '-c',
        script,
        process.execPath,
        runner,
        JSON.stringify([process.execPath, echo, ...args]),
        out,
      ],
      { cwd: work.path, encoding: 'utf8' },
    );
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ kind: 'exited', code: 0, signal: null });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ argv: args, runAsNode: '1' });
    expect(pwned(work.path)).toEqual([]);
    expect(readFileSync(ran, 'utf8')).toBe('ran\n');
    // The stand-in never reached the host's /usr/bin: whatever was there (pkexec or nothing) still is.
    expect(hostPkexec()).toBe(hostPkexecBefore);

    // A dismissed prompt (pkexec exits 126 without running anything) is ELEVATION_DENIED.
    writeFileSync(pkexec, '#!/bin/sh\nexit 126\n');
    const denied = spawnSync(
      'unshare',
      [
        '-m',
        'sh',
        '-c',
        script,
        process.execPath,
        runner,
        JSON.stringify([process.execPath, echo]),
        out,
      ],
      { cwd: work.path, encoding: 'utf8' },
    );
    expect(JSON.parse(denied.stdout)).toMatchObject({
      kind: 'launch-failed',
      error: { code: 'ELEVATION_DENIED' },
    });
  });
});
