// SPDX-License-Identifier: GPL-3.0-or-later
import { createInterface } from 'node:readline';
import type { CliIo } from './io';

/** Asks one question on the terminal; the answer is echoed unless `secret`. */
export function ask(
  io: CliIo,
  question: string,
  options: { secret?: boolean } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
    if (options.secret) {
      // Replace what readline would echo; the passphrase never reaches the screen or a log.
      const output = rl as unknown as { _writeToOutput: (text: string) => void };
      output._writeToOutput = (text: string) => {
        if (text.includes(question)) io.stderr.write(question);
      };
    }
    rl.on('SIGINT', () => {
      rl.close();
      reject(new Error('cancelled'));
    });
    rl.question(question, (answer) => {
      if (options.secret) io.stderr.write('\n');
      rl.close();
      resolve(answer);
    });
  });
}
