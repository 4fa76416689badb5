// SPDX-License-Identifier: GPL-3.0-or-later
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  BLOCKED_SYSTEM,
  drivelistSource,
  type DriveQuery,
  type DriveSource,
  type RawDrive,
} from '../../engine/drives';
import type { DriveInfo } from '../../shared/ipc';
import { parseArgs } from '../args';
import type { CliIo } from '../io';
import { listCommand } from './list';

const GiB = 1024 ** 3;

/** What drivelist reports on a laptop with a USB stick: the NVMe disk runs the system. */
const machine: RawDrive[] = [
  {
    device: '/dev/nvme0n1',
    description: 'Samsung SSD',
    size: 512 * GiB,
    busType: 'NVME',
    isRemovable: false,
    isSystem: true,
    isVirtual: false,
    isReadOnly: false,
    isUSB: false,
    mountpoints: [{ path: '/' }],
  },
  {
    device: '/dev/sdb',
    description: 'SanDisk Ultra',
    size: 16_008_609_792,
    busType: 'USB',
    isRemovable: true,
    isSystem: false,
    isVirtual: false,
    isReadOnly: false,
    isUSB: true,
    mountpoints: [{ path: '/media/me/STICK' }],
  },
];

const stick: DriveInfo = {
  device: '/dev/sdb',
  description: 'SanDisk Ultra',
  sizeBytes: 16_008_609_792,
  bus: 'USB',
  removable: true,
  system: false,
  readOnly: false,
  mountpoints: ['/media/me/STICK'],
  blockedReason: null,
};
const system: DriveInfo = {
  device: '/dev/nvme0n1',
  description: 'Samsung SSD',
  sizeBytes: 512 * GiB,
  bus: 'NVME',
  removable: false,
  system: true,
  readOnly: false,
  mountpoints: ['/'],
  blockedReason: BLOCKED_SYSTEM,
};

/** The engine's own drive source over `machine`, recording the queries the command makes. */
function machineSource(queries: DriveQuery[]): DriveSource {
  const engine = drivelistSource({ list: async () => machine, platform: 'linux', systemFiles: [] });
  return {
    list: (query) => {
      queries.push(query);
      return engine.list(query);
    },
  };
}

async function run(argv: string[]): Promise<{ code: number; out: string; queries: DriveQuery[] }> {
  const queries: DriveQuery[] = [];
  const command = listCommand(machineSource(queries));
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const io: CliIo = {
    stdout,
    stderr: new PassThrough(),
    stdin: new PassThrough(),
    signal: new AbortController().signal,
  };
  const code = await command.run(parseArgs(argv, command.options), io);
  return { code, out, queries };
}

describe('livestick list', () => {
  it('prints a table of removable drives', async () => {
    const { code, out, queries } = await run([]);
    expect(code).toBe(0);
    expect(queries).toEqual([{ showAll: false, imagePath: null }]);
    expect(out.split('\n')[0]).toMatch(/^DEVICE\s+SIZE\s+BUS\s+DESCRIPTION\s+NOTES$/);
    expect(out).toContain('/dev/sdb');
    expect(out).toContain('removable; mounted at /media/me/STICK');
    // The machine has a system disk; the engine leaves it out unless --all is given.
    expect(out).not.toContain('nvme0n1');
    expect(out).not.toContain('Samsung');
  });

  it('--all shows the system disk as blocked; --json prints the drive array', async () => {
    const all = await run(['--all']);
    expect(all.out).toContain('system; blocked: runs this computer; mounted at /');
    const json = await run(['--all', '--json']);
    expect(JSON.parse(json.out)).toEqual([system, stick]);
  });
});
