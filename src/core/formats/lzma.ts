// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * One-shot decoders for the LZMA family as squashfs uses it: .xz streams (LZMA2, optionally after
 * the x86 BCJ filter that mksquashfs -Xbcj x86 applies) and legacy .lzma ("LZMA alone") data.
 * Written from the format descriptions (xz file format 1.x, LZMA spec) because no maintained pure
 * JavaScript xz decoder exists; squashfs metadata blocks are ≤ 8 KiB so clarity beats speed here.
 * Every input index and output length is checked: corrupt input ends in a FormatError.
 */
import { u32le, u8 } from '../bytes';
import { crc32 } from '../crc32';
import { FormatError } from '../format-error';

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] as const;
const XZ_HEADER_SIZE = 12;
/** Bytes of the integrity check per check type (xz format §2.1.1.2). */
const CHECK_SIZES = [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64] as const;
const CHECK_CRC32 = 1;
const FILTER_X86 = 0x04;
const FILTER_LZMA2 = 0x21;
const MAX_FILTERS = 4;

const PROB_INIT = 1024;
const TOP = 1 << 24;
const STATES = 12;
const POS_STATES_MAX = 16;
const LEN_TO_DIST_STATES = 4;
const DIST_SLOTS = 64;
const END_POS_MODEL = 14;
const FULL_DISTANCES = 128;
const ALIGN_BITS = 4;
const MATCH_MIN_LEN = 2;

class RangeDecoder {
  range = 0xffffffff;
  code = 0;
  constructor(
    private readonly input: Uint8Array,
    public pos: number,
    private readonly end: number,
  ) {
    if (end - pos < 5 || input[pos] !== 0) {
      throw new FormatError('LZMA range coder', pos, 'bad initialisation bytes');
    }
    for (let i = 1; i < 5; i++) this.code = ((this.code << 8) | input[pos + i]!) >>> 0;
    this.pos += 5;
    if (this.code === 0xffffffff)
      throw new FormatError('LZMA range coder', pos, 'bad initial code');
  }

  private normalize(): void {
    if (this.range < TOP) {
      if (this.pos >= this.end)
        throw new FormatError('LZMA data', this.pos, 'compressed data ends early');
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.input[this.pos++]!) >>> 0;
    }
  }

  bit(probs: Uint16Array, index: number): number {
    this.normalize();
    const prob = probs[index]!;
    const bound = (this.range >>> 11) * prob;
    if (this.code < bound) {
      this.range = bound;
      probs[index] = prob + ((2048 - prob) >>> 5);
      return 0;
    }
    this.range -= bound;
    this.code -= bound;
    probs[index] = prob - (prob >>> 5);
    return 1;
  }

  tree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    for (let i = 0; i < bits; i++) m = (m << 1) | this.bit(probs, base + m);
    return m - (1 << bits);
  }

  reverseTree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    let symbol = 0;
    for (let i = 0; i < bits; i++) {
      const bit = this.bit(probs, base + m);
      m = (m << 1) | bit;
      symbol |= bit << i;
    }
    return symbol;
  }

  direct(bits: number): number {
    let result = 0;
    for (let i = 0; i < bits; i++) {
      this.normalize();
      this.range >>>= 1;
      let bit = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        bit = 1;
      }
      result = ((result << 1) | bit) >>> 0;
    }
    return result;
  }
}

class LengthDecoder {
  readonly choice = new Uint16Array(2);
  readonly low = new Uint16Array(POS_STATES_MAX << 3);
  readonly mid = new Uint16Array(POS_STATES_MAX << 3);
  readonly high = new Uint16Array(256);

  reset(): void {
    for (const probs of [this.choice, this.low, this.mid, this.high]) probs.fill(PROB_INIT);
  }

  /** Match length minus MATCH_MIN_LEN. */
  decode(rc: RangeDecoder, posState: number): number {
    if (rc.bit(this.choice, 0) === 0) return rc.tree(this.low, posState << 3, 3);
    if (rc.bit(this.choice, 1) === 0) return 8 + rc.tree(this.mid, posState << 3, 3);
    return 16 + rc.tree(this.high, 0, 8);
  }
}

interface LzmaProperties {
  readonly lc: number;
  readonly lp: number;
  readonly pb: number;
}

