// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The bytes of one file on a FAT32 volume, both ways: read as a ByteSource (so squashfs, ext4 and
 * DM-snapshot readers work on a file inside the stick as they do on a whole image), and a plan
 * made relative to the file moved onto the target through the file's cluster runs.
 */
import type { ByteSource } from '../byte-source';
import type { Extent } from '../extent';
import { readFatFile, type ByteRun, type Fat32Volume, type FatNode } from '../fat32/volume-reader';

export class FatFileSource implements ByteSource {
  constructor(
    private readonly source: ByteSource,
    private readonly volume: Fat32Volume,
    private readonly node: FatNode,
  ) {}

  get size(): number {
    return this.node.size;
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    return readFatFile(this.source, this.volume, this.node, offset, length);
  }
}

/**
 * Moves extents relative to a file onto absolute target offsets: each extent is split where the
 * file's runs are discontiguous. `base` is where the volume starts on the target.
 */
export function mapFileExtents(
  extents: readonly Extent[],
  runs: readonly ByteRun[],
  base: number,
): Extent[] {
  const fileBytes = runs.reduce((sum, run) => sum + run.lengthBytes, 0);
  const out: Extent[] = [];
  for (const extent of extents) {
    if (extent.offset < 0 || extent.offset + extent.length > fileBytes) {
      throw new RangeError(
        `"${extent.label}" [${extent.offset}, +${extent.length}) lies outside a ${fileBytes}-byte file`,
      );
    }
    let runStart = 0;
    for (const run of runs) {
      const from = Math.max(extent.offset, runStart);
      const to = Math.min(extent.offset + extent.length, runStart + run.lengthBytes);
      if (from < to) {
        const skip = from - extent.offset;
        const length = to - from;
        const offset = base + run.offsetBytes + (from - runStart);
        const fill = extent.fill;
        out.push({
          offset,
          length,
          label: extent.label,
          fill:
            fill.kind === 'bytes'
              ? { kind: 'bytes', data: fill.data.subarray(skip, skip + length) }
              : fill.kind === 'source'
                ? { kind: 'source', sourceOffset: fill.sourceOffset + skip }
                : fill,
        });
      }
      runStart += run.lengthBytes;
      if (runStart >= extent.offset + extent.length) break;
    }
  }
  return out;
}
