// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The planner's view of which blocks are in use: a sorted list of disjoint [start, end) runs.
 * A fresh filesystem has a few hundred runs at most (superblock copies, per-flex-group metadata,
 * directories, the journal), so a run list stays small where a bitmap of a 64 GiB volume would
 * not.
 */
export class BlockAllocator {
  /** Sorted, disjoint and non-adjacent [start, end) runs. */
  private readonly runs: [number, number][] = [];

  constructor(
    /** First block the allocator may hand out (s_first_data_block). */
    readonly first: number,
    /** One past the last block of the filesystem. */
    readonly end: number,
  ) {}

  /** Index of the first run whose end is > block. */
  private indexAfter(block: number): number {
    let lo = 0;
    let hi = this.runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.runs[mid]![1] <= block) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Records [start, start+count) as used; overlapping an existing run is a planning bug. */
  markUsed(start: number, count: number): void {
    if (count <= 0) return;
    const end = start + count;
    if (start < this.first || end > this.end) {
      throw new RangeError(`blocks [${start}, ${end}) are outside [${this.first}, ${this.end})`);
    }
    const i = this.indexAfter(start);
    const next = this.runs[i];
    if (next && next[0] < end) {
      throw new Error(`blocks [${start}, ${end}) overlap used blocks [${next[0]}, ${next[1]})`);
    }
    const previous = this.runs[i - 1];
    const joinsPrevious = previous !== undefined && previous[1] === start;
    const joinsNext = next !== undefined && next[0] === end;
    if (joinsPrevious && joinsNext) {
      previous[1] = next[1];
      this.runs.splice(i, 1);
    } else if (joinsPrevious) {
      previous[1] = end;
    } else if (joinsNext) {
      next[0] = start;
    } else {
      this.runs.splice(i, 0, [start, end]);
    }
  }

  /** First free stretch of `count` blocks at or after `from`, marked used. */
  allocateContiguous(count: number, from: number): number {
    let candidate = Math.max(from, this.first);
    for (let i = this.indexAfter(candidate); ; i++) {
      const run = this.runs[i];
      const gapEnd = run ? run[0] : this.end;
      if (gapEnd - candidate >= count) {
        this.markUsed(candidate, count);
        return candidate;
      }
      if (!run) break;
      candidate = Math.max(candidate, run[1]);
    }
    throw new RangeError(`no ${count} contiguous free blocks after block ${from}`);
  }

  /** `count` blocks first-fit from `from`, possibly in several runs; returns [start, length] runs. */
  allocate(count: number, from: number): [number, number][] {
    const out: [number, number][] = [];
    let left = count;
    let candidate = Math.max(from, this.first);
    while (left > 0) {
      const i = this.indexAfter(candidate);
      const run = this.runs[i];
      if (run && run[0] <= candidate) {
        candidate = run[1];
        continue;
      }
      const gapEnd = run ? run[0] : this.end;
      if (gapEnd <= candidate) throw new RangeError(`${count} blocks do not fit after ${from}`);
      const take = Math.min(left, gapEnd - candidate);
      out.push([candidate, take]);
      left -= take;
      candidate += take;
    }
    for (const [start, length] of out) this.markUsed(start, length);
    return out;
  }

  /** Used runs clipped to [start, end). */
  usedWithin(start: number, end: number): [number, number][] {
    const out: [number, number][] = [];
    for (let i = this.indexAfter(start); i < this.runs.length; i++) {
      const [a, b] = this.runs[i]!;
      if (a >= end) break;
      out.push([Math.max(a, start), Math.min(b, end)]);
    }
    return out;
  }

  get usedTotal(): number {
    return this.runs.reduce((sum, [a, b]) => sum + (b - a), 0);
  }
}
