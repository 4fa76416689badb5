// SPDX-License-Identifier: GPL-3.0-or-later
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { livestick, type CliRun } from './cli-helpers';
import {
  FedoraMirror,
  gpgvAccepts,
  readBytes,
  sha256,
  sha256sumOf,
  TestSigner,
} from './fedora-mirror';
import { makeLiveIso, tempDir } from './iso-fixtures';
import { extractPartition, fsckFat } from './stick-tools';

const RELEASES = '/pub/fedora/linux/releases';
const WS_DIR = `${RELEASES}/43/Workstation/x86_64/iso`;
const WS_ISO = 'Fedora-Workstation-Live-43-1.6.x86_64.iso';
const WS_PATH = `${WS_DIR}/${WS_ISO}`;
const WS_CHECKSUM = `${WS_DIR}/Fedora-Workstation-43-1.6-x86_64-CHECKSUM`;
const SPINS_DIR = `${RELEASES}/43/Spins/x86_64/iso`;
const XFCE_ISO = 'Fedora-Xfce-Live-43-1.6.x86_64.iso';
const SPINS_CHECKSUM = `${SPINS_DIR}/Fedora-Spins-43-1.6-x86_64-CHECKSUM`;
/** More than any disk this runs on has free. */
const HUGE = 2 ** 50;

interface Line {
  readonly type: string;
  readonly [key: string]: unknown;
}

function jsonLines(run: CliRun): Line[] {
  return run.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line);
}

function resultOf(
  run: CliRun,
): Line & { ok: boolean; error?: { code: string; details?: Record<string, unknown> } } {
  return jsonLines(run).at(-1) as Line & {
    ok: boolean;
    error?: { code: string; details?: Record<string, unknown> };
  };
}

