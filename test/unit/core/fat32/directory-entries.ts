// SPDX-License-Identifier: GPL-3.0-or-later
import { concatBytes } from '../../../../src/core/bytes';
import {
  ATTR_ARCHIVE,
  encodeLongNameEntries,
  encodeShortEntry,
  fatTimestamp,
} from '../../../../src/core/fat32/directory';
import { aliasShortName, exactShortName } from '../../../../src/core/fat32/names';

export const stamp = fatTimestamp(new Date(Date.UTC(2024, 4, 17, 12, 34, 57, 250)));

/** The directory entries (long name first when needed) of one file created at `stamp`. */
export function entriesFor(name: string, size: number, cluster: number): Uint8Array {
  const short = exactShortName(name) ?? aliasShortName(name, new Set());
  const entry = encodeShortEntry({
    packed: short.packed,
    attributes: ATTR_ARCHIVE,
    caseFlags: short.caseFlags,
    firstCluster: cluster,
    size,
    timestamp: stamp,
  });
  return short.needsLongName
    ? concatBytes([encodeLongNameEntries(name, short.packed), entry])
    : entry;
}