function decodeProperties(byte: number, at: number): LzmaProperties {
  if (byte >= 9 * 5 * 5)
    throw new FormatError('LZMA properties', at, `byte ${byte} is out of range`);
  return { lc: byte % 9, lp: Math.floor(byte / 9) % 5, pb: Math.floor(byte / 45) };
}

/** The LZMA decoder state; the output buffer doubles as the dictionary (one-shot decoding). */
class LzmaDecoder {
  private props: LzmaProperties = { lc: 0, lp: 0, pb: 0 };
  private literal = new Uint16Array(0x300);
  private readonly isMatch = new Uint16Array(STATES * POS_STATES_MAX);
  private readonly isRep = new Uint16Array(STATES);
  private readonly isRepG0 = new Uint16Array(STATES);
  private readonly isRepG1 = new Uint16Array(STATES);
  private readonly isRepG2 = new Uint16Array(STATES);
  private readonly isRep0Long = new Uint16Array(STATES * POS_STATES_MAX);
  private readonly distSlot = new Uint16Array(LEN_TO_DIST_STATES * DIST_SLOTS);
  private readonly distSpecial = new Uint16Array(FULL_DISTANCES - END_POS_MODEL + 1);
  private readonly distAlign = new Uint16Array(1 << ALIGN_BITS);
  private readonly matchLen = new LengthDecoder();
  private readonly repLen = new LengthDecoder();
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;
  /** Output index of the last dictionary reset: matches cannot reach before it. */
  dictStart = 0;

  constructor(readonly out: Uint8Array) {}

  setProperties(props: LzmaProperties): void {
    this.props = props;
    this.literal = new Uint16Array(0x300 << (props.lc + props.lp));
  }

  resetState(): void {
    for (const probs of [
      this.literal,
      this.isMatch,
      this.isRep,
      this.isRepG0,
      this.isRepG1,
      this.isRepG2,
      this.isRep0Long,
      this.distSlot,
      this.distSpecial,
      this.distAlign,
    ]) {
      probs.fill(PROB_INIT);
    }
    this.matchLen.reset();
    this.repLen.reset();
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
  }

  /**
   * Decodes from `rc` until the output reaches `end`. Returns the output position reached; with
   * `allowEndMarker`, decoding may stop early at an end-of-payload marker.
   */
  decode(rc: RangeDecoder, start: number, end: number, allowEndMarker: boolean): number {
    const { lc, lp, pb } = this.props;
    const pbMask = (1 << pb) - 1;
    const lpMask = (1 << lp) - 1;
    const out = this.out;
    let pos = start;
    while (pos < end) {
      const rel = pos - this.dictStart;
      const posState = rel & pbMask;
      const stateIndex = (this.state << 4) | posState;
      if (rc.bit(this.isMatch, stateIndex) === 0) {
        const prev = pos > this.dictStart ? out[pos - 1]! : 0;
        const base = 0x300 * (((rel & lpMask) << lc) + (prev >>> (8 - lc)));
        let symbol = 1;
        if (this.state < 7) {
          while (symbol < 0x100) symbol = (symbol << 1) | rc.bit(this.literal, base + symbol);
        } else {
          let matchByte = out[this.reference(pos, this.rep0)]!;
          let offset = 0x100;
          while (symbol < 0x100) {
            matchByte <<= 1;
            const matchBit = matchByte & offset;
            const bit = rc.bit(this.literal, base + offset + matchBit + symbol);
            symbol = (symbol << 1) | bit;
            offset &= bit ? matchBit : ~matchBit;
          }
        }
        out[pos++] = symbol & 0xff;
        this.state = this.state < 4 ? 0 : this.state < 10 ? this.state - 3 : this.state - 6;
        continue;
      }
      let length: number;
      if (rc.bit(this.isRep, this.state) === 0) {
        this.rep3 = this.rep2;
        this.rep2 = this.rep1;
        this.rep1 = this.rep0;
        length = this.matchLen.decode(rc, posState);
        this.state = this.state < 7 ? 7 : 10;
        this.rep0 = this.decodeDistance(rc, length);
        if (this.rep0 === 0xffffffff) {
          if (allowEndMarker) return pos;
          throw new FormatError('LZMA data', pos, 'end marker where none is allowed');
        }
      } else {
        if (rc.bit(this.isRepG0, this.state) === 0) {
          if (rc.bit(this.isRep0Long, stateIndex) === 0) {
            this.state = this.state < 7 ? 9 : 11;
            out[pos] = out[this.reference(pos, this.rep0)]!;
            pos++;
            continue;
          }
        } else {
          let distance: number;
          if (rc.bit(this.isRepG1, this.state) === 0) {
            distance = this.rep1;
          } else {
            if (rc.bit(this.isRepG2, this.state) === 0) {
              distance = this.rep2;
            } else {
              distance = this.rep3;
              this.rep3 = this.rep2;
            }
            this.rep2 = this.rep1;
          }
          this.rep1 = this.rep0;
          this.rep0 = distance;
        }
        length = this.repLen.decode(rc, posState);
        this.state = this.state < 7 ? 8 : 11;
      }
      const count = length + MATCH_MIN_LEN;
      if (pos + count > end)
        throw new FormatError('LZMA data', pos, 'match runs past the chunk end');
      let from = this.reference(pos, this.rep0);
      for (let i = 0; i < count; i++) out[pos++] = out[from++]!;
    }
    return pos;
  }

