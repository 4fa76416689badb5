// SPDX-License-Identifier: GPL-3.0-or-later
import path from 'node:path';
import { ensureImageFileDrives } from '../engine/drives';
import { createService } from '../main/service';
import { startBridge } from './server';
import { parseWebArgs, webDriveSource } from './web-args';

/** `npm run web`: the real wizard in a browser, served by the bridge on 127.0.0.1. */
async function main(): Promise<void> {
  const options = parseWebArgs(process.argv.slice(2), process.cwd());
  await ensureImageFileDrives(options.files);
  const dist = path.join(__dirname, '..');
  const bridge = await startBridge({
    rendererDir: path.join(dist, 'renderer'),
    shimFile: path.join(dist, 'bridge', 'web-shim.js'),
    port: options.port,
    // A page has no native file dialog: the wizard asks for the ISO's path instead.
    createService: (emit) =>
      createService({ emit, chooseImageFile: null, drives: webDriveSource(options) }),
  });
  console.log(`LiveStick wizard: ${bridge.url} (Ctrl-C to stop)`);
  for (const file of options.files) console.log(`  test drive: ${file.path}`);
  console.log(
    options.realDrives
      ? '  real drives: listed (--real-drives); writing to one erases it'
      : '  real drives: not listed (add --real-drives to list them)',
  );
  process.on('SIGINT', () => void bridge.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(`livestick web: ${(error as Error).message}`);
  process.exit(2);
});
