// SPDX-License-Identifier: GPL-3.0-or-later
import { read } from 'read';
import type { CliIo } from './io';

/**
 * Asks one question on the terminal; the answer is echoed unless `secret`, in which case
 * nothing of it reaches the screen (or a log of the terminal).
 */
export async function ask(
  io: CliIo,
  question: string,
  options: { secret?: boolean } = {},
): Promise<string> {
  const secret = options.secret ?? false;
  const answer = await read({
    prompt: question,
    silent: secret,
    input: io.stdin,
    output: io.stderr,
    terminal: true,
  }).catch((error: unknown) => {
    // read rejects with "canceled" when Ctrl-C is pressed at the prompt.
    throw error instanceof Error && error.message === 'canceled' ? new Error('cancelled') : error;
  });
  // A hidden answer leaves the cursor after the prompt; end the line the user could not see.
  if (secret) io.stderr.write('\n');
  return answer;
}
