import { describe, expect, it } from 'vitest';
import { overallWriteFraction, type Progress } from './progress';

const at = (phase: Progress['phase'], bytesDone: number, bytesTotal: number): Progress => ({
  phase,
  bytesDone,
  bytesTotal,
  speedBps: 0,
  etaSeconds: null,
});

describe('overall write progress', () => {
  it('is unknown while preparing', () => {
    expect(overallWriteFraction(at('preparing', 0, 0), { verify: true })).toBeNull();
  });

  it('gives writing and reading back half of the bar each, and never moves backwards', () => {
    const steps = [
      at('writing', 0, 800),
      at('writing', 400, 800),
      at('writing', 800, 800),
      at('verifying', 0, 800),
      at('verifying', 200, 800),
      at('verifying', 800, 800),
      at('finalizing', 0, 0),
    ].map((progress) => overallWriteFraction(progress, { verify: true }));
    expect(steps).toEqual([0, 0.25, 0.5, 0.5, 0.625, 1, 1]);
  });

  it('gives writing the whole bar when nothing is read back', () => {
    expect(overallWriteFraction(at('writing', 400, 800), { verify: false })).toBe(0.5);
  });
});
