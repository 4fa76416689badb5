// SPDX-License-Identifier: GPL-3.0-or-later
import { runCli } from './cli';
import { EXIT } from './exit-codes';

const controller = new AbortController();
// The first Ctrl-C asks the running job to stop cleanly; a second one exits at once.
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(EXIT.CANCELLED);
  controller.abort();
});
process.on('SIGTERM', () => controller.abort());
void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  signal: controller.signal,
}).then((code) => {
  process.exitCode = code;
});
