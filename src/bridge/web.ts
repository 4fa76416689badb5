// SPDX-License-Identifier: GPL-3.0-or-later
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  combinedSource,
  drivelistSource,
  ensureImageFileDrives,
  imageFileDrives,
  parseImageFileDrive,
  type DriveSource,
} from '../engine/drives';
import { createService } from '../main/service';
import { startBridge } from './server';

/**
 * `npm run web`: the real wizard in a browser, served by the bridge on 127.0.0.1.
 * Usage: npm run web -- [--port N] [--drive FILE:SIZE]... [--no-real-drives]
 *
 * Each --drive is an image file listed as a removable stick (created sparse, or extended, to
 * SIZE), so the whole wizard can be used without touching a real disk. --no-real-drives hides
 * drivelist's disks entirely.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      port: { type: 'string', default: '5199' },
      drive: { type: 'string', multiple: true, default: [] },
      'no-real-drives': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const port = Number(values.port);
  const files = values.drive.map((spec) => parseImageFileDrive(spec, process.cwd()));
  await ensureImageFileDrives(files);
  const sources: DriveSource[] = [imageFileDrives(files)];
  if (!values['no-real-drives']) sources.push(drivelistSource());

  const dist = path.join(__dirname, '..');
  const bridge = await startBridge({
    rendererDir: path.join(dist, 'renderer'),
    shimFile: path.join(dist, 'bridge', 'web-shim.js'),
    port,
    createService: (emit) =>
      createService({ emit, chooseImageFile: async () => null, drives: combinedSource(sources) }),
  });
  console.log(`LiveStick wizard: ${bridge.url} (Ctrl-C to stop)`);
  for (const file of files) console.log(`  test drive: ${file.path}`);
  process.on('SIGINT', () => void bridge.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(`livestick web: ${(error as Error).message}`);
  process.exit(2);
});
