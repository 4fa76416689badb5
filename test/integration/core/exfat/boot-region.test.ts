// SPDX-License-Identifier: GPL-3.0-or-later
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { u32le } from '../../../../src/core/bytes';
import { decodeBootRegion } from '../../../../src/core/exfat/boot-region';

const dir = mkdtempSync(join(tmpdir(), 'livestick-exfat-boot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('exFAT boot region against exfatprogs', () => {
  it('computes the checksum mkfs.exfat writes (exfatprogs)', () => {
    const image = join(dir, 'mkfs.img');
    execFileSync('truncate', ['-s', '64M', image]);
    execFileSync('mkfs.exfat', ['-L', 'PROBE', image], { stdio: 'pipe' });
    const bytes = new Uint8Array(readFileSync(image).subarray(0, 24 * 512));
    const main = decodeBootRegion(bytes.subarray(0, 12 * 512));
    const backup = decodeBootRegion(bytes.subarray(12 * 512));
    expect(main.checksum).toBe(u32le(bytes, 11 * 512));
    expect(backup.checksum).toBe(main.checksum);
    expect(main.boot.clusterCount * 2 ** main.boot.sectorsPerClusterShift).toBeLessThanOrEqual(
      main.boot.volumeSectors - main.boot.clusterHeapOffsetSectors,
    );
  });
});
