// SPDX-License-Identifier: GPL-3.0-or-later
import type { DownloadPhase, DownloadProgress } from '../../shared/progress';
import { ProgressMeter } from '../../core/io/progress-meter';

/**
 * Download progress with the write's throttling and sliding-window speed. ProgressMeter is
 * typed for the write's phases, so it is driven with one of them and the download's own phase
 * name is put on what it emits. A resumed transfer starts part-way: the bytes already on disk
 * count as done but not towards the speed, so the ETA reflects the network, not the resume.
 */
export class DownloadMeter {
  private phase: DownloadPhase = 'preparing';
  private alreadyDone = 0;
  private readonly meter: ProgressMeter;

  constructor(private readonly emit: (progress: DownloadProgress) => void) {
    this.meter = new ProgressMeter((progress) =>
      this.emit({
        ...progress,
        phase: this.phase,
        bytesDone: progress.bytesDone + this.alreadyDone,
        bytesTotal: progress.bytesTotal + this.alreadyDone,
      }),
    );
  }

  start(phase: DownloadPhase, bytesTotal: number, alreadyDone = 0): void {
    this.phase = phase;
    this.alreadyDone = alreadyDone;
    this.meter.start('writing', Math.max(0, bytesTotal - alreadyDone));
  }

  add(bytes: number): void {
    this.meter.add(bytes);
  }

  flush(): void {
    this.meter.flush();
  }
}
