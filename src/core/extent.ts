// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The writer's whole plan is a list of extents: byte ranges of the target, each filled from the
 * source image, from a generated buffer, or with zeros. Bytes not covered by any extent are left
 * as they are — that is how a 4 GiB overlay costs a few MiB of writes.
 */
export type ExtentFill =
  /** Copy `length` bytes from the source image (the ISO) starting at `sourceOffset`. */
  | { readonly kind: 'source'; readonly sourceOffset: number }
  /** Write these bytes; `data.length` equals the extent's length. */
  | { readonly kind: 'bytes'; readonly data: Uint8Array }
  /** Write zeros. */
  | { readonly kind: 'zero' };

export interface Extent {
  /** Byte offset in the target (or, inside a file plan, in the file). */
  readonly offset: number;
  readonly length: number;
  readonly fill: ExtentFill;
  /** What this is, for logs, verification reports and tests ("FAT #1", "/LiveOS/squashfs.img"). */
  readonly label: string;
}

export function bytesExtent(offset: number, data: Uint8Array, label: string): Extent {
  return { offset, length: data.length, fill: { kind: 'bytes', data }, label };
}

export function zeroExtent(offset: number, length: number, label: string): Extent {
  return { offset, length, fill: { kind: 'zero' }, label };
}

export function sourceExtent(
  offset: number,
  length: number,
  sourceOffset: number,
  label: string,
): Extent {
  return { offset, length, fill: { kind: 'source', sourceOffset }, label };
}

/** Moves a plan made relative to a container (a file, a partition) to absolute target offsets. */
export function shiftExtents(extents: readonly Extent[], by: number): Extent[] {
  return extents.map((extent) => ({ ...extent, offset: extent.offset + by }));
}

/** Sorts by offset and rejects overlaps: two fills for one byte is always a planning bug. */
export function sortAndCheckExtents(extents: readonly Extent[]): Extent[] {
  const sorted = [...extents].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!;
    const current = sorted[i]!;
    if (previous.offset + previous.length > current.offset) {
      throw new Error(
        `extents overlap: "${previous.label}" [${previous.offset}, +${previous.length}) and "${current.label}" at ${current.offset}`,
      );
    }
  }
  return sorted;
}

export function totalExtentBytes(extents: readonly Extent[]): number {
  return extents.reduce((sum, extent) => sum + extent.length, 0);
}
