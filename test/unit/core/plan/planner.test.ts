import { describe, expect, it } from 'vitest';
import { LiveStickError } from '../../../../src/shared/errors';
import { GiB, MiB } from '../../../../src/shared/units';
import { FAT32_MAX_FILE_BYTES } from '../../../../src/core/fat32/volume-plan';
import { usefulMaxBytes } from '../../../../src/core/formats/dm-snapshot';
import { planLayout, type PlannerImage, type PlanRequest } from '../../../../src/core/plan/planner';

const nested: PlannerImage = {
  label: 'Fedora-WS-Live-24-1-2',
  payloadFileSizes: [1400 * MiB, 40 * MiB, 6 * MiB, 2 * MiB, 20_000, 3000],
  directoryCount: 8,
  squashfsBytes: 1400 * MiB,
  rootfsImageBytes: 6 * GiB,
  overlayKinds: ['dm-snapshot', 'overlayfs'],
};
const flat: PlannerImage = { ...nested, rootfsImageBytes: undefined, overlayKinds: ['overlayfs'] };
const base: PlanRequest = {
  targetBytes: 16 * GiB,
  partitionTable: 'mbr',
  overlayType: 'auto',
  encryptedHome: false,
};

describe('planLayout', () => {
  it('picks sane defaults on a 16 GiB stick', () => {
    const layout = planLayout(nested, base);
    expect(layout.overlayKind).toBe('dm-snapshot');
    expect(layout.overlayBytes).toBe(FAT32_MAX_FILE_BYTES);
    expect(layout.homeBytes).toBeGreaterThan(4 * GiB - MiB);
    expect(layout.homeBytes).toBeLessThanOrEqual(FAT32_MAX_FILE_BYTES);
    expect(layout.freeBytes).toBeGreaterThan(5 * GiB);
    expect(layout.swapBytes).toBe(0);
    expect(layout.overlay.maxReason).toMatch(/FAT32/);
    const sum = layout.systemBytes + layout.overlayBytes + layout.homeBytes + layout.freeBytes;
    expect(sum).toBeLessThanOrEqual(layout.partitionBytes);
  });

  it('uses OverlayFS for a flat image and refuses a DM overlay there', () => {
    expect(planLayout(flat, base).overlayKind).toBe('overlayfs');
    expect(() => planLayout(flat, { ...base, overlayType: 'dm-snapshot' })).toThrow(/flat/);
  });

  it('caps the DM default at the useful maximum and warns when asked for more', () => {
    const small: PlannerImage = { ...nested, rootfsImageBytes: 512 * MiB };
    const layout = planLayout(small, base);
    expect(layout.overlayBytes).toBe(Math.ceil(usefulMaxBytes(512 * MiB) / MiB) * MiB);
    expect(layout.warnings).toEqual([]);
    const big = planLayout(small, { ...base, overlayMiB: 2000 });
    expect(big.warnings[0]).toMatch(/never used/);
  });

  it('treats 4096 MiB as the FAT32 maximum and refuses more', () => {
    expect(planLayout(nested, { ...base, overlayMiB: 4096 }).overlayBytes).toBe(
      FAT32_MAX_FILE_BYTES,
    );
    expect(() => planLayout(nested, { ...base, homeMiB: 5000 })).toThrow(
      expect.objectContaining({ code: 'FAT32_FILE_LIMIT' }),
    );
  });

  it('says how much is missing when the request does not fit', () => {
    let error: unknown;
    try {
      planLayout(nested, { ...base, targetBytes: 4 * GiB, overlayMiB: 2000, homeMiB: 2000 });
    } catch (caught) {
      error = caught;
    }
    if (!LiveStickError.is(error, 'DOES_NOT_FIT')) throw new Error(`not DOES_NOT_FIT: ${error}`);
    expect(error.message).toMatch(/needs .* more than the stick has/);
    const { details } = error;
    expect(details && 'missingBytes' in details && details.missingBytes).toBeGreaterThan(
      1000 * MiB,
    );
  });

  it('refuses a stick smaller than the live system and a squashfs above the FAT32 limit', () => {
    expect(() => planLayout(nested, { ...base, targetBytes: 1 * GiB })).toThrow(
      expect.objectContaining({ code: 'DOES_NOT_FIT' }),
    );
    expect(() => planLayout({ ...nested, squashfsBytes: 4 * GiB }, base)).toThrow(
      expect.objectContaining({ code: 'FAT32_FILE_LIMIT' }),
    );
  });

  it('fits a squashfs just under the FAT32 limit on an 8 GiB stick, with room left for persistence', () => {
    const big: PlannerImage = {
      ...nested,
      squashfsBytes: FAT32_MAX_FILE_BYTES - MiB,
      payloadFileSizes: [FAT32_MAX_FILE_BYTES - MiB, 60 * MiB],
    };
    const layout = planLayout(big, { ...base, targetBytes: 8 * GiB });
    expect(layout.systemBytes).toBeGreaterThan(4 * GiB);
    expect(layout.overlayBytes + layout.homeBytes + layout.freeBytes).toBeLessThan(4 * GiB);
    expect(layout.overlayBytes).toBeGreaterThan(1 * GiB);
    expect(() => planLayout(big, { ...base, targetBytes: 4 * GiB })).toThrow(/short/);
  });

  it('handles a huge stick with 32 KiB clusters', () => {
    const layout = planLayout(nested, { ...base, targetBytes: 256 * GiB, partitionTable: 'gpt' });
    expect(layout.clusterBytes).toBe(32768);
    expect(layout.freeBytes).toBeGreaterThan(240 * GiB);
  });

  it('makes no overlay when asked for 0', () => {
    const layout = planLayout(nested, { ...base, overlayMiB: 0, homeMiB: 0 });
    expect(layout.overlayKind).toBe('none');
    expect(layout.overlayBytes + layout.homeBytes).toBe(0);
  });
});