describe('livestick download against a local Fedora mirror', () => {
  const work = tempDir('download');
  const mirror = new FedoraMirror();
  let iso: Buffer;
  let trusted: TestSigner;
  let stranger: TestSigner;
  let keyring: { armored: string; binary: string };
  let checksumText: string;
  let dirCount = 0;
  const savedCacheHome = process.env.XDG_CACHE_HOME;

  function catalogEntries(overrides: { wsSha256?: string } = {}): object[] {
    const entry = (
      version: string,
      variant: string,
      subvariant: string,
      path: string,
      sha: string,
      size: number,
    ) => ({
      version,
      arch: 'x86_64',
      link: mirror.url(path),
      variant,
      subvariant,
      sha256: sha,
      size: String(size),
    });
    return [
      entry(
        '43',
        'Workstation',
        'Workstation',
        WS_PATH,
        overrides.wsSha256 ?? sha256(iso),
        iso.length,
      ),
      entry('43', 'Spins', 'Xfce', `${SPINS_DIR}/${XFCE_ISO}`, 'f'.repeat(64), HUGE),
      entry(
        '43',
        'Server',
        'Server',
        `${RELEASES}/43/Server/x86_64/iso/Fedora-Server-dvd-x86_64-43-1.6.iso`,
        'e'.repeat(64),
        1000,
      ),
      entry(
        '42',
        'Workstation',
        'Workstation',
        `${RELEASES}/42/Workstation/x86_64/iso/Fedora-Workstation-Live-x86_64-42-1.1.iso`,
        'd'.repeat(64),
        2000,
      ),
      entry(
        '41',
        'Workstation',
        'Workstation',
        `${RELEASES}/41/Workstation/x86_64/iso/Fedora-Workstation-Live-x86_64-41-1.4.iso`,
        'c'.repeat(64),
        3000,
      ),
      entry(
        '43',
        'Workstation',
        'Workstation',
        `${RELEASES}/43/Workstation/aarch64/iso/Fedora-Workstation-Live-43-1.6.aarch64.iso`,
        'b'.repeat(64),
        4000,
      ),
    ].map((value, index) => (index === 5 ? { ...value, arch: 'aarch64' } : value));
  }

  function freshDir(): string {
    const dir = join(work.path, `downloads-${++dirCount}`);
    mkdirSync(dir);
    return dir;
  }

  function download(dir: string, extra: string[] = [], signal?: AbortSignal): Promise<CliRun> {
    return livestick(
      [
        'download',
        '--edition',
        'workstation',
        '--release',
        '43',
        '--dir',
        dir,
        '--catalog-url',
        mirror.catalogUrl,
        '--keyring',
        keyring.armored,
        '--json',
        ...extra,
      ],
      signal ? { signal } : {},
    );
  }

  beforeAll(async () => {
    process.env.XDG_CACHE_HOME = join(work.path, 'cache');
    iso = readFileSync(makeLiveIso(work.path, { era: 'modern' }));
    trusted = new TestSigner(join(work.path, 'gnupg-trusted'), 'trusted');
    stranger = new TestSigner(join(work.path, 'gnupg-stranger'), 'stranger');
    keyring = trusted.writePublicKey(work.path);
    await mirror.start();
    mirror.catalog = JSON.stringify(catalogEntries(), null, 2);
    mirror.files.set(WS_PATH, { bytes: iso });
    checksumText = trusted.clearSign(
      `# ${WS_ISO}: ${iso.length} bytes\nSHA256 (${WS_ISO}) = ${sha256(iso)}\n`,
    );
    mirror.files.set(WS_CHECKSUM, { bytes: Buffer.from(checksumText) });
    mirror.files.set(SPINS_CHECKSUM, {
      bytes: Buffer.from(
        trusted.clearSign(
          `# ${XFCE_ISO}: ${HUGE} bytes\nSHA256 (${XFCE_ISO}) = ${'f'.repeat(64)}\n`,
        ),
      ),
    });
  });

  afterAll(async () => {
    await mirror.stop();
    trusted?.dispose();
    stranger?.dispose();
    if (savedCacheHome === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = savedCacheHome;
    work.remove();
  });

  it('lists the live images of the current and previous release', async () => {
    const run = await livestick([
      'download',
      '--list',
      '--json',
      '--catalog-url',
      mirror.catalogUrl,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const catalog = JSON.parse(run.stdout) as {
      releases: number[];
      fromCache: boolean;
      images: { edition: string; release: number }[];
    };
    expect(catalog.fromCache).toBe(false);
    expect(catalog.releases).toEqual([43, 42]);
    expect(catalog.images.map((i) => `${i.release}/${i.edition}`)).toEqual([
      '43/workstation',
      '43/xfce',
      '42/workstation',
    ]);
  });

  it('downloads through the mirror redirect and keeps only a verified file', async () => {
    const dir = freshDir();
    mirror.log.length = 0;
    const run = await download(dir);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const result = resultOf(run);
    expect(result).toMatchObject({
      ok: true,
      path: join(dir, WS_ISO),
      sha256: sha256(iso),
      reused: false,
      signedBy: trusted.fingerprint,
    });
    // Judged by independent tools: the bytes, sha256sum and gpgv on the kept CHECKSUM file.
    expect(readBytes(join(dir, WS_ISO)).equals(iso)).toBe(true);
    expect(sha256sumOf(join(dir, WS_ISO))).toBe(sha256(iso));
    expect(
      gpgvAccepts(keyring.binary, join(dir, 'Fedora-Workstation-43-1.6-x86_64-CHECKSUM')),
    ).toBe(true);
    expect(existsSync(join(dir, `${WS_ISO}.part`))).toBe(false);
    // The redirector answered 302 and the mirror served the bytes.
    expect(mirror.requestsFor(WS_PATH).map((r) => r.status)).toEqual([302]);
    expect(mirror.requestsFor(`/mirror${WS_PATH}`).map((r) => r.status)).toEqual([200]);
    const phases = jsonLines(run)
      .filter((l) => l.type === 'progress')
      .map((l) => l.phase);
    expect(new Set(phases)).toEqual(new Set(['preparing', 'downloading', 'verifying']));

    mirror.log.length = 0;
    const again = await download(dir);
    expect(again.code, again.stderr).toBe(0);
    expect(resultOf(again)).toMatchObject({ ok: true, reused: true, sha256: sha256(iso) });
    expect(mirror.requestsFor(`/mirror${WS_PATH}`)).toHaveLength(0);

    const human = await livestick([
      'download',
      '--release',
      '43',
      '--dir',
      dir,
      '--catalog-url',
      mirror.catalogUrl,
      '--keyring',
      keyring.armored,
    ]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`Already downloaded and verified: ${join(dir, WS_ISO)}`);
    expect(human.stdout).toContain(`SHA-256 ${sha256(iso)}, signed by key ${trusted.fingerprint}.`);
  });

  it('resumes from the .part file when the connection is cut at 40 %', async () => {
    const dir = freshDir();
    const cut = Math.floor(iso.length * 0.4);
    mirror.log.length = 0;
    mirror.behaviour = { cutAfter: { path: WS_PATH, bytes: cut } };
    const run = await download(dir);
    mirror.behaviour = {};
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const transfers = mirror.requestsFor(`/mirror${WS_PATH}`);
    expect(transfers).toHaveLength(2);
    expect(transfers[0]).toMatchObject({ range: null, status: 200, bytesSent: cut });
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(transfers[1]!.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(cut);
    expect(transfers[1]).toMatchObject({ status: 206, bytesSent: iso.length - resumedAt });
    expect(sha256sumOf(join(dir, WS_ISO))).toBe(sha256(iso));
  });

  it('resumes a download an earlier run left behind', async () => {
    const dir = freshDir();
    const part = join(dir, `${WS_ISO}.part`);
    const stallAt = Math.floor(iso.length * 0.4);
    const controller = new AbortController();
    mirror.behaviour = { stallAfter: { path: WS_PATH, bytes: stallAt } };
    mirror.onStall = () => {
      void (async () => {
        while (!existsSync(part) || statSync(part).size < stallAt) await sleep(20);
        controller.abort();
      })();
    };
    const first = await download(dir, [], controller.signal);
    mirror.behaviour = {};
    mirror.onStall = null;
    expect(first.code, first.stderr).toBe(130);
    expect(resultOf(first).error?.code).toBe('CANCELLED');
    expect(statSync(part).size).toBe(stallAt);

    mirror.log.length = 0;
    const second = await download(dir);
    expect(second.code, second.stderr).toBe(0);
    expect(
      mirror.requestsFor(`/mirror${WS_PATH}`).map((r) => [r.range, r.status, r.bytesSent]),
    ).toEqual([[`bytes=${stallAt}-`, 206, iso.length - stallAt]]);
    expect(sha256sumOf(join(dir, WS_ISO))).toBe(sha256(iso));
  });

  it('starts over when the server cannot resume, overwriting what the .part held', async () => {
    const dir = freshDir();
    const part = join(dir, `${WS_ISO}.part`);
    writeFileSync(part, Buffer.alloc(Math.floor(iso.length * 0.4), 0xee));
    mirror.behaviour = { ignoreRange: true };
    mirror.log.length = 0;
    const run = await download(dir);
    mirror.behaviour = {};
    expect(run.code, run.stderr).toBe(0);
    expect(mirror.requestsFor(`/mirror${WS_PATH}`).map((r) => [r.range, r.status])).toEqual([
      [`bytes=${Math.floor(iso.length * 0.4)}-`, 200],
    ]);
    expect(
      jsonLines(run).some((l) => l.type === 'log' && /cannot resume/.test(String(l.message))),
    ).toBe(true);
    expect(sha256sumOf(join(dir, WS_ISO))).toBe(sha256(iso));
  });

  it('refuses and deletes a download with one flipped byte', async () => {
    const dir = freshDir();
    const damaged = Buffer.from(iso);
    damaged[Math.floor(damaged.length / 2)]! ^= 0x01;
    mirror.behaviour = { replace: new Map([[WS_PATH, damaged]]) };
    const run = await download(dir);
    mirror.behaviour = {};
    expect(run.code).toBe(3);
    expect(resultOf(run).error).toMatchObject({
      code: 'SOURCE_CORRUPT',
      details: { reason: 'checksum-mismatch', expected: sha256(iso), actual: sha256(damaged) },
    });
    expect(run.stderr).toMatch(/does not match its signed SHA-256 and was deleted/);
    expect(existsSync(join(dir, WS_ISO))).toBe(false);
    expect(existsSync(join(dir, `${WS_ISO}.part`))).toBe(false);
  });

  it('refuses a CHECKSUM file whose signed text was altered, before downloading', async () => {
    const dir = freshDir();
    const altered = checksumText.replace(sha256(iso), sha256('something else'));
    expect(altered).not.toBe(checksumText);
    mirror.behaviour = { replace: new Map([[WS_CHECKSUM, Buffer.from(altered)]]) };
    mirror.log.length = 0;
    const run = await download(dir);
    mirror.behaviour = {};
    expect(run.code).toBe(3);
    expect(resultOf(run).error).toMatchObject({
      code: 'SOURCE_CORRUPT',
      details: { reason: 'signature-invalid' },
    });
    expect(mirror.requestsFor(`/mirror${WS_PATH}`)).toHaveLength(0);
    expect(existsSync(join(dir, WS_ISO))).toBe(false);
  });

  it('refuses a CHECKSUM file signed by a key it does not hold', async () => {
    const dir = freshDir();
    const foreign = stranger.clearSign(
      `# ${WS_ISO}: ${iso.length} bytes\nSHA256 (${WS_ISO}) = ${sha256(iso)}\n`,
    );
    mirror.behaviour = { replace: new Map([[WS_CHECKSUM, Buffer.from(foreign)]]) };
    const run = await download(dir);
    mirror.behaviour = {};
    expect(run.code).toBe(3);
    expect(resultOf(run).error).toMatchObject({
      code: 'SOURCE_UNREADABLE',
      details: { reason: 'key-missing' },
    });
    expect(run.stderr).toContain(stranger.fingerprint.slice(-16));
    expect(existsSync(join(dir, WS_ISO))).toBe(false);
  });

  it('refuses when the catalog and the signed CHECKSUM disagree', async () => {
    const dir = freshDir();
    mirror.catalog = JSON.stringify(catalogEntries({ wsSha256: 'a'.repeat(64) }));
    const run = await download(dir);
    mirror.catalog = JSON.stringify(catalogEntries());
    expect(run.code).toBe(3);
    expect(resultOf(run).error).toMatchObject({
      details: { reason: 'catalog-mismatch', signedSha256: sha256(iso) },
    });
  });

  it('checks the free space before downloading', async () => {
    const dir = freshDir();
    const run = await download(dir, ['--edition', 'xfce']);
    expect(run.code).toBe(4);
    const error = resultOf(run).error;
    expect(error).toMatchObject({ code: 'DOES_NOT_FIT', details: { reason: 'no-space' } });
    // What is missing and what the folder has add up to the image's size.
    expect(Number(error?.details?.missingBytes) + Number(error?.details?.availableBytes)).toBe(
      HUGE,
    );
  });

  it('takes the proxy from the environment', async () => {
    const dir = freshDir();
    const proxied: string[] = [];
    const proxy: Server = createServer((req, res) => {
      proxied.push(req.url ?? '');
      const target = new URL(req.url ?? '');
      const upstream = httpRequest(
        {
          host: '127.0.0.1',
          port: Number(new URL(mirror.origin).port),
          path: target.pathname,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    for (const name of ['HTTP_PROXY', 'http_proxy']) process.env[name] = proxyUrl;
    for (const name of ['NO_PROXY', 'no_proxy']) delete process.env[name];
    try {
      const run = await download(dir);
      expect(run.code, run.stderr).toBe(0);
    } finally {
      for (const name of ['HTTP_PROXY', 'http_proxy']) delete process.env[name];
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
    expect(proxied).toEqual(
      expect.arrayContaining([
        mirror.catalogUrl,
        mirror.url(WS_CHECKSUM),
        mirror.url(WS_PATH),
        mirror.url(`/mirror${WS_PATH}`),
      ]),
    );
    expect(sha256sumOf(join(dir, WS_ISO))).toBe(sha256(iso));
  });

  it('writes a stick from fedora:workstation:43, downloading first and reusing afterwards', async () => {
    const dir = freshDir();
    const image = join(work.path, 'stick.img');
    const args = [
      'write',
      'fedora:workstation:43',
      image,
      '--size',
      '1G',
      '--dir',
      dir,
      '--catalog-url',
      mirror.catalogUrl,
      '--keyring',
      keyring.armored,
      '--json',
    ];
    const run = await livestick(args);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const lines = jsonLines(run);
    expect(lines.find((l) => l.type === 'download')).toMatchObject({
      path: join(dir, WS_ISO),
      sha256: sha256(iso),
      reused: false,
    });
    expect(lines.at(-1)).toMatchObject({ type: 'result', ok: true });
    const partition = join(work.path, 'stick-part.img');
    extractPartition(image, partition);
    const fsck = fsckFat(partition);
    expect(fsck.code, fsck.output).toBe(0);

    const again = await livestick(args);
    expect(again.code, again.stderr).toBe(0);
    expect(jsonLines(again).find((l) => l.type === 'download')).toMatchObject({ reused: true });
  });

  it('still lists, and re-checks a finished download, when the server is gone', async () => {
    const dir = freshDir();
    expect((await download(dir)).code).toBe(0);
    await mirror.stop();

    const list = await livestick([
      'download',
      '--list',
      '--json',
      '--catalog-url',
      mirror.catalogUrl,
    ]);
    expect(list.code, list.stderr).toBe(0);
    const catalog = JSON.parse(list.stdout) as {
      fromCache: boolean;
      images: { edition: string }[];
    };
    expect(catalog.fromCache).toBe(true);
    expect(catalog.images.map((i) => i.edition)).toEqual(['workstation', 'xfce', 'workstation']);

    const offline = await download(dir);
    expect(offline.code, offline.stderr).toBe(0);
    expect(resultOf(offline)).toMatchObject({ ok: true, reused: true });

    const elsewhere = await download(freshDir());
    expect(elsewhere.code).toBe(3);
    expect(resultOf(elsewhere).error).toMatchObject({
      code: 'SOURCE_UNREADABLE',
      details: { reason: 'offline' },
    });

    process.env.XDG_CACHE_HOME = join(work.path, 'empty-cache');
    const noCache = await livestick(['download', '--list', '--catalog-url', mirror.catalogUrl]);
    expect(noCache.code).toBe(3);
    expect(noCache.stderr).toMatch(/Cannot reach 127\.0\.0\.1.*Check the network connection/);
  });
});
