// SPDX-License-Identifier: GPL-3.0-or-later
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from '../helper-harness';
import { attachSimulatedOs, type SimulatedOs } from './simulated-os';
import { discoverVolumes, loadState, saveState, type SimOs } from './state';

/**
 * Sets up a simulated machine under `root`: its fake disk tools, bundled from ./fake-tools.ts
 * and started by shell wrappers in `root/bin`, and its own system disk (disk 0), which holds
 * C: on Windows and the APFS store behind / on macOS.
 */
export async function createSimulatedOs(os: SimOs, root: string): Promise<SimulatedOs> {
  const bin = join(root, 'bin');
  mkdirSync(bin, { recursive: true });
  const bundle = join(root, 'fake-tools.cjs');
  await build({
    entryPoints: [join(__dirname, 'fake-tools.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
  });
  for (const tool of os === 'win32' ? ['powershell.exe'] : ['diskutil', 'df']) {
    writeFileSync(
      join(bin, tool),
      // The helper may run with an empty environment, as an elevated one does; the fake tools
      // still need this machine's tools (sfdisk reads the partition tables).
      `#!/bin/sh\nPATH='${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}'\nexport PATH\nexec '${process.execPath}' '${bundle}' '${root}' '${tool}' "$@"\n`,
      { mode: 0o755 },
    );
  }
  const systemImage = join(root, 'system-disk.img');
  execFileSync('truncate', ['-s', '64M', systemImage]);
  execFileSync('sfdisk', ['--quiet', systemImage], { input: 'label: dos\n,,c\n' });
  saveState(root, {
    os,
    disks: [
      {
        number: 0,
        image: systemImage,
        sectorBytes: 512,
        system: true,
        readOnly: false,
        ejected: false,
        volumes: [],
      },
    ],
  });
  const state = loadState(root);
  state.disks[0]!.volumes = discoverVolumes(state, state.disks[0]!);
  saveState(root, state);
  return attachSimulatedOs(root);
}

/**
 * The privileged helper as main starts it, running on the simulated machine: the real session
 * and engine with the simulated OS's device layer (./helper-main.ts), the machine's root built in.
 */
export async function buildSimulatedHelper(outDir: string, root: string): Promise<string> {
  const outfile = join(outDir, 'simulated-helper.cjs');
  await build({
    entryPoints: [join(ROOT, 'test/integration/simulated-os/helper-main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
    define: { 'process.env.LIVESTICK_SIMULATED_ROOT': JSON.stringify(root) },
  });
  return outfile;
}

/**
 * Runs, in a process of its own, the release of a disk's volumes and exits without giving them
 * back — what a helper that crashes or is killed mid-job leaves behind. Resolves with its output.
 */
export async function releaseAndExit(
  outDir: string,
  root: string,
  device: string,
): Promise<string> {
  const outfile = join(outDir, 'release-and-exit.cjs');
  await build({
    stdin: {
      contents: `import { attachSimulatedOs } from './simulated-os';
const [root, device] = process.argv.slice(2);
attachSimulatedOs(root).devices.release(device).then((released) => {
  process.stdout.write('released: ' + released.summary + '\\n');
  process.exit(0);
});`,
      resolveDir: __dirname,
      loader: 'ts',
    },
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
  });
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [outfile, root, device], (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    ),
  );
}
