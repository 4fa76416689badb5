// SPDX-License-Identifier: GPL-3.0-or-later
import { hostDevices } from '../engine/device/host-devices';
import type { DevicePlatform } from '../engine/device/platform';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly signal: AbortSignal;
  /** The disks of which OS (default: this machine's; tests simulate Windows and macOS). */
  readonly devices?: DevicePlatform;
}

export function devicesOf(io: CliIo): DevicePlatform {
  return io.devices ?? hostDevices();
}

export function println(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(`${text}\n`);
}
