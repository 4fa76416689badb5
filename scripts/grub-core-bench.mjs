// `node scripts/grub-core-bench.mjs [i386-pc dir]`: the size of the GRUB core.img the engine
// builds for MBR and GPT sticks, and how long building it takes (reading the files, laying out
// kernel.img, the LZMA encoder). Numbers for notes; nothing here is asserted.
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const moduleDir = process.argv[2] ?? '/usr/lib/grub/i386-pc';
const RUNS = 7;

const work = mkdtempSync(join(tmpdir(), 'livestick-grub-bench-'));
try {
  const bundle = join(work, 'grub.mjs');
  await build({
    stdin: {
      contents: [
        "export * from './src/core/grub/bios-install';",
        "export { buildCoreImage } from './src/core/grub/core-image';",
        "export { encodeLzmaRaw } from './src/core/grub/lzma-encoder';",
      ].join('\n'),
      resolveDir: root,
      loader: 'ts',
    },
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
  });
  const grub = await import(bundle);
  const readModuleFile = async (name) => new Uint8Array(await readFile(join(moduleDir, name)));
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

  for (const table of ['mbr', 'gpt']) {
    const read = [];
    const encode = [];
    const whole = [];
    let result;
    let payloadBytes = 0;
    for (let run = 0; run < RUNS; run++) {
      const t0 = performance.now();
      const files = await grub.readI386PcFiles(readModuleFile, grub.grubBiosModuleNames(table));
      const t1 = performance.now();
      result = grub.buildGrubBiosInstall(files, {
        fatSerial: 0x1c2d4a3b,
        coreSector: table === 'mbr' ? 1 : 2048,
        coreAreaSectors: 2047,
      });
      const t2 = performance.now();
      const payload = grub.buildCoreImage(files, {
        modules: files.modules,
        prefix: '/boot/grub2',
      }).payload;
      payloadBytes = payload.length;
      const t3 = performance.now();
      grub.encodeLzmaRaw(payload);
      encode.push(performance.now() - t3);
      read.push(t1 - t0);
      whole.push(t2 - t0);
    }
    console.log(
      `${table}: core.img ${result.coreImageBytes} bytes (${result.coreSectors} sectors), ` +
        `payload ${payloadBytes} bytes, ${result.modules.length} modules; median of ${RUNS}: ` +
        `read ${median(read).toFixed(1)} ms, LZMA encoder ${median(encode).toFixed(1)} ms, ` +
        `read + build ${median(whole).toFixed(1)} ms (first run ${whole[0].toFixed(1)} ms)`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
