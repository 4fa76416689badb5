// SPDX-License-Identifier: GPL-3.0-or-later
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planFreshOverlay } from '../../../../src/core/formats/dm-snapshot';
import { activated } from '../../../unit/core/formats/kernel-cow-store';

const MiB = 1024 * 1024;

describe('blkid on overlay files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'livestick-cow-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const probe = (path: string): { status: number | null; out: string } => {
    const result = spawnSync('blkid', ['-p', '-o', 'export', path], { encoding: 'utf8' });
    if (result.error) throw result.error;
    return { status: result.status, out: result.stdout };
  };

  it('sees DM_snapshot_cow once the kernel wrote the header', async () => {
    const store = await activated(4 * MiB);
    store.fill(10);
    const path = join(dir, 'active.cow');
    store.dev.saveTo(path);
    expect(probe(path).out).toContain('TYPE=DM_snapshot_cow\n');
  });

  it('sees nothing on a fresh overlay planned over a stale signature', () => {
    const path = join(dir, 'stale.cow');
    closeSync(openSync(path, 'w'));
    truncateSync(path, 4 * MiB);
    execFileSync('mkswap', ['-q', path], { stdio: 'ignore' });
    expect(probe(path).out).toContain('TYPE=swap\n');
    const fd = openSync(path, 'r+');
    try {
      for (const extent of planFreshOverlay({ sizeBytes: 4 * MiB, zeroFill: false })) {
        writeSync(fd, new Uint8Array(extent.length), 0, extent.length, extent.offset);
      }
    } finally {
      closeSync(fd);
    }
    const after = probe(path);
    expect(after.status).toBe(2); // blkid: nothing found
    expect(after.out).toBe('');
  });
});
