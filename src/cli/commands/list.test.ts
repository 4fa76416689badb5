// SPDX-License-Identifier: GPL-3.0-or-later
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { DriveQuery, DriveSource } from '../../engine/drives';
import type { DriveInfo } from '../../shared/ipc';
import { parseArgs } from '../args';
import type { CliIo } from '../io';
import { listCommand } from './list';

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
  ...stick,
  device: '/dev/nvme0n1',
  description: 'Samsung SSD',
  bus: 'NVME',
  removable: false,
  system: true,
  mountpoints: ['/'],
  blockedReason: 'runs this computer',
};

function fakeSource(queries: DriveQuery[]): DriveSource {
  return {
    list: async (query) => {
      queries.push(query);
      return query.showAll ? [system, stick] : [stick];
    },
  };
}

async function run(argv: string[]): Promise<{ code: number; out: string; queries: DriveQuery[] }> {
  const queries: DriveQuery[] = [];
  const command = listCommand(fakeSource(queries));
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
    expect(out).not.toContain('nvme0n1');
  });

  it('--all shows the system disk as blocked; --json prints the drive array', async () => {
    const all = await run(['--all']);
    expect(all.out).toContain('system; blocked: runs this computer; mounted at /');
    const json = await run(['--all', '--json']);
    expect(JSON.parse(json.out)).toEqual([system, stick]);
  });
});
