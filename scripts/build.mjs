// Builds every bundle: Node-side ones with esbuild, the renderer with Vite.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { readFile, rm } from 'node:fs/promises';

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

await Promise.all([
  esbuild({ ...node, entryPoints: ['src/main/electron-main.ts'], outfile: 'dist/main/main.cjs' }),
  esbuild({
    ...node,
    entryPoints: ['src/preload/preload.ts'],
    outfile: 'dist/preload/preload.cjs',
  }),
  esbuild({ ...node, entryPoints: ['src/helper/main.ts'], outfile: 'dist/helper/helper.cjs' }),
  esbuild({ ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli/cli.cjs' }),
  esbuild({ ...node, entryPoints: ['src/bridge/web.ts'], outfile: 'dist/bridge/web.cjs' }),
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
console.log('build: dist/ ready');
