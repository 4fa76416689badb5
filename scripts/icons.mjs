// `npm run icons` (also run by `npm run build`): renders assets/livestick.svg, the icon's only
// source, to what the packages and the window need, under assets/generated/icons/ (ignored by
// git): PNGs for Linux (one per size, as electron-builder's icon directory), icon.ico for
// Windows, icon.icns for macOS. Pure JavaScript and WebAssembly: nothing to compile or fetch.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Resvg, initWasm } from '@resvg/resvg-wasm';
import png2icons from 'png2icons';

const root = new URL('..', import.meta.url).pathname;
const SOURCE = `${root}assets/livestick.svg`;
export const ICON_DIR = `${root}assets/generated/icons`;
/** The sizes freedesktop icon themes and electron-builder's Linux targets look for. */
const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512];
/** ICO and ICNS are made from one large rendering, which png2icons scales down per entry. */
const MASTER_SIZE = 1024;

let wasmReady = null;

function render(svg, size) {
  const resvg = new Resvg(svg, { fitTo: { mode: 'width', value: size } });
  return resvg.render().asPng();
}

export async function buildIcons() {
  wasmReady ??= readFile(
    createRequire(import.meta.url).resolve('@resvg/resvg-wasm/index_bg.wasm'),
  ).then((wasm) => initWasm(wasm));
  await wasmReady;
  const svg = await readFile(SOURCE, 'utf8');
  await mkdir(`${ICON_DIR}/png`, { recursive: true });
  for (const size of PNG_SIZES) {
    await writeFile(`${ICON_DIR}/png/${size}x${size}.png`, render(svg, size));
  }
  const master = Buffer.from(render(svg, MASTER_SIZE));
  const ico = png2icons.createICO(master, png2icons.BICUBIC2, 0, false, true);
  const icns = png2icons.createICNS(master, png2icons.BICUBIC2, 0);
  if (!ico || !icns) throw new Error('png2icons could not convert the rendered icon');
  await writeFile(`${ICON_DIR}/icon.ico`, ico);
  await writeFile(`${ICON_DIR}/icon.icns`, icns);
  return ICON_DIR;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  console.log(`icons: ${await buildIcons()}`);
}
