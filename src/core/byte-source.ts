// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Random-access, read-only bytes: an ISO file, a disk image, a block device, or a buffer in
 * tests. The pure engine reads only through this, so it never depends on Node.
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Reads exactly `length` bytes at `offset`. Implementations reject (never short-read) when the
   * range is outside [0, size).
   */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export class BufferSource implements ByteSource {
  constructor(private readonly bytes: Uint8Array) {}

  get size(): number {
    return this.bytes.length;
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.bytes.length) {
      return Promise.reject(
        new RangeError(
          `read of ${length} bytes at ${offset} is outside a ${this.bytes.length}-byte source`,
        ),
      );
    }
    return Promise.resolve(this.bytes.subarray(offset, offset + length));
  }
}
