// SPDX-License-Identifier: GPL-3.0-or-later
import { parseArgs } from 'node:util';
import {
  combinedSource,
  drivelistSource,
  imageFileDrives,
  parseImageFileDrive,
  type DriveSource,
  type ImageFileDrive,
} from '../engine/drives';

/**
 * `npm run web -- [--port N] [--drive FILE:SIZE]... [--real-drives]`.
 *
 * Each --drive is an image file listed as a removable stick (created sparse, or extended, to
 * SIZE), so the whole wizard can be tried without touching a real disk. The computer's real
 * drives are listed only with --real-drives: a page in a browser is easier to reach than the
 * app's window, so erasing a disk from it takes a deliberate flag.
 */
export interface WebOptions {
  readonly port: number;
  readonly files: readonly ImageFileDrive[];
  readonly realDrives: boolean;
}

export const DEFAULT_WEB_PORT = 5199;

export function parseWebArgs(argv: readonly string[], cwd: string): WebOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string', default: String(DEFAULT_WEB_PORT) },
      drive: { type: 'string', multiple: true, default: [] },
      'real-drives': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`--port ${values.port} is not a port number`);
  }
  return {
    port,
    files: values.drive.map((spec) => parseImageFileDrive(spec, cwd)),
    realDrives: values['real-drives'],
  };
}

/** Image-file drives always; the computer's drives only when asked for. */
export function webDriveSource(
  options: WebOptions,
  realDrives: () => DriveSource = drivelistSource,
): DriveSource {
  const sources = [imageFileDrives(options.files)];
  if (options.realDrives) sources.push(realDrives());
  return combinedSource(sources);
}
