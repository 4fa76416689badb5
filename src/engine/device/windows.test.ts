// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import {
  WINDOWS_SCRIPTS,
  parseDiskFacts,
  powerShellArgs,
  windowsDiskNumber,
  windowsPowerShellPath,
  windowsScript,
  type WindowsScriptName,
} from './windows';

describe('the PowerShell scripts', () => {
  it('travel as base64 of UTF-16LE, named and numbered on their first lines', () => {
    const args = powerShellArgs(windowsScript('hold-volumes', 3, 4242));
    expect(args.slice(0, 3)).toEqual(['-NoProfile', '-NonInteractive', '-EncodedCommand']);
    const text = Buffer.from(args[3]!, 'base64').toString('utf16le');
    expect(text.split('\n').slice(0, 3)).toEqual([
      '# livestick: hold-volumes',
      '$DiskNumber = 3',
      '$ParentPid = 4242',
    ]);
    expect(text.endsWith(WINDOWS_SCRIPTS['hold-volumes'])).toBe(true);
    expect(windowsScript('disk-facts', 0).split('\n')[2]).toBe("$ErrorActionPreference = 'Stop'");
  });

  it('never clear a disk, change its partitions or format a volume', () => {
    for (const name of Object.keys(WINDOWS_SCRIPTS) as WindowsScriptName[]) {
      expect(WINDOWS_SCRIPTS[name]).not.toMatch(
        /diskpart|\bclean\b|Clear-Disk|Initialize-Disk|Remove-Partition|New-Partition|Resize-Partition|Set-Partition|Set-Disk|Format-Volume|mountvol/i,
      );
    }
  });

  it('lock and dismount with the documented control codes, for as long as LiveStick runs', () => {
    const hold = WINDOWS_SCRIPTS['hold-volumes'];
    // CTL_CODE(FILE_DEVICE_FILE_SYSTEM, 6, 7 and 8, METHOD_BUFFERED, FILE_ANY_ACCESS) and
    // CTL_CODE(IOCTL_DISK_BASE, 0x50, METHOD_BUFFERED, FILE_ANY_ACCESS), winioctl.h.
    expect(hold).toContain('$FSCTL_LOCK_VOLUME = [uint32]0x00090018');
    expect(hold).toContain('$FSCTL_UNLOCK_VOLUME = [uint32]0x0009001C');
    expect(hold).toContain('$FSCTL_DISMOUNT_VOLUME = [uint32]0x00090020');
    expect(hold.indexOf("WriteLine('ready')")).toBeLessThan(hold.indexOf('$parent.WaitForExit()'));
    expect(hold.indexOf('FSCTL_UNLOCK_VOLUME)')).toBeGreaterThan(hold.indexOf('finally'));
    expect(WINDOWS_SCRIPTS['reread-partitions']).toContain(
      '$IOCTL_DISK_UPDATE_PROPERTIES = [uint32]0x00070140',
    );
  });
});

describe('Windows disk facts', () => {
  it('reads Get-Disk as ConvertTo-Json prints it', () => {
    expect(
      parseDiskFacts(
        '{"Size":16005464064,"LogicalSectorSize":512,"IsBoot":false,"IsSystem":false,"IsReadOnly":false,"DriveLetters":["e","F"]}',
        '\\\\.\\PhysicalDrive3',
      ),
    ).toEqual({
      sizeBytes: 16005464064,
      sectorBytes: 512,
      isBoot: false,
      isSystem: false,
      isReadOnly: false,
      driveLetters: ['E', 'F'],
    });
  });

  it('refuses output it does not understand', () => {
    expect(() => parseDiskFacts('{"Size":"big"}', 'd')).toThrow(/does not understand/);
    expect(() => parseDiskFacts('Get-Disk : access denied', 'd')).toThrow(/does not understand/);
  });

  it('names whole disks only, and finds PowerShell where Windows installs it', () => {
    expect(windowsDiskNumber('\\\\.\\PhysicalDrive12')).toBe(12);
    expect(windowsDiskNumber('\\\\.\\physicaldrive0')).toBe(0);
    expect(() => windowsDiskNumber('\\\\.\\E:')).toThrow(/not a whole disk/);
    expect(windowsPowerShellPath('C:\\Windows')).toBe(
      'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
    );
  });
});