  private reference(pos: number, distance: number): number {
    if (distance >= pos - this.dictStart) {
      throw new FormatError(
        'LZMA data',
        pos,
        `distance ${distance + 1} reaches before the dictionary`,
      );
    }
    return pos - distance - 1;
  }

  private decodeDistance(rc: RangeDecoder, length: number): number {
    const lenState = Math.min(length, LEN_TO_DIST_STATES - 1);
    const slot = rc.tree(this.distSlot, lenState * DIST_SLOTS, 6);
    if (slot < 4) return slot;
    const directBits = (slot >>> 1) - 1;
    let distance = ((2 | (slot & 1)) << directBits) >>> 0;
    if (slot < END_POS_MODEL) {
      return distance + rc.reverseTree(this.distSpecial, distance - slot - 1, directBits);
    }
    distance = (distance + ((rc.direct(directBits - ALIGN_BITS) << ALIGN_BITS) >>> 0)) >>> 0;
    return (distance + rc.reverseTree(this.distAlign, -1, ALIGN_BITS)) >>> 0;
  }
}

/** Decodes a raw LZMA2 stream at input[pos..end) into out[outStart..]; returns [inPos, outPos]. */
function decodeLzma2(
  input: Uint8Array,
  pos: number,
  end: number,
  out: Uint8Array,
): [number, number] {
  const lzma = new LzmaDecoder(out);
  let outPos = 0;
  let needProps = true;
  for (;;) {
    if (pos >= end) throw new FormatError('LZMA2 data', pos, 'no end-of-stream chunk');
    const control = input[pos]!;
    if (control === 0x00) return [pos + 1, outPos];
    if (control === 0x01 || control === 0x02) {
      if (pos + 3 > end) throw new FormatError('LZMA2 chunk', pos, 'truncated header');
      const size = ((input[pos + 1]! << 8) | input[pos + 2]!) + 1;
      pos += 3;
      if (control === 0x01) lzma.dictStart = outPos;
      if (pos + size > end || outPos + size > out.length) {
        throw new FormatError('LZMA2 chunk', pos, `stored chunk of ${size} bytes does not fit`);
      }
      out.set(input.subarray(pos, pos + size), outPos);
      pos += size;
      outPos += size;
      continue;
    }
    if (control < 0x80)
      throw new FormatError('LZMA2 chunk', pos, `control byte 0x${control.toString(16)}`);
    if (pos + 5 > end) throw new FormatError('LZMA2 chunk', pos, 'truncated header');
    const unpacked = (control & 0x1f) * 0x10000 + ((input[pos + 1]! << 8) | input[pos + 2]!) + 1;
    const packed = ((input[pos + 3]! << 8) | input[pos + 4]!) + 1;
    const reset = (control >>> 5) & 3;
    pos += 5;
    if (reset === 3) lzma.dictStart = outPos;
    if (reset >= 2) {
      if (pos >= end) throw new FormatError('LZMA2 chunk', pos, 'missing properties byte');
      const props = decodeProperties(input[pos]!, pos);
      if (props.lc + props.lp > 4) throw new FormatError('LZMA2 properties', pos, 'lc + lp > 4');
      lzma.setProperties(props);
      needProps = false;
      pos++;
    } else if (needProps) {
      throw new FormatError('LZMA2 chunk', pos, 'LZMA chunk before any properties');
    }
    if (reset >= 1) lzma.resetState();
    if (pos + packed > end || outPos + unpacked > out.length) {
      throw new FormatError(
        'LZMA2 chunk',
        pos,
        `chunk (${packed} → ${unpacked} bytes) does not fit`,
      );
    }
    const rc = new RangeDecoder(input, pos, pos + packed);
    outPos = lzma.decode(rc, outPos, outPos + unpacked, false);
    pos += packed;
  }
}

