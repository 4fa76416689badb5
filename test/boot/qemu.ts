import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

/**
 * QEMU harness for the boot tier: boots a disk image as a USB stick and reads the
 * "LIVESTICK key=value" lines that the fixture's /sbin/init (guest-init.sh) prints
 * on the serial console.
 */

export type Firmware = 'uefi' | 'bios';
export type Accel = 'kvm' | 'tcg';
export type FailureKind = 'guest' | 'timeout' | 'stall' | 'kvm' | 'qemu';

export interface BootOptions {
  firmware: Firmware;
  /** The guest writes this many MiB of random data to /fill.bin (first boot only in bootTwice). */
  fillMiB?: number;
  /** Extra guest options, readable in the guest as /sys/firmware/qemu_fw_cfg/by_name/opt/livestick/<name>/raw. */
  guestOptions?: Record<string, string>;
  /** Hard limit for one boot. */
  timeoutMs?: number;
  /** Give up when the serial console is silent this long. */
  stallMs?: number;
  /** Boot from a throw-away copy-on-write layer: the image file is left unchanged. */
  snapshot?: boolean;
  /** Serial log file; default under <repo>/.cache/boot-logs/. */
  logPath?: string;
}

export interface DiskUsage {
  totalKiB: number;
  usedKiB: number;
  availKiB: number;
}

export interface BootResult {
  /** The guest reached `LIVESTICK done` and powered off, with no failure seen. */
  ok: boolean;
  log: string;
  logPath: string;
  cmdline: string | null;
  /** `dmsetup status live-rw` before and after the fill; null when there is no live-rw. */
  dmBefore: string | null;
  dmAfter: string | null;
  /** `source fstype options` of / in the guest. */
  rootMount: string | null;
  /** `source fstype options` of /run/rootfsbase, OverlayFS's lower layer; null when not mounted. */
  rootBaseMount: string | null;
  rootMarker: 'found' | 'written' | null;
  /** Contents of the root marker file (found or freshly written). */
  rootMarkerValue: string | null;
  homeState: 'mounted' | 'encrypted-mounted' | 'absent' | 'failed' | null;
  homeMarker: 'found' | 'written' | 'absent' | null;
  homeMarkerValue: string | null;
  fillDoneMiB: number | null;
  /** Set when the fill stopped early, e.g. on DM overflow: "<MiB written> <dd error>". */
  fillFailed: string | null;
  dfRoot: DiskUsage | null;
  dfHome: DiskUsage | null;
  seconds: number;
  accel: Accel;
  failure?: { kind: FailureKind; message: string };
}

export interface TwoBootResult {
  boot1Ok: boolean;
  boot2Ok: boolean;
  /** Kernel command line of the second boot. */
  cmdline: string | null;
  /** `dmsetup status live-rw` at the end of the second boot. */
  dmStatus: string | null;
  rootPersisted: boolean;
  homePersisted: boolean;
  seconds: number;
  accel: Accel;
  boots: BootResult[];
}

const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
const REPO = resolve(import.meta.dirname, '../..');
const DEFAULT_TIMEOUT_MS = 180_000;
const DEFAULT_STALL_MS = 90_000;
const KVM_PROBE_STALL_MS = 30_000;
const POWEROFF_GRACE_MS = 20_000;

/**
 * Serial output that means the boot cannot succeed any more. Each of these would
 * otherwise wait for a key press or sit idle until the hard timeout.
 */
const GUEST_FAILURES: { re: RegExp; what: string }[] = [
  {
    re: /Unable to find a persistent overlay/,
    what: 'dracut could not find the persistent overlay',
  },
  { re: /Press \[Enter\]|Press Enter for maintenance/, what: 'dracut is waiting for Enter' },
  { re: /emergency mode|dracut-emergency|Entering emergency/i, what: 'emergency mode' },
  { re: /Kernel panic/, what: 'kernel panic' },
  { re: /Failed to mount/, what: 'a mount failed' },
  { re: /Failed to find a root filesystem/, what: 'dracut found no root filesystem' },
  {
    re: /Could not find kernel image|Boot failed: /,
    what: 'the boot loader could not load the kernel',
  },
  { re: /Press any key to continue/, what: 'GRUB reported an error' },
  { re: /grub rescue>/, what: 'GRUB rescue shell' },
  // GRUB's command line: it found no config (a bare `grub>` prompt waits forever).
  { re: /\bgrub> /, what: 'GRUB found no config and waits at its command line' },
  { re: /Media check failed/, what: "dracut's media check failed" },
  { re: /No bootable option or device was found|No bootable device/, what: 'no bootable device' },
];
const KVM_FAILURE = /KVM internal error|kvm run failed|failed to initialize kvm/i;
const HALTED = /reboot: (?:Power down|System halted|Restarting system)/;

