// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Installs the engine's GRUB i386-pc boot code and core.img into a disk image, from an i386-pc
 * module directory. grub-bios.boot.test.ts bundles this file and runs it in a private mount
 * namespace where every grub-*, syslinux and extlinux binary is /dev/null, so only the engine
 * can have done the work.
 *
 *   node driver.mjs <image> <module dir> <mbr|gpt> <FAT serial, hex> <core LBA> <area sectors>
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildGrubBiosInstall,
  grubBiosModuleNames,
  readI386PcFiles,
  type GrubPartitionTable,
} from '../../src/core/grub/bios-install';

async function main(): Promise<void> {
  const [image, moduleDir, table, serialHex, coreSector, areaSectors] = process.argv.slice(2);
  if (areaSectors === undefined || (table !== 'mbr' && table !== 'gpt')) {
    throw new Error('usage: <image> <module dir> <mbr|gpt> <serial> <core LBA> <area sectors>');
  }
  const started = performance.now();
  const files = await readI386PcFiles(
    async (name) => new Uint8Array(await readFile(join(moduleDir!, name))),
    grubBiosModuleNames(table as GrubPartitionTable),
  );
  const install = buildGrubBiosInstall(files, {
    fatSerial: Number.parseInt(serialHex!, 16),
    coreSector: Number(coreSector),
    coreAreaSectors: Number(areaSectors),
  });
  const fd = openSync(image!, 'r+');
  try {
    writeSync(fd, install.bootCode, 0, install.bootCode.length, 0);
    const core = install.coreExtent;
    if (core.fill.kind !== 'bytes') throw new Error('core.img extent without bytes');
    writeSync(fd, core.fill.data, 0, core.length, core.offset);
  } finally {
    closeSync(fd);
  }
  const summary = {
    coreImageBytes: install.coreImageBytes,
    coreSectors: install.coreSectors,
    modules: install.modules,
    milliseconds: Math.round(performance.now() - started),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
