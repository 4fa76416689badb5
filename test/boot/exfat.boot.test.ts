// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The Linux kernel's own exfat driver as the independent reader (and writer) of the volumes the
 * engine plans: a QEMU guest booted straight into a busybox initramfs mounts two planned 64 GiB
 * volumes — one fresh, one after maintenance edits (a file grown through a FAT chain, a moved
 * boot config, a new file, a deleted one) — lists every file, hashes contents and byte ranges
 * far past 4 GiB, then writes into the second as a loop device under an overlay would. The host
 * compares what the guest saw and checks the written volume with fsck.exfat and the reader.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  fstatSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ByteSource } from '../../src/core/byte-source';
import { bytesExtent, type Extent } from '../../src/core/extent';
import {
  planExfatCreate,
  planExfatDelete,
  planExfatResize,
  planExfatRewrite,
} from '../../src/core/exfat/volume-edit';
import { planExfatVolume, type ExfatFileSpec } from '../../src/core/exfat/volume-plan';
import {
  findExfatFile,
  readExfatFile,
  readExfatVolume,
  walkExfatVolume,
  type ByteRun,
  type ExfatVolume,
} from '../../src/core/exfat/volume-reader';
import { run } from './run';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const VOLUME_BYTES = 64 * GiB;
const work = mkdtempSync(join(tmpdir(), 'livestick-exfat-kernel-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

function pseudoRandom(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

class FileSource implements ByteSource {
  private readonly fd: number;
  readonly size: number;
  constructor(path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    readSync(this.fd, out, 0, length, offset);
    return Promise.resolve(out);
  }
  close(): void {
    closeSync(this.fd);
  }
}

async function readVolume(path: string): Promise<ExfatVolume> {
  const source = new FileSource(path);
  try {
    return await readExfatVolume(source);
  } finally {
    source.close();
  }
}

function applyExtents(path: string, extents: readonly Extent[], sizeBytes?: number): void {
  const fd = openSync(path, sizeBytes === undefined ? 'r+' : 'w');
  try {
    if (sizeBytes !== undefined) ftruncateSync(fd, sizeBytes);
    for (const extent of extents) {
      const data = extent.fill.kind === 'bytes' ? extent.fill.data : new Uint8Array(extent.length);
      if (extent.fill.kind === 'source') throw new Error('no source image here');
      writeSync(fd, data, 0, extent.length, extent.offset);
    }
  } finally {
    closeSync(fd);
  }
}

function contentAt(runs: readonly ByteRun[], data: Uint8Array): Extent[] {
  const out: Extent[] = [];
  let at = 0;
  for (const run of runs) {
    const length = Math.min(run.lengthBytes, data.length - at);
    if (length > 0) out.push(bytesExtent(run.offsetBytes, data.slice(at, at + length), 'content'));
    at += length;
  }
  return out;
}

/** What the guest must find: whole small files by hash, and small ranges of big ones. */
interface Expectation {
  readonly sizes: Map<string, number>;
  readonly wholeFiles: Map<string, string>;
  readonly ranges: { path: string; offset: number; length: number; md5: string }[];
}

function expectationOf(
  files: readonly { path: string; size: number; bytes?: Uint8Array }[],
): Expectation {
  return {
    sizes: new Map(files.map((f) => [f.path, f.size])),
    wholeFiles: new Map(files.filter((f) => f.bytes).map((f) => [f.path, md5(f.bytes!)])),
    ranges: [],
  };
}

/** The newest non-cloud kernel with the exfat and virtio-blk modules, as build-fixtures.sh picks. */
async function pickKernel(): Promise<string> {
  const versions = readdirSync('/lib/modules')
    .filter((v) => !v.includes('-cloud-') && existsSync(`/boot/vmlinuz-${v}`))
    .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }));
  for (const version of versions) {
    const found = await Promise.all(
      ['exfat', 'virtio_blk'].map((m) =>
        run('modinfo', ['-k', version, '-F', 'filename', m]).catch(() => ''),
      ),
    );
    if (found.every((f) => f.trim())) return version;
  }
  throw new Error(
    'no installed kernel with exfat and virtio_blk modules: install linux-image-amd64',
  );
}