const accelCache = new Map<Firmware, Promise<Accel>>();

/** Boots `image` once and reports what the guest printed. */
export async function bootOnce(image: string, opts: BootOptions): Promise<BootResult> {
  const accel = await chooseAccel(image, opts.firmware);
  return runQemu(image, opts, accel);
}

/**
 * Boots `image` twice. Boot 1 writes markers (and fills when asked); boot 2 must
 * find exactly the markers boot 1 wrote.
 */
export async function bootTwice(image: string, opts: BootOptions): Promise<TwoBootResult> {
  const boot1 = await bootOnce(image, opts);
  const boots = [boot1];
  if (boot1.ok) {
    boots.push(await bootOnce(image, { ...opts, fillMiB: undefined, logPath: undefined }));
  }
  const boot2 = boots[1];
  const persisted = (written: string | null, found: string | null, state: string | null) =>
    written !== null && state === 'found' && found === written;
  return {
    boot1Ok: boot1.ok,
    boot2Ok: boot2?.ok ?? false,
    cmdline: boot2?.cmdline ?? boot1.cmdline,
    dmStatus: boot2?.dmAfter ?? null,
    rootPersisted:
      boot1.rootMarker === 'written' &&
      persisted(boot1.rootMarkerValue, boot2?.rootMarkerValue ?? null, boot2?.rootMarker ?? null),
    homePersisted:
      boot1.homeMarker === 'written' &&
      persisted(boot1.homeMarkerValue, boot2?.homeMarkerValue ?? null, boot2?.homeMarker ?? null),
    seconds: boots.reduce((sum, b) => sum + b.seconds, 0),
    accel: boot1.accel,
    boots,
  };
}

/**
 * KVM is used only when it really runs this firmware: /dev/kvm may open and then
 * fail inside OVMF or isolinux ("KVM internal error") or hang silently in GRUB's
 * BIOS code. A throw-away (snapshot) boot of the image decides, once per firmware
 * per process. LIVESTICK_QEMU_ACCEL=tcg|kvm skips the probe.
 */
async function chooseAccel(image: string, firmware: Firmware): Promise<Accel> {
  const forced = process.env.LIVESTICK_QEMU_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return forced;
  let decision = accelCache.get(firmware);
  if (decision === undefined) {
    decision = probeKvm(image, firmware);
    accelCache.set(firmware, decision);
  }
  return decision;
}

async function probeKvm(image: string, firmware: Firmware): Promise<Accel> {
  try {
    await access('/dev/kvm', fsConstants.R_OK | fsConstants.W_OK);
  } catch {
    return 'tcg';
  }
  const probe = await runQemu(
    image,
    { firmware, snapshot: true, stallMs: KVM_PROBE_STALL_MS, timeoutMs: 120_000 },
    'kvm',
    /LIVESTICK boot/,
  );
  // A guest-side failure still proves that KVM ran firmware, boot loader and kernel.
  return probe.ok || probe.failure?.kind === 'guest' ? 'kvm' : 'tcg';
}

