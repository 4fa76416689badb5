// SPDX-License-Identifier: GPL-3.0-or-later
import type { Progress, WritePhase } from '../shared/progress';

/** At most 4 updates a second, so the UI never has to throttle. */
const EMIT_INTERVAL_MS = 250;
/** Speed is averaged over this window so one slow flush does not swing the ETA wildly. */
const SPEED_WINDOW_MS = 5000;

/**
 * Turns a stream of byte counts into throttled Progress events with a sliding-window speed, for
 * any job whose phases begin with 'preparing' (a write, a download).
 * `now` is injectable so the arithmetic is testable without timers.
 */
export class ProgressMeter<Phase extends string = WritePhase> {
  private phase: Phase | 'preparing' = 'preparing';
  private bytesDone = 0;
  private bytesTotal = 0;
  private lastEmit = -Infinity;
  private samples: { at: number; bytes: number }[] = [];

  constructor(
    private readonly emit: (progress: Progress<Phase | 'preparing'>) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(phase: Phase | 'preparing', bytesTotal: number): void {
    this.phase = phase;
    this.bytesDone = 0;
    this.bytesTotal = bytesTotal;
    this.samples = [{ at: this.now(), bytes: 0 }];
    this.flush();
  }

  add(bytes: number): void {
    this.bytesDone += bytes;
    const at = this.now();
    this.samples.push({ at, bytes: this.bytesDone });
    while (this.samples.length > 2 && at - this.samples[0]!.at > SPEED_WINDOW_MS)
      this.samples.shift();
    if (at - this.lastEmit >= EMIT_INTERVAL_MS) this.flush();
  }

  /** Emits now, regardless of the throttle (phase changes and the final 100 %). */
  flush(): void {
    this.lastEmit = this.now();
    this.emit(this.snapshot());
  }

  snapshot(): Progress<Phase | 'preparing'> {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const seconds = first && last ? (last.at - first.at) / 1000 : 0;
    const speedBps =
      first && last && seconds > 0.2 ? Math.round((last.bytes - first.bytes) / seconds) : 0;
    const remaining = Math.max(0, this.bytesTotal - this.bytesDone);
    return {
      phase: this.phase,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      speedBps,
      etaSeconds: speedBps > 0 ? Math.round(remaining / speedBps) : null,
    };
  }
}
