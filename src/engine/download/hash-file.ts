// SPDX-License-Identifier: GPL-3.0-or-later
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cancelled } from './http';

const READ_CHUNK = 4 * 1024 * 1024;

/** SHA-256 of a whole file, read in large sequential chunks; `onBytes` after each chunk. */
export async function sha256File(
  file: string,
  options: { readonly signal: AbortSignal; onBytes(bytes: number): void },
): Promise<string> {
  const hash = createHash('sha256');
  const stream = createReadStream(file, { highWaterMark: READ_CHUNK });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (options.signal.aborted) throw cancelled();
      hash.update(chunk);
      options.onBytes(chunk.length);
    }
  } finally {
    stream.destroy();
  }
  return hash.digest('hex');
}
