// SPDX-License-Identifier: GPL-3.0-or-later
import { constants } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { LiveStickError } from '../../shared/errors';
import { AlignedIo } from '../block-io';
import { checkPathTarget, checkReadablePath, neitherDiskNorFile, refuse } from './file-target';
import { ToolError, toolFailureText, type HostSystem, type RunningTool } from './host-system';
import type {
  CheckedTarget,
  DevicePlatform,
  DiskGeometry,
  OpenedDisk,
  ReleasedVolumes,
  TargetCheckOptions,
} from './platform';

/**
 * Windows: a whole disk is \\.\PhysicalDriveN, and everything Windows knows about it comes from
 * the Storage module's Get-Disk and Get-Partition, run in PowerShell. Four fixed scripts do all
 * of it; each is sent with -EncodedCommand (no quoting rules to get wrong, no script file another
 * process could swap before an elevated PowerShell reads it) and starts with its name and the
 * disk number, which is also how the simulated Windows of the tests tells them apart.
 *
 * Why volumes are locked rather than removed. Since Vista, Windows refuses writes through a disk
 * handle into the sectors of a volume whose file system is mounted, unless that volume is locked
 * or dismounted explicitly (Microsoft, "Blocking Direct Write Operations to Volumes and Disks";
 * KB942448). FSCTL_LOCK_VOLUME gives us that lock and FSCTL_DISMOUNT_VOLUME makes the file
 * system forget what it cached, so it reads the changed bytes when it mounts again; the lock
 * lasts until FSCTL_UNLOCK_VOLUME or until its handle is closed, also when its process ends
 * (Microsoft, "FSCTL_LOCK_VOLUME IOCTL"). A PowerShell process holds those handles for the
 * length of the job and ends with it, or with our process: whatever happens, the volumes come
 * back, with their drive letters, and the partition table is never touched. The alternatives
 * keep less: `diskpart clean` deletes the partition table; Remove-PartitionAccessPath only takes
 * the drive letter away and leaves the file system mounted, so the writes are still refused;
 * `mountvol X: /p` and Set-Disk -IsOffline leave the volume or the whole disk offline until
 * someone brings it back, so a job that dies in between leaves a stick that seems to have
 * vanished. When a job has written a new partition table, the disk is asked to re-read it
 * (IOCTL_DISK_UPDATE_PROPERTIES) before the old volumes are let go, so Windows mounts the new
 * volume, not an old one over the new bytes.
 */
const WHOLE_DISK = /^\\\\\.\\PhysicalDrive(\d+)$/i;
/** Win32 device-namespace paths (\\.\E:, \\?\Volume{…}): devices, but not whole disks. */
const DEVICE_NAMESPACE = /^\\\\[.?]\\/;

/** \\.\PhysicalDrive3 → 3. */
export function windowsDiskNumber(device: string): number {
  const match = WHOLE_DISK.exec(device);
  if (!match) refuse(`${device} is not a whole disk (\\\\.\\PhysicalDriveN).`);
  return Number(match![1]);
}

