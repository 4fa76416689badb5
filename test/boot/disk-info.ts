import { run } from './fixtures';

/** Reads a disk image's partition table and filesystem ids with sfdisk and blkid, never mounting. */

export interface PartitionInfo {
  /** 1-based partition number. */
  number: number;
  startBytes: number;
  sizeBytes: number;
  /** MBR type byte as hex (e.g. "c") or GPT type GUID, as sfdisk prints it. */
  type: string;
  bootable: boolean;
  /** blkid's low-level probe of the filesystem inside: TYPE, UUID, LABEL, ... */
  fs: Record<string, string>;
}

export interface DiskInfo {
  label: 'dos' | 'gpt';
  id: string;
  sectorSize: number;
  partitions: PartitionInfo[];
}

interface SfdiskJson {
  partitiontable: {
    label: 'dos' | 'gpt';
    id: string;
    sectorsize?: number;
    partitions?: { node: string; start: number; size: number; type: string; bootable?: boolean }[];
  };
}

export async function readDiskInfo(image: string): Promise<DiskInfo> {
  const table = (JSON.parse(await run('sfdisk', ['--json', image])) as SfdiskJson).partitiontable;
  const sectorSize = table.sectorsize ?? 512;
  const partitions: PartitionInfo[] = [];
  for (const p of table.partitions ?? []) {
    const startBytes = p.start * sectorSize;
    const sizeBytes = p.size * sectorSize;
    partitions.push({
      number: Number(/(\d+)$/.exec(p.node)?.[1] ?? partitions.length + 1),
      startBytes,
      sizeBytes,
      type: p.type,
      bootable: p.bootable === true,
      fs: await probeFilesystem(image, startBytes, sizeBytes),
    });
  }
  return { label: table.label, id: table.id, sectorSize, partitions };
}

/** blkid -p of the bytes [offset, offset+size) of a file; {} when nothing is recognised. */
export async function probeFilesystem(
  file: string,
  offset = 0,
  size?: number,
): Promise<Record<string, string>> {
  const args = ['-p', '-o', 'export', '-O', String(offset)];
  if (size !== undefined) args.push('-S', String(size));
  let out: string;
  try {
    out = await run('blkid', [...args, file]);
  } catch {
    // blkid exits 2 when it finds no signature.
    return {};
  }
  const fields: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !line.startsWith('DEVNAME=')) fields[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return fields;
}