/** Reads an xz variable-length integer (≤ 9 bytes, 7 bits each). */
function readVli(input: Uint8Array, pos: number, end: number): [number, number] {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (pos + i >= end) throw new FormatError('xz integer', pos, 'truncated');
    const byte = input[pos + i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return [value, pos + i + 1];
  }
  throw new FormatError('xz integer', pos, 'longer than 9 bytes');
}

/**
 * Decodes an .xz stream whose decoded size is at most `maxOut` bytes (squashfs knows it: one
 * metadata block is ≤ 8 KiB). Supports the LZMA2 filter preceded by x86 BCJ, and verifies CRC32
 * checks (the kind mksquashfs writes).
 */
export function xzDecompress(input: Uint8Array, maxOut: number): Uint8Array {
  if (input.length < XZ_HEADER_SIZE || XZ_MAGIC.some((b, i) => input[i] !== b)) {
    throw new FormatError('xz stream', 0, 'missing magic bytes FD 37 7A 58 5A 00');
  }
  const flags = input.subarray(6, 8);
  if (crc32(flags) !== u32le(input, 8))
    throw new FormatError('xz stream header', 6, 'CRC32 mismatch');
  if (flags[0] !== 0 || (flags[1]! & 0xf0) !== 0)
    throw new FormatError('xz stream header', 6, 'reserved flags set');
  const checkType = flags[1]! & 0x0f;
  const checkSize = CHECK_SIZES[checkType]!;
  const out = new Uint8Array(maxOut);
  let outPos = 0;
  let pos = XZ_HEADER_SIZE;
  for (;;) {
    if (pos >= input.length) throw new FormatError('xz stream', pos, 'ends before its index');
    const sizeByte = u8(input, pos);
    if (sizeByte === 0) break; // index indicator: all blocks done
    const headerSize = (sizeByte + 1) * 4;
    if (pos + headerSize > input.length) throw new FormatError('xz block header', pos, 'truncated');
    const header = input.subarray(pos, pos + headerSize);
    if (crc32(header.subarray(0, headerSize - 4)) !== u32le(header, headerSize - 4)) {
      throw new FormatError('xz block header', pos, 'CRC32 mismatch');
    }
    const blockFlags = header[1]!;
    if ((blockFlags & 0x3c) !== 0)
      throw new FormatError('xz block header', pos + 1, 'reserved flags set');
    const filterCount = (blockFlags & 0x03) + 1;
    let at = 2;
    if (blockFlags & 0x40) at = readVli(header, at, headerSize - 4)[1];
    if (blockFlags & 0x80) at = readVli(header, at, headerSize - 4)[1];
    const filters: { id: number; props: Uint8Array }[] = [];
    for (let i = 0; i < filterCount && i < MAX_FILTERS; i++) {
      const [id, afterId] = readVli(header, at, headerSize - 4);
      const [propsSize, afterSize] = readVli(header, afterId, headerSize - 4);
      if (afterSize + propsSize > headerSize - 4)
        throw new FormatError('xz filter flags', pos + at, 'truncated');
      filters.push({ id, props: header.subarray(afterSize, afterSize + propsSize) });
      at = afterSize + propsSize;
    }
    const last = filters[filters.length - 1];
    if (last === undefined || last.id !== FILTER_LZMA2) {
      throw new FormatError('xz block', pos, 'last filter is not LZMA2');
    }
    let bcjStart: number | null = null;
    for (const filter of filters.slice(0, -1)) {
      if (filter.id !== FILTER_X86) {
        throw new FormatError('xz block', pos, `unsupported filter 0x${filter.id.toString(16)}`);
      }
      bcjStart = filter.props.length === 4 ? u32le(filter.props, 0) : 0;
    }
    pos += headerSize;
    const blockOut = out.subarray(outPos);
    const [after, produced] = decodeLzma2(input, pos, input.length, blockOut);
    if (bcjStart !== null) x86Decode(blockOut.subarray(0, produced), bcjStart);
    const compressed = after - pos;
    pos = after + ((4 - (compressed % 4)) % 4);
    if (pos + checkSize > input.length) throw new FormatError('xz block', pos, 'missing check');
    if (checkType === CHECK_CRC32 && crc32(blockOut.subarray(0, produced)) !== u32le(input, pos)) {
      throw new FormatError('xz block', pos, 'CRC32 of the decoded data does not match');
    }
    pos += checkSize;
    outPos += produced;
  }
  return out.subarray(0, outPos);
}

