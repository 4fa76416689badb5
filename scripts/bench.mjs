// `npm run bench`: how long `livestick write --no-verify` takes against `dd` writing the same
// number of bytes to the same kind of target, how many bytes it writes, and its peak memory.
// Numbers for notes and docs; nothing here is asserted.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const cache = join(root, '.cache', 'bench');
const PAYLOAD_MIB = Number(process.env.LIVESTICK_BENCH_PAYLOAD_MIB ?? 1024);
const TARGET = '8G';
mkdirSync(cache, { recursive: true });

function sh(cmd, args) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A LiveOS ISO whose squashfs is PAYLOAD_MIB of incompressible data: realistic copy volume. */
function benchIso() {
  const iso = join(cache, `bench-${PAYLOAD_MIB}.iso`);
  if (existsSync(iso)) return iso;
  const tree = join(cache, 'tree');
  rmSync(tree, { recursive: true, force: true });
  const inner = join(cache, 'inner');
  rmSync(inner, { recursive: true, force: true });
  mkdirSync(join(inner, 'LiveOS'), { recursive: true });
  sh('dd', [
    'if=/dev/urandom',
    `of=${join(inner, 'LiveOS', 'rootfs.img')}`,
    'bs=1M',
    `count=${PAYLOAD_MIB}`,
    'status=none',
  ]);
  mkdirSync(join(tree, 'LiveOS'), { recursive: true });
  sh('mksquashfs', [
    inner,
    join(tree, 'LiveOS', 'squashfs.img'),
    '-noI',
    '-noD',
    '-noF',
    '-noX',
    '-quiet',
    '-no-progress',
  ]);
  for (const dir of ['isolinux', 'EFI/BOOT', 'images/pxeboot'])
    mkdirSync(join(tree, dir), { recursive: true });
  const label = 'Fedora-Bench-Live';
  writeFileSync(join(tree, 'images/pxeboot/vmlinuz'), Buffer.alloc(12 << 20, 1));
  writeFileSync(join(tree, 'images/pxeboot/initrd.img'), Buffer.alloc(90 << 20, 2));
  writeFileSync(join(tree, 'EFI/BOOT/BOOTX64.EFI'), Buffer.alloc(1 << 20, 3));
  writeFileSync(
    join(tree, 'EFI/BOOT/grub.cfg'),
    `search --no-floppy --set=root -l '${label}'\nmenuentry 'Start' {\n  linuxefi /images/pxeboot/vmlinuz root=live:CDLABEL=${label} rd.live.image quiet\n  initrdefi /images/pxeboot/initrd.img\n}\n`,
  );
  writeFileSync(
    join(tree, 'isolinux/isolinux.cfg'),
    `default linux\nlabel linux\n  kernel vmlinuz\n  append initrd=initrd.img root=live:CDLABEL=${label} rd.live.image quiet\n`,
  );
  sh('cp', ['/usr/lib/ISOLINUX/isolinux.bin', join(tree, 'isolinux/')]);
  sh('xorriso', ['-as', 'mkisofs', '-quiet', '-V', label, '-R', '-J', '-o', iso, tree]);
  rmSync(tree, { recursive: true, force: true });
  rmSync(inner, { recursive: true, force: true });
  return iso;
}

/** Runs a command, sampling its peak RSS (VmHWM) from /proc until it exits. */
function timed(cmd, args) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakKiB = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const sample = setInterval(() => {
      try {
        const match = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (match) peakKiB = Math.max(peakKiB, Number(match[1]));
      } catch {
        // the process is gone
      }
    }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(sample);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`${cmd} exited ${code}: ${stderr}`));
      else resolve({ seconds, stdout, peakMiB: peakKiB / 1024 });
    });
  });
}

async function benchTarget(kind, iso) {
  const file = join(cache, `target-${kind}.img`);
  rmSync(file, { force: true });
  sh('truncate', ['-s', TARGET, file]);
  let target = file;
  if (kind === 'loop') target = sh('losetup', ['-f', '--show', file]).trim();
  try {
    const write = await timed(process.execPath, [
      join(root, 'bin', 'livestick.cjs'),
      'write',
      iso,
      target,
      '--overlay-size-mb',
      '4000',
      '--home-size-mb',
      '2000',
      '--no-verify',
      '--yes',
      '--json',
    ]);
    const result = JSON.parse(write.stdout.trim().split('\n').at(-1));
    const count = Math.ceil(result.bytesWritten / (4 << 20));
    const dd = await timed('dd', [
      `if=${iso}`,
      `of=${target}`,
      'bs=4M',
      `count=${count}`,
      'iflag=fullblock',
      'oflag=direct',
      'conv=fsync,notrunc',
      'status=none',
    ]);
    return {
      kind,
      bytesWritten: result.bytesWritten,
      livestickSeconds: write.seconds,
      ddSeconds: dd.seconds,
      ratio: write.seconds / dd.seconds,
      peakRssMiB: write.peakMiB,
    };
  } finally {
    if (kind === 'loop') spawnSync('losetup', ['-d', target]);
    rmSync(file, { force: true });
  }
}

if (!existsSync(join(root, 'dist', 'cli', 'cli.cjs'))) {
  spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
const iso = benchIso();
console.log(
  `bench ISO: ${(statSync(iso).size / 2 ** 20).toFixed(0)} MiB, target ${TARGET}, overlay 4000 MiB, home 2000 MiB`,
);
const kinds = process.getuid?.() === 0 ? ['file', 'loop'] : ['file'];
if (!kinds.includes('loop')) console.log('loop-device target skipped: needs root');
const rows = [];
for (const kind of kinds) rows.push(await benchTarget(kind, iso));
for (const row of rows) {
  console.log(
    `${row.kind.padEnd(5)} written ${(row.bytesWritten / 2 ** 20).toFixed(1)} MiB  livestick ${row.livestickSeconds.toFixed(2)} s  dd ${row.ddSeconds.toFixed(2)} s  ratio ${row.ratio.toFixed(2)}  peak RSS ${row.peakRssMiB.toFixed(0)} MiB`,
  );
}
mkdirSync(join(root, 'test-results'), { recursive: true });
writeFileSync(
  join(root, 'test-results', 'bench.json'),
  JSON.stringify({ payloadMiB: PAYLOAD_MIB, rows }, null, 2),
);
