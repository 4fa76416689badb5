// SPDX-License-Identifier: GPL-3.0-or-later
import type { ByteSource } from '../../src/core/byte-source';
import type { Extent } from '../../src/core/extent';

/**
 * A disk image that exists only as the extent plans written to it, later plans over earlier
 * ones, zeros elsewhere: volumes of any size (64 GiB and more) can be planned, read back and
 * edited in unit tests without a byte on disk. `source` backs 'source' extents (the ISO).
 */
export class ExtentImage implements ByteSource {
  private readonly layers: Extent[][] = [];

  constructor(
    readonly size: number,
    private readonly source: Uint8Array = new Uint8Array(0),
  ) {}

  apply(extents: readonly Extent[], base = 0): void {
    for (const extent of extents) {
      if (extent.offset + base < 0 || extent.offset + base + extent.length > this.size) {
        throw new RangeError(`"${extent.label}" lies outside the ${this.size}-byte image`);
      }
    }
    this.layers.push(extents.map((extent) => ({ ...extent, offset: extent.offset + base })));
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      return Promise.reject(new RangeError(`read of ${length} at ${offset} is outside the image`));
    }
    const out = new Uint8Array(length);
    for (const layer of this.layers) {
      for (const extent of layer) {
        const from = Math.max(offset, extent.offset);
        const to = Math.min(offset + length, extent.offset + extent.length);
        if (from >= to) continue;
        const skip = from - extent.offset;
        const fill = extent.fill;
        if (fill.kind === 'zero') out.fill(0, from - offset, to - offset);
        else if (fill.kind === 'bytes')
          out.set(fill.data.subarray(skip, skip + to - from), from - offset);
        else {
          const start = fill.sourceOffset + skip;
          out.set(this.source.subarray(start, start + to - from), from - offset);
        }
      }
    }
    return Promise.resolve(out);
  }
}
