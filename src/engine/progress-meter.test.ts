import { describe, expect, it } from 'vitest';
import { ProgressMeter } from './progress-meter';
import type { Progress } from '../shared/progress';

describe('ProgressMeter', () => {
  it('throttles to 4 events a second and computes speed and ETA over the window', () => {
    let now = 0;
    const events: Progress[] = [];
    const meter = new ProgressMeter(
      (p) => events.push(p),
      () => now,
    );
    meter.start('writing', 100_000_000);
    for (let i = 0; i < 100; i++) {
      now += 10;
      meter.add(100_000);
    }
    // 1 s of adds at 10 ms apart: the start event, then one each time 250 ms have passed.
    expect(events.map((e) => e.bytesDone)).toEqual([
      0, 2_500_000, 5_000_000, 7_500_000, 10_000_000,
    ]);
    const last = meter.snapshot();
    expect(last.bytesDone).toBe(10_000_000);
    expect(last.speedBps).toBe(10_000_000);
    expect(last.etaSeconds).toBe(9);
  });

  it('has no ETA before any speed is known', () => {
    const meter = new ProgressMeter(
      () => undefined,
      () => 0,
    );
    meter.start('verifying', 10);
    expect(meter.snapshot().etaSeconds).toBeNull();
  });
});
