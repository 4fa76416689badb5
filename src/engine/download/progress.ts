// SPDX-License-Identifier: GPL-3.0-or-later
import type { DownloadPhase, DownloadProgress } from '../../shared/progress';
import { ProgressMeter } from '../progress-meter';

/**
 * Download progress with the write's throttling and sliding-window speed. A resumed transfer
 * starts part-way: the bytes already on disk
 * count as done but not towards the speed, so the ETA reflects the network, not the resume.
 */
export class DownloadMeter {
  private alreadyDone = 0;
  private readonly meter: ProgressMeter<DownloadPhase>;

  constructor(private readonly emit: (progress: DownloadProgress) => void) {
    this.meter = new ProgressMeter((progress) =>
      this.emit({
        ...progress,
        bytesDone: progress.bytesDone + this.alreadyDone,
        bytesTotal: progress.bytesTotal + this.alreadyDone,
      }),
    );
  }

  start(phase: DownloadPhase, bytesTotal: number, alreadyDone = 0): void {
    this.alreadyDone = alreadyDone;
    this.meter.start(phase, Math.max(0, bytesTotal - alreadyDone));
  }

  add(bytes: number): void {
    this.meter.add(bytes);
  }

  flush(): void {
    this.meter.flush();
  }
}
