// SPDX-License-Identifier: GPL-3.0-or-later
/** Random access to one file inside the ISO, across its extents, for nested format readers. */
import type { ByteSource } from '../byte-source';
import { FormatError } from '../format-error';
import type { IsoFile } from './types';

export function isoFileSource(source: ByteSource, file: IsoFile): ByteSource {
  return {
    size: file.size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      if (offset < 0 || length < 0 || offset + length > file.size) {
        throw new FormatError(
          file.path,
          offset,
          `read of ${length} bytes past its ${file.size}-byte end`,
        );
      }
      if (length === 0) return new Uint8Array(0);
      const parts: Uint8Array[] = [];
      let extentStart = 0;
      for (const extent of file.extents) {
        const extentEnd = extentStart + extent.length;
        const from = Math.max(offset, extentStart);
        const to = Math.min(offset + length, extentEnd);
        if (from < to) parts.push(await source.read(extent.offset + from - extentStart, to - from));
        if (extentEnd >= offset + length) break;
        extentStart = extentEnd;
      }
      if (parts.length === 1) return parts[0]!;
      const out = new Uint8Array(length);
      let at = 0;
      for (const part of parts) {
        out.set(part, at);
        at += part.length;
      }
      return out;
    },
  };
}

/** Reads a small file whole (a boot config); `maxBytes` keeps a lying size from allocating GiBs. */
export async function readIsoFileBytes(
  source: ByteSource,
  file: IsoFile,
  maxBytes: number,
): Promise<Uint8Array> {
  if (file.size > maxBytes) {
    throw new FormatError(file.path, 0, `${file.size} bytes, more than the ${maxBytes} expected`);
  }
  return isoFileSource(source, file).read(0, file.size);
}
