// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { parseHelperArgs } from './session';
import {
  LineDecoder,
  MAX_LINE_BYTES,
  ProtocolError,
  encodeMessage,
  helperMessageSchema,
  parentMessageSchema,
} from './protocol';

const job = {
  v: 1,
  type: 'write',
  job: {
    imagePath: '/isos/live.iso',
    target: '/dev/sdb',
    sizing: { overlayType: 'auto', encryptedHome: false, partitionTable: 'mbr' },
    verify: true,
    zeroFill: false,
  },
  unmount: true,
  eject: true,
} as const;

describe('LineDecoder', () => {
  it('reassembles messages split across chunks', () => {
    const decoder = new LineDecoder(parentMessageSchema);
    const line = encodeMessage(job);
    expect(decoder.push(line.slice(0, 10))).toEqual([]);
    expect(decoder.push(line.slice(10) + encodeMessage({ v: 1, type: 'cancel' }))).toEqual([
      job,
      { v: 1, type: 'cancel' },
    ]);
  });

  it('rejects other versions, unknown fields and junk', () => {
    const decoder = new LineDecoder(parentMessageSchema);
    expect(() => decoder.push('{"v":2,"type":"cancel"}\n')).toThrow(/version 2 received, 1/);
    expect(() => decoder.push('{"v":1,"type":"cancel","extra":1}\n')).toThrow(ProtocolError);
    expect(() => decoder.push('not json\n')).toThrow(/not JSON/);
    expect(() => decoder.push(encodeMessage({ ...job, job: { ...job.job, target: '' } }))).toThrow(
      /job.target/,
    );
  });

  it('refuses an endless line', () => {
    const decoder = new LineDecoder(helperMessageSchema);
    expect(() => decoder.push('x'.repeat(MAX_LINE_BYTES + 1))).toThrow(/exceeds/);
  });

  it('accepts a hello only with a 256-bit hex token', () => {
    const decoder = new LineDecoder(helperMessageSchema);
    expect(
      decoder.push(`{"v":1,"type":"hello","token":"${'ab'.repeat(32)}","pid":7}\n`),
    ).toHaveLength(1);
    expect(() => decoder.push('{"v":1,"type":"hello","token":"short","pid":7}\n')).toThrow(/token/);
  });
});

describe('parseHelperArgs', () => {
  it('takes exactly the socket and the token file', () => {
    expect(parseHelperArgs(['--socket', '/d/s', '--token-file', '/d/t'])).toEqual({
      socket: '/d/s',
      tokenFile: '/d/t',
    });
    expect(parseHelperArgs(['--socket', '/d/s'])).toBeNull();
    expect(parseHelperArgs(['--socket', '/d/s', '--token', 'x'])).toBeNull();
  });
});
