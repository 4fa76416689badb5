// SPDX-License-Identifier: GPL-3.0-or-later
import { runInspect } from '../engine/run-inspect';
import { runMaintain } from '../engine/run-maintain';
import { runWrite } from '../engine/run-write';
import { HELPER_EXIT } from './exit-codes';
import { runHelper } from './session';

/**
 * The privileged helper's entry: `helper.cjs --socket PATH --token-file PATH`, run by main
 * through the OS prompt (or directly for image files and when already root). It never reads
 * its environment and never prints the job: progress and errors go over the channel only.
 */
runHelper(process.argv.slice(2), {
  runners: {
    write: runWrite,
    inspect: runInspect,
    maintain: runMaintain,
  },
})
  .catch((error: unknown) => {
    process.stderr.write(`livestick-helper: ${(error as Error).message}\n`);
    return HELPER_EXIT.JOB_FAILED;
  })
  // Exit explicitly: a cancelled engine may still hold a timer or a pending read, and main
  // expects the process gone within its 2 s budget.
  .then((code) => process.exit(code));
