// SPDX-License-Identifier: GPL-3.0-or-later
import type { LiveStickApi } from '../../shared/ipc';
import type { AppStore } from './store';

/**
 * Service events enter the store here, outside React, so no component owns a subscription
 * (docs/ARCHITECTURE.md, "The wizard's store"). Returns the unsubscribe function.
 */
export function connectServiceEvents(api: LiveStickApi, store: AppStore): () => void {
  const unsubscribers = [
    api.on('drivesChanged', (drives) => store.getState().receiveDrives(drives)),
    api.on('writeProgress', ({ jobId, progress }) =>
      store.getState().applyProgress(jobId, progress),
    ),
    api.on('writeFinished', ({ jobId, outcome }) => store.getState().finishWrite(jobId, outcome)),
  ];
  return () => unsubscribers.forEach((unsubscribe) => unsubscribe());
}
