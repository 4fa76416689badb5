// SPDX-License-Identifier: GPL-3.0-or-later
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { LiveStickError } from '../shared/errors';

/** Positioned reads and writes of any size at any offset. */
export interface BlockIo {
  /** True when writes bypass the OS cache (O_DIRECT), so read-back verification reads the medium. */
  readonly direct: boolean;
  write(data: Uint8Array, position: number): Promise<void>;
  read(into: Uint8Array, position: number): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** O_DIRECT wants buffer address, offset and length aligned; 4 KiB covers 512 B and 4Kn drives. */
export const DIRECT_ALIGN_BYTES = 4096;

async function writeFully(handle: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

async function readFully(handle: FileHandle, into: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) {
      throw new LiveStickError('DEVICE_UNPLUGGED', `The target ended at byte ${position + done}.`);
    }
    done += bytesRead;
  }
}

export class BufferedIo implements BlockIo {
  readonly direct = false;
  constructor(readonly handle: FileHandle) {}
  write(data: Uint8Array, position: number): Promise<void> {
    return writeFully(this.handle, data, position);
  }
  read(into: Uint8Array, position: number): Promise<void> {
    return readFully(this.handle, into, position);
  }
  sync(): Promise<void> {
    return this.handle.sync();
  }
  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * Direct I/O from JavaScript. Writing through the kernel's cache to a USB stick or loop device
 * is several times slower than dd's O_DIRECT (measured: 7.3 s against 0.4 s for 1 GiB on a loop
 * device), and a read-back through the cache proves nothing about the medium. O_DIRECT needs an
 * aligned buffer address, which JavaScript cannot ask for — but it can find one: within an
 * over-allocated buffer exactly one 16-byte step is 4 KiB aligned, and the kernel tells which
 * by refusing the others with EINVAL. Unaligned extents are handled by read-modify-write of
 * their edge blocks, which keeps "leave as is" bytes intact.
 */
export class DirectIo implements BlockIo {
  readonly direct = true;

  private constructor(
    readonly handle: FileHandle,
    private readonly window: Uint8Array,
  ) {}

  /** Null when the device or platform refuses O_DIRECT; the caller then uses BufferedIo. */
  static async open(path: string, flags: number, windowBytes: number): Promise<DirectIo | null> {
    if (constants.O_DIRECT === undefined) return null;
    let handle: FileHandle;
    try {
      handle = await open(path, flags | constants.O_DIRECT);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EINVAL') return null;
      throw error;
    }
    const raw = new Uint8Array(windowBytes + 2 * DIRECT_ALIGN_BYTES);
    for (let shift = 0; shift < DIRECT_ALIGN_BYTES; shift += 16) {
      try {
        await handle.read(raw, shift, DIRECT_ALIGN_BYTES, 0);
        return new DirectIo(handle, raw.subarray(shift, shift + windowBytes + DIRECT_ALIGN_BYTES));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EINVAL') {
          await handle.close();
          throw error;
        }
      }
    }
    await handle.close();
    return null;
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    const capacity = this.window.length - DIRECT_ALIGN_BYTES;
    for (let done = 0; done < data.length;) {
      const piece = Math.min(data.length - done, capacity);
      await this.writeAligned(data.subarray(done, done + piece), position + done);
      done += piece;
    }
  }

  private async writeAligned(data: Uint8Array, position: number): Promise<void> {
    const start = Math.floor(position / DIRECT_ALIGN_BYTES) * DIRECT_ALIGN_BYTES;
    const end = Math.ceil((position + data.length) / DIRECT_ALIGN_BYTES) * DIRECT_ALIGN_BYTES;
    const view = this.window.subarray(0, end - start);
    if (start !== position)
      await readFully(this.handle, view.subarray(0, DIRECT_ALIGN_BYTES), start);
    const lastBlock = end - DIRECT_ALIGN_BYTES;
    const lastBlockRead = lastBlock === start && start !== position;
    if (end !== position + data.length && !lastBlockRead) {
      await readFully(this.handle, view.subarray(view.length - DIRECT_ALIGN_BYTES), lastBlock);
    }
    view.set(data, position - start);
    await writeFully(this.handle, view, start);
  }

  async read(into: Uint8Array, position: number): Promise<void> {
    const capacity = this.window.length - DIRECT_ALIGN_BYTES;
    for (let done = 0; done < into.length;) {
      const piece = Math.min(into.length - done, capacity);
      const at = position + done;
      const start = Math.floor(at / DIRECT_ALIGN_BYTES) * DIRECT_ALIGN_BYTES;
      const end = Math.ceil((at + piece) / DIRECT_ALIGN_BYTES) * DIRECT_ALIGN_BYTES;
      const view = this.window.subarray(0, end - start);
      await readFully(this.handle, view, start);
      into.set(view.subarray(at - start, at - start + piece), done);
      done += piece;
    }
  }

  sync(): Promise<void> {
    return this.handle.sync();
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