/** Windows PowerShell where Windows installs it: an elevated helper runs nothing found on PATH. */
export function windowsPowerShellPath(systemRoot: string): string {
  return path.win32.join(systemRoot, 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe');
}

const DISK_FACTS = String.raw`$ErrorActionPreference = 'Stop'
$disk = Get-Disk -Number $DiskNumber
$letters = [string[]]@(Get-Partition -DiskNumber $DiskNumber -ErrorAction SilentlyContinue |
  Where-Object { [string]$_.DriveLetter -match '^[A-Za-z]$' } |
  ForEach-Object { [string]$_.DriveLetter })
[pscustomobject]@{
  Size = $disk.Size
  LogicalSectorSize = $disk.LogicalSectorSize
  IsBoot = [bool]$disk.IsBoot
  IsSystem = [bool]$disk.IsSystem
  IsReadOnly = [bool]$disk.IsReadOnly
  DriveLetters = $letters
} | ConvertTo-Json -Compress
`;

/** kernel32's CreateFileW and DeviceIoControl for PowerShell, compiled by Add-Type. */
const DISK_CONTROL = String.raw`Add-Type -TypeDefinition @'
using System;
using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
public static class LiveStickDisk {
  [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
  static extern SafeFileHandle CreateFileW(string name, uint access, uint share, IntPtr security, uint disposition, uint flags, IntPtr template);
  [DllImport("kernel32.dll", SetLastError = true)]
  static extern bool DeviceIoControl(SafeFileHandle device, uint code, IntPtr input, uint inputSize, IntPtr output, uint outputSize, out uint returned, IntPtr overlapped);
  public static SafeFileHandle Open(string name) {
    // GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, OPEN_EXISTING
    SafeFileHandle handle = CreateFileW(name, 0xC0000000u, 3u, IntPtr.Zero, 3u, 0u, IntPtr.Zero);
    if (handle.IsInvalid) throw new Win32Exception(Marshal.GetLastWin32Error(), name);
    return handle;
  }
  public static bool Control(SafeFileHandle device, uint code) {
    uint returned;
    return DeviceIoControl(device, code, IntPtr.Zero, 0u, IntPtr.Zero, 0u, out returned, IntPtr.Zero);
  }
}
'@
`;

/**
 * Locks and dismounts every volume of the disk, says "held <name>" for each and then "ready",
 * and keeps the locks while LiveStick's process ($ParentPid) runs — until LiveStick ends this
 * one, or itself ends: either way the handles close and the volumes come back. If a program
 * keeps files open, the lock is retried for five seconds before the volume is dismounted under
 * it (its handles become invalid) and locked.
 */
const HOLD_VOLUMES =
  String.raw`$ErrorActionPreference = 'Stop'
` +
  DISK_CONTROL +
  String.raw`$FSCTL_LOCK_VOLUME = [uint32]0x00090018
$FSCTL_UNLOCK_VOLUME = [uint32]0x0009001C
$FSCTL_DISMOUNT_VOLUME = [uint32]0x00090020
$held = New-Object System.Collections.ArrayList
try {
  $parent = Get-Process -Id $ParentPid
  foreach ($partition in @(Get-Partition -DiskNumber $DiskNumber -ErrorAction SilentlyContinue)) {
    $volume = @($partition.AccessPaths | Where-Object { $_ -like '\\?\Volume*' })[0]
    if (-not $volume) { continue }
    $name = $volume
    if ([string]$partition.DriveLetter -match '^[A-Za-z]$') { $name = [string]$partition.DriveLetter + ':' }
    $handle = [LiveStickDisk]::Open($volume.TrimEnd('\'))
    [void]$held.Add($handle)
    $locked = $false
    for ($try = 0; $try -lt 20 -and -not $locked; $try++) {
      $locked = [LiveStickDisk]::Control($handle, $FSCTL_LOCK_VOLUME)
      if (-not $locked) { Start-Sleep -Milliseconds 250 }
    }
    if (-not $locked) {
      [void][LiveStickDisk]::Control($handle, $FSCTL_DISMOUNT_VOLUME)
      $locked = [LiveStickDisk]::Control($handle, $FSCTL_LOCK_VOLUME)
    }
    if (-not $locked) { throw "$name is in use and cannot be locked" }
    if (-not [LiveStickDisk]::Control($handle, $FSCTL_DISMOUNT_VOLUME)) { throw "$name cannot be dismounted" }
    [Console]::Out.WriteLine('held ' + $name)
  }
  [Console]::Out.WriteLine('ready')
  $parent.WaitForExit()
} catch {
  [Console]::Out.WriteLine('error ' + $_.Exception.Message)
  exit 1
} finally {
  foreach ($handle in $held) {
    [void][LiveStickDisk]::Control($handle, $FSCTL_UNLOCK_VOLUME)
    $handle.Dispose()
  }
}
`;

/**
 * Makes the disk re-read its partition table (IOCTL_DISK_UPDATE_PROPERTIES), while the old
 * volumes are still held, so Windows mounts the new volume rather than an old one over the new
 * bytes.
 */
const REREAD_PARTITIONS =
  String.raw`$ErrorActionPreference = 'Stop'
` +
  DISK_CONTROL +
  String.raw`$IOCTL_DISK_UPDATE_PROPERTIES = [uint32]0x00070140
$disk = [LiveStickDisk]::Open('\\.\PhysicalDrive' + $DiskNumber)
try {
  if (-not [LiveStickDisk]::Control($disk, $IOCTL_DISK_UPDATE_PROPERTIES)) {
    throw (New-Object ComponentModel.Win32Exception ([Runtime.InteropServices.Marshal]::GetLastWin32Error()))
  }
} finally {
  $disk.Dispose()
}
[Console]::Out.WriteLine('reread')
`;

/**
 * The shell's own Eject on the stick's drive letter, as in Explorer (Microsoft,
 * "FolderItem.InvokeVerb"; 17 is ssfDRIVES, This PC). After a write, Windows needs a moment to
 * mount the new volume and give it its letter, so the letter is waited for.
 */
const EJECT = String.raw`$ErrorActionPreference = 'Stop'
$letter = $null
for ($try = 0; $try -lt 40 -and -not $letter; $try++) {
  Update-HostStorageCache -ErrorAction SilentlyContinue
  $letter = @(Get-Partition -DiskNumber $DiskNumber -ErrorAction SilentlyContinue |
    Where-Object { [string]$_.DriveLetter -match '^[A-Za-z]$' } |
    ForEach-Object { [string]$_.DriveLetter + ':' })[0]
  if (-not $letter) { Start-Sleep -Milliseconds 250 }
}
if (-not $letter) { throw 'Windows shows no drive letter for it' }
$drive = (New-Object -ComObject Shell.Application).Namespace(17).ParseName($letter)
if ($null -eq $drive) { throw "$letter is not in This PC" }
$drive.InvokeVerb('Eject')
[Console]::Out.WriteLine('ejected ' + $letter)
`;

export const WINDOWS_SCRIPTS = {
  'disk-facts': DISK_FACTS,
  'hold-volumes': HOLD_VOLUMES,
  'reread-partitions': REREAD_PARTITIONS,
  eject: EJECT,
} as const;
export type WindowsScriptName = keyof typeof WINDOWS_SCRIPTS;

/**
 * The script as PowerShell receives it: its name, the disk number, for hold-volumes the process
 * whose end releases the volumes, then its body.
 */
export function windowsScript(
  name: WindowsScriptName,
  diskNumber: number,
  parentPid?: number,
): string {
  const parent = parentPid === undefined ? '' : `$ParentPid = ${parentPid}\n`;
  return `# livestick: ${name}\n$DiskNumber = ${diskNumber}\n${parent}${WINDOWS_SCRIPTS[name]}`;
}

/** -EncodedCommand takes the script as base64 of its UTF-16LE text. */
export function powerShellArgs(script: string): string[] {
  return [
    '-NoProfile',
    '-NonInteractive',
    '-EncodedCommand',
    Buffer.from(script, 'utf16le').toString('base64'),
  ];
}

const diskFactsSchema = z.object({
  Size: z.number().int().nonnegative(),
  LogicalSectorSize: z.number().int().positive(),
  IsBoot: z.boolean(),
  IsSystem: z.boolean(),
  IsReadOnly: z.boolean(),
  DriveLetters: z.array(z.string().regex(/^[A-Za-z]$/)),
});

export interface WindowsDiskFacts extends DiskGeometry {
  readonly isBoot: boolean;
  readonly isSystem: boolean;
  readonly isReadOnly: boolean;
  /** Upper case, without the colon. */
  readonly driveLetters: readonly string[];
}

export function parseDiskFacts(stdout: string, device: string): WindowsDiskFacts {
  let parsed: z.infer<typeof diskFactsSchema>;
  try {
    parsed = diskFactsSchema.parse(JSON.parse(stdout));
  } catch {
    throw new LiveStickError(
      'INTERNAL',
      `Windows described ${device} in a way LiveStick does not understand: ${stdout.trim().slice(0, 200)}`,
    );
  }
  return {
    sizeBytes: parsed.Size,
    sectorBytes: parsed.LogicalSectorSize,
    isBoot: parsed.IsBoot,
    isSystem: parsed.IsSystem,
    isReadOnly: parsed.IsReadOnly,
    driveLetters: parsed.DriveLetters.map((letter) => letter.toUpperCase()),
  };
}

/** The drive letter a path lives on, or null (UNC paths, or not a Windows path at all). */
function driveLetterOf(file: string): string | null {
  if (!file) return null;
  const letter = /^([A-Za-z]):/.exec(path.win32.resolve(file))?.[1];
  return letter ? letter.toUpperCase() : null;
}

export interface WindowsDevicesOptions {
  readonly host: HostSystem;
  /** Absolute path of powershell.exe (windowsPowerShellPath). */
  readonly powerShell: string;
  /** %SystemDrive%, the drive Windows runs from ("C:"). */
  readonly systemDrive: string;
  /** How long locking the volumes may take before the job gives up. */
  readonly holdTimeoutMs?: number;
}

const DEFAULT_HOLD_TIMEOUT_MS = 120_000;

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class WindowsDevices implements DevicePlatform {
  readonly os = 'win32';
  readonly automountsVolumes = true;
  /** Disks whose volumes this process holds locked, so the mount check lets them pass. */
  private readonly held = new Set<number>();

  constructor(private readonly options: WindowsDevicesOptions) {}

  async isDevice(target: string): Promise<boolean> {
    return DEVICE_NAMESPACE.test(target);
  }

  async facts(device: string): Promise<WindowsDiskFacts> {
    const diskNumber = windowsDiskNumber(device);
    let stdout: string;
    try {
      stdout = await this.powerShell('disk-facts', diskNumber);
    } catch (error) {
      return refuse(`Windows knows no disk ${device}: ${toolFailureText(error)}`);
    }
    return parseDiskFacts(stdout, device);
  }

  async checkWriteTarget(
    target: string,
    imagePath: string,
    options: TargetCheckOptions,
  ): Promise<CheckedTarget> {
    if (!DEVICE_NAMESPACE.test(target)) {
      const checked = await checkPathTarget(target, imagePath, { devicePrefix: null });
      return checked.kind === 'file' ? checked : neitherDiskNorFile(target);
    }
    const diskNumber = windowsDiskNumber(target);
    const facts = await this.facts(target);
    const letters = facts.driveLetters;
    const systemLetter = driveLetterOf(this.options.systemDrive);
    if (facts.isBoot || facts.isSystem || (systemLetter && letters.includes(systemLetter))) {
      refuse(`${target} runs this computer.`);
    }
    const imageLetter = driveLetterOf(imagePath);
    if (imageLetter && letters.includes(imageLetter)) {
      refuse(`${target} holds the image you chose (${imagePath}).`);
    }
    if (facts.isReadOnly) {
      throw new LiveStickError('WRITE_PROTECTED', `${target} is write-protected.`);
    }
    if (!options.ignoreMounts && letters.length > 0 && !this.held.has(diskNumber)) {
      throw new LiveStickError(
        'DEVICE_BUSY',
        `${target} is mounted as ${letters.map((l) => `${l}:`).join(', ')}; its volumes must be released first.`,
      );
    }
    return { kind: 'device', path: target, disk: `PhysicalDrive${diskNumber}` };
  }

  async checkInspectTarget(target: string): Promise<CheckedTarget> {
    if (!DEVICE_NAMESPACE.test(target)) {
      const checked = await checkReadablePath(target);
      return checked.kind === 'file' ? checked : neitherDiskNorFile(target);
    }
    return { kind: 'device', path: target, disk: `PhysicalDrive${windowsDiskNumber(target)}` };
  }

  async geometry(device: string): Promise<DiskGeometry> {
    const { sizeBytes, sectorBytes } = await this.facts(device);
    return { sizeBytes, sectorBytes };
  }

  async release(device: string): Promise<ReleasedVolumes> {
    const diskNumber = windowsDiskNumber(device);
    const holder = this.options.host.start(
      this.options.powerShell,
      powerShellArgs(windowsScript('hold-volumes', diskNumber, process.pid)),
    );
    const timeoutMs = this.options.holdTimeoutMs ?? DEFAULT_HOLD_TIMEOUT_MS;
    let names: string[];
    try {
      names = await within(heldVolumes(holder), timeoutMs, 'PowerShell');
    } catch (error) {
      await holder.stop();
      throw new LiveStickError(
        'DEVICE_BUSY',
        `Could not take the volumes of ${device} away: ${toolFailureText(error)}.`,
      );
    }
    this.held.add(diskNumber);
    let givenBack = false;
    return {
      summary:
        names.length > 0 ? `Dismounted ${names.join(', ')} and locked until the job ends.` : null,
      giveBack: async ({ layoutChanged }) => {
        if (givenBack) return null;
        givenBack = true;
        let warning: string | null = null;
        if (layoutChanged) {
          try {
            await this.powerShell('reread-partitions', diskNumber);
          } catch (error) {
            warning = `Windows did not re-read the partition table of ${device} (${toolFailureText(error)}); unplug the stick and plug it in again.`;
          }
        }
        this.held.delete(diskNumber);
        await holder.stop();
        return warning;
      },
    };
  }

  /**
   * Windows keeps no cache for raw disk handles (the file cache belongs to file systems), so
   * reads come from the stick; every transfer must be whole sectors at sector offsets.
   */
  async open(
    device: string,
    options: { readonly write: boolean; readonly maxWriteBytes: number },
  ): Promise<OpenedDisk> {
    const geometry = await this.geometry(device);
    const handle = await this.options.host.openDevice(
      device,
      options.write ? constants.O_RDWR : constants.O_RDONLY,
    );
    const window = new Uint8Array(options.maxWriteBytes + geometry.sectorBytes);
    return { ...geometry, io: new AlignedIo(handle, window, geometry.sectorBytes, true) };
  }

  async eject(device: string): Promise<string | null> {
    try {
      await this.powerShell('eject', windowsDiskNumber(device));
      return null;
    } catch (error) {
      return `Could not eject ${device}: ${toolFailureText(error)}.`;
    }
  }

  private powerShell(name: WindowsScriptName, diskNumber: number): Promise<string> {
    return this.options.host.run(
      this.options.powerShell,
      powerShellArgs(windowsScript(name, diskNumber)),
    );
  }
}

/** Reads the holder's lines up to "ready"; the names of the volumes it locked. */
async function heldVolumes(holder: RunningTool): Promise<string[]> {
  const names: string[] = [];
  for (;;) {
    const line = await holder.nextLine();
    if (line === null) {
      throw new ToolError('PowerShell', null, holder.stderr() || 'it ended before it was ready');
    }
    if (line.startsWith('held ')) names.push(line.slice('held '.length));
    else if (line.startsWith('error ')) throw new Error(line.slice('error '.length));
    else if (line === 'ready') return names;
  }
}
