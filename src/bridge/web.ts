// SPDX-License-Identifier: GPL-3.0-or-later
import path from 'node:path';
import { createService } from '../main/service';
import { startBridge } from './server';

/**
 * `npm run web`: the real wizard in a browser, served by the bridge on 127.0.0.1.
 * Usage: npm run web -- [--port N]
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const portIndex = argv.indexOf('--port');
  const port = portIndex === -1 ? 5199 : Number(argv[portIndex + 1]);
  const dist = path.join(__dirname, '..');
  const bridge = await startBridge({
    rendererDir: path.join(dist, 'renderer'),
    shimFile: path.join(dist, 'bridge', 'web-shim.js'),
    port,
    createService: (emit) => createService({ emit, chooseImageFile: async () => null }),
  });
  console.log(`LiveStick wizard: ${bridge.url} (Ctrl-C to stop)`);
  process.on('SIGINT', () => void bridge.close().then(() => process.exit(0)));
}

void main();
