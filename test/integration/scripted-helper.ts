// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The real helper process (session, protocol, cancel handling) with a write runner whose course
 * is given by LIVESTICK_TEST_SCRIPT: `<phase>:<end>`. It reports that phase, waits for the cancel
 * and then ends as told — `succeed` (the job completed inside the cancel grace period) or
 * `stop` (it unwound). It never touches the target.
 */
import { runHelper } from '../../src/helper/session';
import { HELPER_EXIT } from '../../src/helper/exit-codes';
import type { WriteResult } from '../../src/engine/jobs';
import { LiveStickError } from '../../src/shared/errors';
import { WRITE_PHASES, type WritePhase } from '../../src/shared/progress';

const [phase, end] = (process.env.LIVESTICK_TEST_SCRIPT ?? '').split(':');
if (!WRITE_PHASES.includes(phase as WritePhase) || (end !== 'succeed' && end !== 'stop')) {
  process.stderr.write(`scripted helper: bad LIVESTICK_TEST_SCRIPT\n`);
  process.exit(HELPER_EXIT.USAGE);
}

const refuse = (): never => {
  throw new LiveStickError('INTERNAL', 'The scripted helper only writes.');
};

runHelper(process.argv.slice(2), {
  runners: {
    write: async (job, hooks): Promise<WriteResult> => {
      hooks.onProgress({
        phase: phase as WritePhase,
        bytesDone: 0,
        bytesTotal: 1,
        speedBps: 0,
        etaSeconds: null,
      });
      await new Promise<void>((resolve) =>
        hooks.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      if (end === 'stop') throw new LiveStickError('CANCELLED', 'The write was cancelled.');
      return {
        target: job.target,
        label: 'LIVE',
        uuid: '1A2B-3C4D',
        overlayKind: 'overlayfs',
        overlayPath: '/LiveOS/overlay-LIVE-1A2B-3C4D',
        bytesWritten: 1,
        freeBytes: 123 * 1024 * 1024,
        verified: true,
        biosBoot: false,
        summary: [],
      };
    },
    inspect: async () => refuse(),
    maintain: async () => refuse(),
  },
}).then((code) => process.exit(code));
