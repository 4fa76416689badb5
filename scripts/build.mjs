// Builds every bundle: Node-side ones with esbuild, the renderer with Vite.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { ensureFedoraKeys } from './fedora-keys.mjs';
import { buildIcons } from './icons.mjs';

const root = new URL('..', import.meta.url).pathname;
await rm(`${root}dist`, { recursive: true, force: true });
const { version } = JSON.parse(await readFile(`${root}package.json`, 'utf8'));

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // Native or Electron-provided modules stay outside the bundle.
  external: ['electron', 'drivelist', '@vscode/sudo-prompt'],
  absWorkingDir: root,
  define: { __LIVESTICK_VERSION__: JSON.stringify(version) },
};
// Dependencies shipped as ES modules (openpgp) read import.meta.url, which a CommonJS bundle
// does not have; the bundles that may load them get their own file URL instead.
const nodeWithEsmDependencies = {
  ...node,
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { ...node.define, 'import.meta.url': '__bundleUrl' },
};

await Promise.all([
  esbuild({
    ...nodeWithEsmDependencies,
    entryPoints: ['src/main/electron-main.ts'],
    outfile: 'dist/main/main.cjs',
  }),
  esbuild({
    ...node,
    entryPoints: ['src/preload/preload.ts'],
    outfile: 'dist/preload/preload.cjs',
  }),
  esbuild({ ...node, entryPoints: ['src/helper/main.ts'], outfile: 'dist/helper/helper.cjs' }),
  esbuild({
    ...nodeWithEsmDependencies,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli/cli.cjs',
  }),
  esbuild({
    ...nodeWithEsmDependencies,
    entryPoints: ['src/bridge/web.ts'],
    outfile: 'dist/bridge/web.cjs',
  }),
  esbuild({
    ...node,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    external: [],
    entryPoints: ['src/bridge/web-shim.ts'],
    outfile: 'dist/bridge/web-shim.js',
  }),
]);
await viteBuild({ configFile: `${root}vite.config.mts`, logLevel: 'warn' });
// Every bundle sits in dist/<name>/ and finds the keys one level up (src/engine/download).
await mkdir(`${root}dist`, { recursive: true });
await copyFile(await ensureFedoraKeys(), `${root}dist/fedora-release-keys.json`);
// The window's icon (Linux, Windows); the packages take theirs from assets/generated/icons.
await copyFile(`${await buildIcons()}/png/256x256.png`, `${root}dist/icon.png`);
console.log('build: dist/ ready');