function qemuArgs(image: string, opts: BootOptions, accel: Accel, dir: string): string[] {
  const args = ['-machine', 'q35', '-m', '1024', '-smp', '2', '-display', 'none'];
  args.push('-monitor', 'none', '-serial', 'stdio', '-nic', 'none', '-no-user-config');
  if (accel === 'kvm') args.push('-accel', 'kvm', '-cpu', 'max,-arch-capabilities');
  else args.push('-accel', 'tcg,thread=multi');
  if (opts.firmware === 'uefi') {
    args.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`);
    args.push('-drive', `if=pflash,format=raw,unit=1,file=${join(dir, 'OVMF_VARS.fd')}`);
  } else {
    // Mirrors SeaBIOS's (and isolinux's/GRUB's) text screen to the serial port, so
    // a BIOS boot is visible and a stalled one can be told apart from a slow one.
    args.push('-fw_cfg', `name=etc/sercon-port,file=${join(dir, 'sercon-port')}`);
  }
  const snapshot = opts.snapshot === true ? ',snapshot=on' : '';
  args.push('-drive', `if=none,id=stick,format=raw,file=${image}${snapshot}`);
  args.push('-device', 'qemu-xhci,id=xhci');
  args.push('-device', 'usb-storage,bus=xhci.0,drive=stick,removable=on,bootindex=0');
  const guestOptions: Record<string, string> = { ...opts.guestOptions };
  if (opts.fillMiB !== undefined) guestOptions['fill-mib'] = String(opts.fillMiB);
  for (const [name, value] of Object.entries(guestOptions)) {
    args.push('-fw_cfg', `name=opt/livestick/${name},string=${value}`);
  }
  return args;
}

async function defaultLogPath(image: string, firmware: Firmware): Promise<string> {
  const dir = join(REPO, '.cache', 'boot-logs');
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join(dir, `${stamp}-${basename(image)}-${firmware}-${process.pid}.log`);
}

async function runQemu(
  image: string,
  opts: BootOptions,
  accel: Accel,
  stopWhen?: RegExp,
): Promise<BootResult> {
  const dir = await mkdtemp(join(tmpdir(), 'livestick-qemu-'));
  const logPath = opts.logPath ?? (await defaultLogPath(image, opts.firmware));
  try {
    if (opts.firmware === 'uefi') await copyFile(OVMF_VARS, join(dir, 'OVMF_VARS.fd'));
    else await writeFile(join(dir, 'sercon-port'), Buffer.from([0xf8, 0x03])); // 0x3f8, COM1
    const started = Date.now();
    const { log, failure } = await watchQemu(qemuArgs(image, opts, accel, dir), {
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      stallMs: opts.stallMs ?? DEFAULT_STALL_MS,
      stopWhen,
    });
    await writeFile(logPath, log);
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    return {
      ...parseSerialLog(log),
      ok: failure === undefined,
      log,
      logPath,
      seconds,
      accel,
      // The tail shows the cause (a missing driver, a dracut prompt) right in the test output.
      failure: failure && {
        ...failure,
        message: `${failure.message}\n--- last lines of the serial log (${logPath}):\n${serialTail(log)}`,
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface WatchOptions {
  timeoutMs: number;
  stallMs: number;
  /** Stop (successfully) as soon as this appears; used by the KVM probe. */
  stopWhen?: RegExp;
}

/** Runs QEMU and ends it as soon as the serial log shows success or a dead end. */
function watchQemu(
  args: string[],
  w: WatchOptions,
): Promise<{ log: string; failure?: { kind: FailureKind; message: string } }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    let failure: { kind: FailureKind; message: string } | undefined;
    // 'done': the guest printed LIVESTICK done and is powering off.
    let state: 'running' | 'done' | 'stopped' = 'running';
    const timers: NodeJS.Timeout[] = [];
    const stop = (f?: { kind: FailureKind; message: string }) => {
      if (state !== 'running') return;
      state = 'stopped';
      failure = f;
      child.kill('SIGKILL');
    };
    timers.push(
      setTimeout(
        () => stop({ kind: 'timeout', message: `no result within ${w.timeoutMs / 1000} s` }),
        w.timeoutMs,
      ),
    );
    let stall: NodeJS.Timeout | undefined;
    const armStall = () => {
      clearTimeout(stall);
      stall = setTimeout(
        () => stop({ kind: 'stall', message: `serial console silent for ${w.stallMs / 1000} s` }),
        w.stallMs,
      );
    };
    armStall();
    const onData = (chunk: string) => {
      log += chunk;
      if (state !== 'running') return;
      armStall();
      if (KVM_FAILURE.test(log))
        return stop({ kind: 'kvm', message: 'KVM could not run the guest' });
      if (w.stopWhen?.test(log)) return stop();
      if (/^LIVESTICK done\r?$/m.test(log)) {
        // Let the guest power off by itself; QEMU exits then.
        state = 'done';
        clearTimeout(stall);
        timers.push(setTimeout(() => child.kill('SIGKILL'), POWEROFF_GRACE_MS));
        return;
      }
      for (const { re, what } of GUEST_FAILURES) {
        const m = re.exec(log);
        if (m) return stop({ kind: 'guest', message: `${what}: ${lineAround(log, m.index)}` });
      }
      if (HALTED.test(log))
        stop({ kind: 'guest', message: 'the guest halted without LIVESTICK done' });
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    const cleanup = () => {
      clearTimeout(stall);
      for (const t of timers) clearTimeout(t);
    };
    child.on('error', (err) => {
      cleanup();
      reject(new Error(`cannot run qemu-system-x86_64 (package qemu-system-x86): ${err.message}`));
    });
    child.on('close', (code, signal) => {
      cleanup();
      if (state === 'running') {
        failure = {
          kind: 'qemu',
          message: `QEMU exited (${signal ?? code}) before LIVESTICK done`,
        };
      }
      resolvePromise({ log, failure });
    });
  });
}

/** For assertion messages: the outcome, and for a failure its cause and the serial tail. */
export function explainBoot(boot: BootResult): string {
  return boot.failure
    ? `${boot.failure.kind}: ${boot.failure.message}`
    : `ok (log ${boot.logPath})`;
}

export function explainBoots(result: TwoBootResult): string {
  return result.boots.map((boot, i) => `boot ${i + 1}: ${explainBoot(boot)}`).join('\n');
}

const SERIAL_TAIL_LINES = 25;

/** The last lines the guest printed, without terminal escapes, for failure messages. */
export function serialTail(log: string, lines = SERIAL_TAIL_LINES): string {
  return (
    log
      // eslint-disable-next-line no-control-regex -- terminal escape sequences are control bytes
      .replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1bc/g, '')
      .split(/\r?\n|\r/)
      .map((line) => line.trimEnd())
      .filter((line) => line !== '')
      .slice(-lines)
      .join('\n') || '(nothing)'
  );
}

function lineAround(log: string, index: number): string {
  const start = log.lastIndexOf('\n', index) + 1;
  const end = log.indexOf('\n', index);
  return log.slice(start, end === -1 ? undefined : end).trim();
}

type ParsedLog = Omit<BootResult, 'ok' | 'log' | 'logPath' | 'seconds' | 'accel' | 'failure'>;

/** Reads the guest's "LIVESTICK key=value" lines; the last value of a key wins. */
export function parseSerialLog(log: string): ParsedLog {
  const values = new Map<string, string>();
  for (const raw of log.split('\n')) {
    const m = /^LIVESTICK ([a-z-]+)=(.*)$/.exec(raw.replace(/\r$/, ''));
    if (m) values.set(m[1], m[2]);
  }
  const get = (key: string) => values.get(key) ?? null;
  const dm = (key: string) => {
    const v = get(key);
    return v === null || v === 'none' ? null : v;
  };
  const marker = <T extends string>(key: string, allowed: readonly T[]) => {
    const [state = '', ...rest] = (get(key) ?? '').split(' ');
    const known = allowed.find((a) => a === state) ?? null;
    return { state: known, value: known !== null && rest.length > 0 ? rest.join(' ') : null };
  };
  const root = marker('root-marker', ['found', 'written'] as const);
  const home = marker('home-marker', ['found', 'written', 'absent'] as const);
  const homeStates = ['mounted', 'encrypted-mounted', 'absent', 'failed'] as const;
  const fill = get('fill-done');
  return {
    cmdline: get('cmdline'),
    dmBefore: dm('dm-before'),
    dmAfter: dm('dm-after'),
    rootMount: get('rootfs'),
    rootBaseMount: dm('rootfs-base'),
    rootMarker: root.state,
    rootMarkerValue: root.value,
    homeState: homeStates.find((s) => s === get('home')) ?? null,
    homeMarker: home.state,
    homeMarkerValue: home.value,
    fillDoneMiB: fill === null ? null : Number(fill),
    fillFailed: get('fill-failed'),
    dfRoot: diskUsage(get('df-root')),
    dfHome: diskUsage(get('df-home')),
  };
}

function diskUsage(v: string | null): DiskUsage | null {
  const n = (v ?? '').split(' ').map(Number);
  if (n.length !== 3 || n.some((x) => !Number.isFinite(x))) return null;
  return { totalKiB: n[0], usedKiB: n[1], availKiB: n[2] };
}
