// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * An LZMA ("LZMA1") encoder producing the raw stream GRUB's i386-pc decompressor reads: no
 * properties byte, no dictionary or size header and no end marker. The decompressor knows
 * lc=3, lp=0, pb=2 by heart and takes the decoded size from its own header, the way
 * `grub-mkimage -O i386-pc` sets it up (GRUB's util/mkimage.c, grub-core/boot/i386/pc/startup_raw.S).
 *
 * Written from the LZMA format description (the lzma-specification text in the LZMA SDK) because
 * no maintained pure-JavaScript LZMA encoder exists. The parser is greedy with one step of lazy
 * evaluation over a hash chain, and tries the four repeated distances first; core.img is a few
 * hundred KiB, so a simple parser is fast and compresses within a few percent of grub-mkimage.
 */

/** The properties GRUB's decompressor assumes (and grub-mkimage encodes with). */
export const GRUB_LZMA_LC = 3;
export const GRUB_LZMA_LP = 0;
export const GRUB_LZMA_PB = 2;
/** grub-mkimage's dictionary size; no match reaches further back than this. */
export const GRUB_LZMA_DICTIONARY_SIZE = 1 << 16;

const PROB_BITS = 11;
const PROB_INIT = 1 << (PROB_BITS - 1);
const MOVE_BITS = 5;
const TOP = 1 << 24;
const STATES = 12;
const POS_STATES = 1 << GRUB_LZMA_PB;
const POS_STATE_MASK = POS_STATES - 1;
const LITERAL_CONTEXTS = 1 << (GRUB_LZMA_LC + GRUB_LZMA_LP);
const LEN_TO_DIST_STATES = 4;
const DIST_SLOT_BITS = 6;
const END_POS_MODEL = 14;
const FULL_DISTANCES = 1 << (END_POS_MODEL >> 1);
const ALIGN_BITS = 4;
const MATCH_MIN_LEN = 2;
const MATCH_MAX_LEN = 273;
const LEN_LOW_SYMBOLS = 8;
const LEN_MID_SYMBOLS = 8;

const HASH_BITS = 16;
const CHAIN_DEPTH = 64;
/** A 3-byte match beyond this distance rarely beats literals. */
const FAR_THREE_MATCH = 1 << 14;

class RangeEncoder {
  private low = 0;
  private range = 0xffffffff;
  private cache = 0;
  private cacheSize = 1;
  private out: Uint8Array;
  private length = 0;

  constructor(expectedSize: number) {
    this.out = new Uint8Array(Math.max(64, expectedSize));
  }

  private pushByte(byte: number): void {
    if (this.length === this.out.length) {
      const grown = new Uint8Array(this.out.length * 2);
      grown.set(this.out);
      this.out = grown;
    }
    this.out[this.length++] = byte;
  }

  /**
   * Emits the top byte of `low` once it can no longer change; a run of 0xFF bytes waits in
   * `cacheSize` until a carry (or its absence) settles it.
   */
  private shiftLow(): void {
    if (this.low < 0xff000000 || this.low >= 0x100000000) {
      const carry = this.low >= 0x100000000 ? 1 : 0;
      let byte = this.cache;
      do {
        this.pushByte((byte + carry) & 0xff);
        byte = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = Math.floor(this.low / TOP) & 0xff;
    }
    this.cacheSize++;
    this.low = (this.low % TOP) * 256;
  }

  bit(probs: Uint16Array, index: number, bit: number): void {
    const prob = probs[index]!;
    const bound = (this.range >>> PROB_BITS) * prob;
    if (bit === 0) {
      this.range = bound;
      probs[index] = prob + (((1 << PROB_BITS) - prob) >>> MOVE_BITS);
    } else {
      this.low += bound;
      this.range -= bound;
      probs[index] = prob - (prob >>> MOVE_BITS);
    }
    while (this.range < TOP) {
      this.range = (this.range * 256) >>> 0;
      this.shiftLow();
    }
  }

  /** `bits` high-to-low through a binary tree of probabilities rooted at probs[base + 1]. */
  tree(probs: Uint16Array, base: number, bits: number, symbol: number): void {
    let m = 1;
    for (let i = bits - 1; i >= 0; i--) {
      const bit = (symbol >>> i) & 1;
      this.bit(probs, base + m, bit);
      m = (m << 1) | bit;
    }
  }

  /** Like `tree`, but low bit first (distance footers and the align bits). */
  reverseTree(probs: Uint16Array, base: number, bits: number, symbol: number): void {
    let m = 1;
    for (let i = 0; i < bits; i++) {
      const bit = (symbol >>> i) & 1;
      this.bit(probs, base + m, bit);
      m = (m << 1) | bit;
    }
  }

  /** Bits with a fixed probability of one half, high to low. */
  direct(value: number, bits: number): void {
    for (let i = bits - 1; i >= 0; i--) {
      this.range >>>= 1;
      if ((value >>> i) & 1) this.low += this.range;
      while (this.range < TOP) {
        this.range = (this.range * 256) >>> 0;
        this.shiftLow();
      }
    }
  }

  finish(): Uint8Array {
    for (let i = 0; i < 5; i++) this.shiftLow();
    return this.out.slice(0, this.length);
  }
}

class LengthEncoder {
  private readonly choice = new Uint16Array(2).fill(PROB_INIT);
  private readonly low = new Uint16Array(POS_STATES << 3).fill(PROB_INIT);
  private readonly mid = new Uint16Array(POS_STATES << 3).fill(PROB_INIT);
  private readonly high = new Uint16Array(256).fill(PROB_INIT);

  encode(rc: RangeEncoder, length: number, posState: number): void {
    const symbol = length - MATCH_MIN_LEN;
    if (symbol < LEN_LOW_SYMBOLS) {
      rc.bit(this.choice, 0, 0);
      rc.tree(this.low, posState << 3, 3, symbol);
    } else if (symbol < LEN_LOW_SYMBOLS + LEN_MID_SYMBOLS) {
      rc.bit(this.choice, 0, 1);
      rc.bit(this.choice, 1, 0);
      rc.tree(this.mid, posState << 3, 3, symbol - LEN_LOW_SYMBOLS);
    } else {
      rc.bit(this.choice, 0, 1);
      rc.bit(this.choice, 1, 1);
      rc.tree(this.high, 0, 8, symbol - LEN_LOW_SYMBOLS - LEN_MID_SYMBOLS);
    }
  }
}

/** Index of the highest set bit plus one for the distance's slot (distance ≥ 4). */
function distanceSlot(distance: number): number {
  if (distance < 4) return distance;
  const topBit = 31 - Math.clz32(distance);
  return (topBit << 1) | ((distance >>> (topBit - 1)) & 1);
}

/** The symbol coder: models and state of the LZMA format, fed one decision at a time. */
class LzmaSymbolEncoder {
  private readonly literal = new Uint16Array(0x300 * LITERAL_CONTEXTS).fill(PROB_INIT);
  private readonly isMatch = new Uint16Array(STATES * POS_STATES).fill(PROB_INIT);
  private readonly isRep = new Uint16Array(STATES).fill(PROB_INIT);
  private readonly isRepG0 = new Uint16Array(STATES).fill(PROB_INIT);
  private readonly isRepG1 = new Uint16Array(STATES).fill(PROB_INIT);
  private readonly isRepG2 = new Uint16Array(STATES).fill(PROB_INIT);
  private readonly isRep0Long = new Uint16Array(STATES * POS_STATES).fill(PROB_INIT);
  private readonly distSlot = new Uint16Array(LEN_TO_DIST_STATES << DIST_SLOT_BITS).fill(PROB_INIT);
  private readonly distSpecial = new Uint16Array(FULL_DISTANCES).fill(PROB_INIT);
  private readonly distAlign = new Uint16Array(1 << ALIGN_BITS).fill(PROB_INIT);
  private readonly matchLen = new LengthEncoder();
  private readonly repLen = new LengthEncoder();
  private state = 0;
  /** Distances minus one, most recent first, as the format keeps them. */
  readonly reps = [0, 0, 0, 0];

  constructor(
    private readonly rc: RangeEncoder,
    private readonly data: Uint8Array,
  ) {}

  literalAt(pos: number): void {
    const posState = pos & POS_STATE_MASK;
    this.rc.bit(this.isMatch, (this.state << GRUB_LZMA_PB) | posState, 0);
    const prev = pos > 0 ? this.data[pos - 1]! : 0;
    const base = 0x300 * (prev >>> (8 - GRUB_LZMA_LC));
    const byte = this.data[pos]!;
    if (this.state < 7) {
      this.rc.tree(this.literal, base, 8, byte);
    } else {
      // After a match the byte the last distance points at steers the probabilities while
      // the bits agree with it.
      let matchByte = this.data[pos - this.reps[0]! - 1]!;
      let offset = 0x100;
      let symbol = 1;
      for (let i = 7; i >= 0; i--) {
        const bit = (byte >>> i) & 1;
        matchByte <<= 1;
        const matchBit = matchByte & offset;
        this.rc.bit(this.literal, base + offset + matchBit + symbol, bit);
        symbol = (symbol << 1) | bit;
        offset &= bit ? matchBit : ~matchBit;
      }
    }
    this.state = this.state < 4 ? 0 : this.state < 10 ? this.state - 3 : this.state - 6;
  }

  /** A match with a distance not among the four kept ones; `distance` is 1-based. */
  match(pos: number, distance: number, length: number): void {
    const posState = pos & POS_STATE_MASK;
    this.rc.bit(this.isMatch, (this.state << GRUB_LZMA_PB) | posState, 1);
    this.rc.bit(this.isRep, this.state, 0);
    this.matchLen.encode(this.rc, length, posState);
    const coded = distance - 1;
    const lenState = Math.min(length - MATCH_MIN_LEN, LEN_TO_DIST_STATES - 1);
    const slot = distanceSlot(coded);
    this.rc.tree(this.distSlot, lenState << DIST_SLOT_BITS, DIST_SLOT_BITS, slot);
    if (slot >= 4) {
      const footerBits = (slot >>> 1) - 1;
      const base = (2 | (slot & 1)) << footerBits;
      const reduced = coded - base;
      if (slot < END_POS_MODEL) {
        this.rc.reverseTree(this.distSpecial, base - slot - 1, footerBits, reduced);
      } else {
        this.rc.direct(reduced >>> ALIGN_BITS, footerBits - ALIGN_BITS);
        this.rc.reverseTree(this.distAlign, -1, ALIGN_BITS, reduced & ((1 << ALIGN_BITS) - 1));
      }
    }
    this.reps[3] = this.reps[2]!;
    this.reps[2] = this.reps[1]!;
    this.reps[1] = this.reps[0]!;
    this.reps[0] = coded;
    this.state = this.state < 7 ? 7 : 10;
  }

  /** One byte again from the last distance. */
  shortRep(pos: number): void {
    const posState = pos & POS_STATE_MASK;
    const stateIndex = (this.state << GRUB_LZMA_PB) | posState;
    this.rc.bit(this.isMatch, stateIndex, 1);
    this.rc.bit(this.isRep, this.state, 1);
    this.rc.bit(this.isRepG0, this.state, 0);
    this.rc.bit(this.isRep0Long, stateIndex, 0);
    this.state = this.state < 7 ? 9 : 11;
  }

  /** A match at the `index`-th kept distance (0–3), which then moves to the front. */
  repMatch(pos: number, index: number, length: number): void {
    const posState = pos & POS_STATE_MASK;
    const stateIndex = (this.state << GRUB_LZMA_PB) | posState;
    this.rc.bit(this.isMatch, stateIndex, 1);
    this.rc.bit(this.isRep, this.state, 1);
    if (index === 0) {
      this.rc.bit(this.isRepG0, this.state, 0);
      this.rc.bit(this.isRep0Long, stateIndex, 1);
    } else {
      this.rc.bit(this.isRepG0, this.state, 1);
      if (index === 1) {
        this.rc.bit(this.isRepG1, this.state, 0);
      } else {
        this.rc.bit(this.isRepG1, this.state, 1);
        this.rc.bit(this.isRepG2, this.state, index - 2);
      }
      const distance = this.reps[index]!;
      for (let i = index; i > 0; i--) this.reps[i] = this.reps[i - 1]!;
      this.reps[0] = distance;
    }
    this.repLen.encode(this.rc, length, posState);
    this.state = this.state < 7 ? 8 : 11;
  }
}

/** Finds earlier occurrences of the bytes at a position through chains of 3-byte hashes. */
class MatchFinder {
  private readonly head = new Int32Array(1 << HASH_BITS).fill(-1);
  private readonly previous: Int32Array;
  /** Positions below this are in the chains. */
  private inserted = 0;

  constructor(
    private readonly data: Uint8Array,
    private readonly maxDistance: number,
  ) {
    this.previous = new Int32Array(data.length);
  }

  private hash(pos: number): number {
    const d = this.data;
    const key = d[pos]! | (d[pos + 1]! << 8) | (d[pos + 2]! << 16);
    return Math.imul(key, 0x9e3779b1) >>> (32 - HASH_BITS);
  }

  /** Adds every position before `pos` that is not in the chains yet. */
  advanceTo(pos: number): void {
    const last = this.data.length - 3;
    for (; this.inserted < pos; this.inserted++) {
      if (this.inserted > last) continue;
      const h = this.hash(this.inserted);
      this.previous[this.inserted] = this.head[h]!;
      this.head[h] = this.inserted;
    }
  }

  /** Longest match at `pos` of 3 bytes or more, the nearest among equals; null when none. */
  longest(pos: number): { length: number; distance: number } | null {
    const d = this.data;
    if (pos + 3 > d.length) return null;
    this.advanceTo(pos);
    const limit = Math.min(MATCH_MAX_LEN, d.length - pos);
    let bestLength = 2;
    let bestDistance = 0;
    let candidate = this.head[this.hash(pos)]!;
    for (let depth = 0; depth < CHAIN_DEPTH && candidate >= 0; depth++) {
      const distance = pos - candidate;
      if (distance > this.maxDistance) break;
      if (d[candidate + bestLength] === d[pos + bestLength]) {
        let length = 0;
        while (length < limit && d[candidate + length] === d[pos + length]) length++;
        if (length > bestLength) {
          bestLength = length;
          bestDistance = distance;
          if (length === limit) break;
        }
      }
      candidate = this.previous[candidate]!;
    }
    return bestDistance === 0 ? null : { length: bestLength, distance: bestDistance };
  }
}

function matchLengthAt(data: Uint8Array, pos: number, distance: number): number {
  if (distance > pos) return 0;
  const limit = Math.min(MATCH_MAX_LEN, data.length - pos);
  let length = 0;
  while (length < limit && data[pos + length] === data[pos - distance + length]) length++;
  return length;
}

/** A 3-byte match far back costs more bits than its literals; longer ones always pay. */
function worthMatching(match: { length: number; distance: number }): boolean {
  return match.length > 3 || match.distance <= FAR_THREE_MATCH;
}

/**
 * Compresses `data` into the raw LZMA stream core.img carries (see the file comment). The
 * output decodes to exactly `data` when the decoder is told the size; it carries no end marker.
 */
export function encodeLzmaRaw(data: Uint8Array): Uint8Array {
  const rc = new RangeEncoder(data.length >>> 1);
  const coder = new LzmaSymbolEncoder(rc, data);
  const finder = new MatchFinder(data, GRUB_LZMA_DICTIONARY_SIZE);
  let pos = 0;
  let pending = finder.longest(pos);
  while (pos < data.length) {
    const main = pending;
    // A kept distance is cheaper to code than a new one of the same length.
    let repIndex = -1;
    let repLength = 0;
    for (let i = 0; i < 4; i++) {
      const length = matchLengthAt(data, pos, coder.reps[i]! + 1);
      if (length > repLength) {
        repLength = length;
        repIndex = i;
      }
    }
    const mainUsable = main !== null && worthMatching(main);
    if (repLength >= MATCH_MIN_LEN && (!mainUsable || repLength + 1 >= main.length)) {
      coder.repMatch(pos, repIndex, repLength);
      pos += repLength;
      pending = finder.longest(pos);
      continue;
    }
    if (mainUsable) {
      // One step of lazy evaluation: a longer match one byte later wins.
      const next = finder.longest(pos + 1);
      if (next === null || next.length <= main.length) {
        coder.match(pos, main.distance, main.length);
        pos += main.length;
        pending = finder.longest(pos);
        continue;
      }
      pending = next;
    } else {
      pending = finder.longest(pos + 1);
    }
    // One byte at the last distance is a "short rep", cheaper than most literals.
    if (pos > coder.reps[0]! && data[pos] === data[pos - coder.reps[0]! - 1]) {
      coder.shortRep(pos);
    } else {
      coder.literalAt(pos);
    }
    pos++;
  }
  return rc.finish();
}