/** Legacy "LZMA alone" data: properties byte, dictionary size, 64-bit size (or -1), then LZMA. */
export function lzmaAloneDecompress(input: Uint8Array, maxOut: number): Uint8Array {
  const HEADER = 13;
  if (input.length < HEADER) throw new FormatError('LZMA header', 0, 'truncated');
  const props = decodeProperties(input[0]!, 0);
  const sizeLow = u32le(input, 5);
  const sizeHigh = u32le(input, 9);
  const known = !(sizeLow === 0xffffffff && sizeHigh === 0xffffffff);
  if (known && (sizeHigh !== 0 || sizeLow > maxOut)) {
    throw new FormatError('LZMA header', 5, `uncompressed size exceeds ${maxOut} bytes`);
  }
  const out = new Uint8Array(known ? sizeLow : maxOut);
  const lzma = new LzmaDecoder(out);
  lzma.setProperties(props);
  lzma.resetState();
  const rc = new RangeDecoder(input, HEADER, input.length);
  const end = lzma.decode(rc, 0, out.length, true);
  return out.subarray(0, end);
}

/**
 * Reverses the x86 BCJ filter: E8/E9 (call/jmp rel32) operands were made absolute by the encoder.
 * The prefix mask tracks recent E8/E9 bytes so the same false positives are skipped as encoding.
 */
function x86Decode(buf: Uint8Array, startOffset: number): void {
  const allowed = [true, true, true, false, true, false, false, false];
  const maskToBit = [0, 1, 2, 2, 3, 3, 3, 3];
  const isMsByte = (b: number): boolean => b === 0x00 || b === 0xff;
  if (buf.length <= 4) return;
  const limit = buf.length - 4;
  let prevPos = -1;
  let prevMask = 0;
  for (let i = 0; i < limit; i++) {
    if ((buf[i]! & 0xfe) !== 0xe8) continue;
    const gap = i - prevPos;
    if (gap > 3) {
      prevMask = 0;
    } else {
      prevMask = (prevMask << (gap - 1)) & 7;
      if (prevMask !== 0) {
        const b = buf[i + 4 - maskToBit[prevMask]!]!;
        if (!allowed[prevMask] || isMsByte(b)) {
          prevPos = i;
          prevMask = (prevMask << 1) | 1;
          continue;
        }
      }
    }
    prevPos = i;
    if (!isMsByte(buf[i + 4]!)) {
      prevMask = (prevMask << 1) | 1;
      continue;
    }
    let src = u32le(buf, i + 1);
    let dest: number;
    for (;;) {
      dest = (src - (startOffset + i + 5)) >>> 0;
      if (prevMask === 0) break;
      const shift = maskToBit[prevMask]! * 8;
      if (!isMsByte((dest >>> (24 - shift)) & 0xff)) break;
      src = (dest ^ (2 ** (32 - shift) - 1)) >>> 0;
    }
    dest &= 0x01ffffff;
    if (dest & 0x01000000) dest |= 0xfe000000;
    buf[i + 1] = dest & 0xff;
    buf[i + 2] = (dest >>> 8) & 0xff;
    buf[i + 3] = (dest >>> 16) & 0xff;
    buf[i + 4] = (dest >>> 24) & 0xff;
    i += 4;
  }
}
