// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * src/helper/main.ts on a simulated Windows or macOS (./simulated-os.ts): the same session and
 * jobs, with that OS's device layer. The machine's root is built into the bundle.
 */
import { runInspect } from '../../../src/engine/run-inspect';
import { runMaintain } from '../../../src/engine/run-maintain';
import { runWrite } from '../../../src/engine/run-write';
import { HELPER_EXIT } from '../../../src/helper/exit-codes';
import { runHelper } from '../../../src/helper/session';
import { attachSimulatedOs } from './simulated-os';

const root = process.env.LIVESTICK_SIMULATED_ROOT;
if (!root) throw new Error('built without a simulated machine');

runHelper(process.argv.slice(2), {
  runners: { write: runWrite, inspect: runInspect, maintain: runMaintain },
  devices: attachSimulatedOs(root).devices,
})
  .catch((error: unknown) => {
    process.stderr.write(`simulated helper: ${(error as Error).message}\n`);
    return HELPER_EXIT.JOB_FAILED;
  })
  .then((code) => process.exit(code));