/** Modules to load, dependencies first, decompressed for busybox insmod. */
async function stageModules(
  version: string,
  names: readonly string[],
  into: string,
): Promise<string[]> {
  const order: string[] = [];
  const visit = async (name: string): Promise<void> => {
    if (order.includes(name)) return;
    const filename = (await run('modinfo', ['-k', version, '-F', 'filename', name])).trim();
    if (filename === '(builtin)' || filename === '') return;
    const depends = (await run('modinfo', ['-k', version, '-F', 'depends', name])).trim();
    for (const dependency of depends.split(',').filter(Boolean)) await visit(dependency);
    const target = join(into, `${name}.ko`);
    if (filename.endsWith('.xz')) writeFileSync(target, await runBinary('xz', ['-dc', filename]));
    else if (filename.endsWith('.zst'))
      writeFileSync(target, await runBinary('zstd', ['-dc', filename]));
    else copyFileSync(filename, target);
    order.push(name);
  };
  for (const name of names) await visit(name);
  return order;
}

function runBinary(command: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${command} exited ${code}`)),
    );
  });
}

const GUEST_INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /modules); do insmod /lib/$m.ko || echo "EXFATCHECK insmod-failed $m"; done
sleep 1
report() {
  disk=$1
  ( cd /mnt/$disk && find . -mindepth 1 | sort | while read -r f; do
      if [ -d "$f" ]; then echo "EXFATCHECK $disk dir \${f#.}"; else echo "EXFATCHECK $disk size $(stat -c %s "$f") \${f#.}"; fi
    done )
  while IFS='|' read -r d kind path offset length; do
    [ "$d" = "$disk" ] || continue
    if [ "$kind" = whole ]; then sum=$(md5sum < "/mnt/$disk$path"); else sum=$(dd if="/mnt/$disk$path" bs=1 skip="$offset" count="$length" 2>/dev/null | md5sum); fi
    echo "EXFATCHECK $disk $kind \${sum%% *} $offset $path"
  done < /checks
}
mkdir -p /mnt/vda /mnt/vdb
if mount -t exfat -o ro /dev/vda /mnt/vda; then report vda; umount /mnt/vda; else echo "EXFATCHECK vda mount-failed"; fi
if mount -t exfat /dev/vdb /mnt/vdb; then
  report vdb
  printf 'written by linux' | dd of=/mnt/vdb/LiveOS/overlay-LIVE-1234-ABCD bs=1 seek=$((9 * 1024 * 1024 * 1024 + 77)) conv=notrunc 2>/dev/null
  echo 'the kernel was here' > /mnt/vdb/kernel.txt
  sync; umount /mnt/vdb && echo "EXFATCHECK vdb written"
else echo "EXFATCHECK vdb mount-failed"; fi
dmesg | grep -i exfat | sed 's/^/EXFATCHECK dmesg /'
echo "EXFATCHECK done"
poweroff -f
`;

function bootGuest(
  kernel: string,
  initrd: string,
  disks: readonly { path: string; readOnly: boolean }[],
): Promise<string> {
  return new Promise((resolve, reject) => {
    const args = ['-m', '512', '-nographic', '-no-reboot', '-kernel', kernel, '-initrd', initrd];
    args.push('-append', 'console=ttyS0 panic=-1 quiet');
    for (const disk of disks) {
      args.push(
        '-drive',
        `file=${disk.path},format=raw,if=virtio${disk.readOnly ? ',readonly=on' : ''}`,
      );
    }
    const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    // A stream decoder: a UTF-8 name split across two chunks must not turn into U+FFFD.
    child.stdout.setEncoding('utf8').on('data', (d: string) => (log += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(log);
    });
  });
}

describe('the Linux exfat driver', () => {
  it('reads planned and edited volumes, and writes into them cleanly', async () => {
    const squashfs = pseudoRandom(3 * MiB + 123, 7);
    const marker = text('past the FAT32 limit');
    const grub = text("search --no-floppy --set=root -u '1234-ABCD'\n");
    const files: ExfatFileSpec[] = [
      { path: '/EFI/BOOT/grub.cfg', size: grub.length, content: [bytesExtent(0, grub, 'grub')] },
      {
        path: '/LiveOS/squashfs.img',
        size: squashfs.length,
        content: [bytesExtent(0, squashfs, 'squashfs')],
      },
      {
        path: '/LiveOS/overlay-LIVE-1234-ABCD',
        size: 8 * GiB,
        content: [bytesExtent(4 * GiB + 12345, marker, 'marker')],
      },
      {
        path: '/LiveOS/home.img',
        size: 6 * GiB,
        content: [bytesExtent(6 * GiB - 9, text('home tail'), 'tail')],
      },
      {
        path: '/Grüße aus Köln — ein recht langer Name.txt',
        size: 5,
        content: [bytesExtent(0, text('hallo'), 'x')],
      },
      { path: '/empty.txt', size: 0, content: [] },
    ];
    const plan = planExfatVolume({
      volumeBytes: VOLUME_BYTES,
      label: 'LIVE',
      serial: 0x1234abcd,
      files,
      directories: ['/empty/nested'],
      createdAt: new Date(Date.UTC(2024, 4, 17, 12, 34, 56)),
    });
    const fresh = join(work, 'fresh.img');
    const edited = join(work, 'edited.img');
    applyExtents(fresh, plan.extents, VOLUME_BYTES);
    applyExtents(edited, plan.extents, VOLUME_BYTES);

    // The edits maintenance makes: the overlay continues behind home.img, grub.cfg outgrows its
    // cluster, swap.img appears, the long-named file goes.
    const modifiedAt = new Date(Date.UTC(2025, 0, 1));
    let volume = await readVolume(edited);
    const grow = planExfatResize(
      volume,
      findExfatFile(volume, '/LiveOS/overlay-LIVE-1234-ABCD')!,
      10 * GiB,
      {
        modifiedAt,
        fallback: 'fragment',
      },
    );
    expect(grow.contiguous).toBe(false);
    const grownTail = text('tail of the grown overlay');
    applyExtents(edited, [
      ...grow.extents,
      bytesExtent(
        grow.runs[grow.runs.length - 1]!.offsetBytes +
          grow.runs[grow.runs.length - 1]!.lengthBytes -
          grownTail.length,
        grownTail,
        'tail',
      ),
    ]);
    volume = await readVolume(edited);
    const bigGrub = text('menuentry "Start" {\n  linux /vmlinuz\n}\n'.repeat(5000));
    const rewrite = planExfatRewrite(
      volume,
      findExfatFile(volume, '/EFI/BOOT/grub.cfg')!,
      bigGrub.length,
      { modifiedAt },
    );
    applyExtents(edited, [...rewrite.extents, ...contentAt(rewrite.runs, bigGrub)]);
    volume = await readVolume(edited);
    const swapHead = text('SWAPSPACE2 stand-in');
    const swap = planExfatCreate(volume, '/LiveOS/swap.img', 512 * MiB, { createdAt: modifiedAt });
    applyExtents(edited, [...swap.extents, ...contentAt(swap.runs, swapHead)]);
    volume = await readVolume(edited);
    applyExtents(
      edited,
      planExfatDelete(
        volume,
        findExfatFile(volume, '/Grüße aus Köln — ein recht langer Name.txt')!,
      ),
    );

    const expected = {
      vda: expectationOf([
        { path: '/EFI/BOOT/grub.cfg', size: grub.length, bytes: grub },
        { path: '/LiveOS/squashfs.img', size: squashfs.length, bytes: squashfs },
        { path: '/LiveOS/overlay-LIVE-1234-ABCD', size: 8 * GiB },
        { path: '/LiveOS/home.img', size: 6 * GiB },
        { path: '/Grüße aus Köln — ein recht langer Name.txt', size: 5, bytes: text('hallo') },
        { path: '/empty.txt', size: 0, bytes: new Uint8Array(0) },
      ]),
      vdb: expectationOf([
        { path: '/EFI/BOOT/grub.cfg', size: bigGrub.length, bytes: bigGrub },
        { path: '/LiveOS/squashfs.img', size: squashfs.length, bytes: squashfs },
        { path: '/LiveOS/overlay-LIVE-1234-ABCD', size: 10 * GiB },
        { path: '/LiveOS/home.img', size: 6 * GiB },
        { path: '/LiveOS/swap.img', size: 512 * MiB },
        { path: '/empty.txt', size: 0, bytes: new Uint8Array(0) },
      ]),
    };
    for (const disk of ['vda', 'vdb'] as const) {
      expected[disk].ranges.push(
        {
          path: '/LiveOS/overlay-LIVE-1234-ABCD',
          offset: 4 * GiB + 12345,
          length: marker.length,
          md5: md5(marker),
        },
        { path: '/LiveOS/home.img', offset: 6 * GiB - 9, length: 9, md5: md5(text('home tail')) },
      );
    }
    expected.vdb.ranges.push(
      {
        path: '/LiveOS/overlay-LIVE-1234-ABCD',
        offset: 10 * GiB - grownTail.length,
        length: grownTail.length,
        md5: md5(grownTail),
      },
      { path: '/LiveOS/swap.img', offset: 0, length: swapHead.length, md5: md5(swapHead) },
    );

    const version = await pickKernel();
    const root = join(work, 'initramfs');
    for (const sub of ['bin', 'lib', 'proc', 'sys', 'dev', 'mnt'])
      mkdirSync(join(root, sub), { recursive: true });
    copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
    const modules = await stageModules(
      version,
      ['virtio_pci', 'virtio_blk', 'exfat'],
      join(root, 'lib'),
    );
    writeFileSync(join(root, 'modules'), modules.join('\n') + '\n');
    writeFileSync(join(root, 'init'), GUEST_INIT, { mode: 0o755 });
    const checks: string[] = [];
    for (const disk of ['vda', 'vdb'] as const) {
      for (const path of expected[disk].wholeFiles.keys()) checks.push(`${disk}|whole|${path}|0|0`);
      for (const r of expected[disk].ranges)
        checks.push(`${disk}|range|${r.path}|${r.offset}|${r.length}`);
    }
    writeFileSync(join(root, 'checks'), checks.join('\n') + '\n');
    const initrd = join(work, 'initrd.cpio');
    await run('sh', ['-c', `cd '${root}' && find . | cpio -o -H newc > '${initrd}' 2>/dev/null`]);

    const log = await bootGuest(`/boot/vmlinuz-${version}`, initrd, [
      { path: fresh, readOnly: true },
      { path: edited, readOnly: false },
    ]);
    // Firmware escape sequences may precede the first report line on the serial console.
    const lines = log
      .split(/\r?\n/)
      .filter((line) => line.includes('EXFATCHECK '))
      .map((line) => line.slice(line.indexOf('EXFATCHECK ') + 'EXFATCHECK '.length));
    const tail = log.split(/\r?\n/).slice(-25).join('\n');
    expect(lines, `kernel ${version}, serial tail:\n${tail}`).toContain('done');
    expect(
      lines.filter((l) => /mount-failed|insmod-failed/.test(l)),
      tail,
    ).toEqual([]);
    expect(
      lines.filter((l) => l.startsWith('dmesg ') && /error|corrupt|invalid|fail|bad/i.test(l)),
    ).toEqual([]);

    for (const disk of ['vda', 'vdb'] as const) {
      const want = expected[disk];
      const seenSizes = new Map(
        lines
          .filter((l) => l.startsWith(`${disk} size `))
          .map((l) => {
            const [, , size, ...path] = l.split(' ');
            return [path.join(' '), Number(size)] as const;
          }),
      );
      expect(seenSizes, disk).toEqual(want.sizes);
      const dirs = lines
        .filter((l) => l.startsWith(`${disk} dir `))
        .map((l) => l.slice(`${disk} dir `.length));
      expect(new Set(dirs), disk).toEqual(
        new Set(['/EFI', '/EFI/BOOT', '/LiveOS', '/empty', '/empty/nested']),
      );
      for (const [path, sum] of want.wholeFiles) {
        expect(lines, `${disk} ${path}`).toContain(`${disk} whole ${sum} 0 ${path}`);
      }
      for (const r of want.ranges) {
        expect(lines, `${disk} ${r.path} at ${r.offset}`).toContain(
          `${disk} range ${r.md5} ${r.offset} ${r.path}`,
        );
      }
    }
    expect(lines).toContain('vdb written');

    // What the kernel wrote is a clean volume our reader reads.
    const fsck = await run('fsck.exfat', ['-n', edited]);
    expect(fsck).toMatch(/: clean\./);
    const source = new FileSource(edited);
    try {
      const after = await readExfatVolume(source);
      const kernelFile = findExfatFile(after, '/kernel.txt')!;
      expect(new TextDecoder().decode(await readExfatFile(source, after, kernelFile))).toBe(
        'the kernel was here\n',
      );
      const overlay = findExfatFile(after, '/LiveOS/overlay-LIVE-1234-ABCD')!;
      expect(
        new TextDecoder().decode(await readExfatFile(source, after, overlay, 9 * GiB + 77, 16)),
      ).toBe('written by linux');
      expect(walkExfatVolume(after).filter((n) => !n.isDirectory)).toHaveLength(7);
    } finally {
      source.close();
    }
  });
});
