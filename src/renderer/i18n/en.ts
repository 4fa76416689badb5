// SPDX-License-Identifier: GPL-3.0-or-later
import type { CancelledStick } from '../../shared/ipc';
import type { WritePhase } from '../../shared/progress';

/**
 * Every sentence the wizard shows, in one place so a translation is one more file of the same
 * shape. Sizes arrive already formatted by sizes.ts (one unit convention on every screen);
 * parameters are plain strings. The wizard words everything itself, errors included
 * (errors.ts): no engine sentence, command-line option or raw byte count reaches a screen. The
 * CLI keeps its own, more technical wording in src/shared/messages.ts.
 */
export const en = {
  app: {
    name: 'LiveStick',
    tagline: 'Fedora live USB sticks that keep your changes',
    modes: 'What do you want to do?',
    modeCreate: 'Make a stick',
    modeCheck: 'Check a stick',
    stepsLabel: 'Steps',
    back: 'Back',
    next: 'Next',
    close: 'Close',
    cancel: 'Cancel',
    technical: 'Technical details',
    /** The browser tab or window title: the screen first, then the app. */
    documentTitle: (screen: string) => `${screen} — LiveStick`,
  },
  steps: {
    image: 'Image',
    drive: 'Stick',
    persistence: 'Persistence',
    write: 'Write',
  },
  image: {
    title: 'Choose a live image',
    intro: 'Pick a Fedora live ISO file. LiveStick reads it and shows what the stick can keep.',
    choose: 'Choose ISO file…',
    chooseAnother: 'Choose another ISO file…',
    dropHere: 'or drop the ISO file here',
    dropActive: 'Drop to open this file',
    dropNoPath:
      'This window cannot see where a dropped file is stored. Type the path of the ISO file below instead.',
    noDialog:
      'This browser window cannot open a file chooser. Type the path of the ISO file below; ~ stands for your home folder.',
    typePath: 'or type the path of the ISO file',
    pathLabel: 'Path of the ISO file',
    pathPlaceholder: '~/Downloads/Fedora-Workstation-Live-x86_64-41.iso',
    open: 'Open',
    opening: 'Reading the image…',
    chosen: 'Chosen image',
    stillUsing: (file: string) => `LiveStick still uses ${file}.`,
    label: 'Name',
    size: 'Size',
    startsOn: 'Starts on',
    startsOnBoth: 'UEFI and BIOS computers',
    startsOnUefi: 'UEFI computers',
    keeps: 'Keeps changes',
    keepsYes: 'Yes: system changes, and your files in a separate home',
    keepsNo: 'No: this image starts fresh every time',
  },
  drive: {
    title: 'Choose the stick',
    intro: 'Everything on the stick you choose will be erased. Other drives are not touched.',
    listLabel: 'Drives',
    none: 'No removable drive found. Plug in a USB stick; it appears here by itself.',
    loading: 'Looking for drives…',
    refresh: 'Refresh',
    showAll: 'Show all drives',
    showAllWarning:
      'Internal and system disks are listed now. Choosing one of them erases your computer’s data: be very sure.',
    showAllConfirmTitle: 'Show all drives?',
    showAllConfirmBody:
      'This also lists internal disks, including the one your computer runs from. Writing to one of them destroys its data.',
    showAllConfirm: 'Show all drives',
    system: 'System disk',
    removable: 'Removable',
    fixed: 'Internal',
    mounted: (points: string) => `In use at ${points}`,
    unknownBus: 'unknown connection',
    external: 'External disk',
    bus: {
      usb: 'USB',
      sata: 'SATA',
      nvme: 'NVMe',
      scsi: 'SCSI',
      sd: 'SD card',
      mmc: 'SD card',
      file: 'image file',
    } as Readonly<Record<string, string>>,
    blocked: (reason: string) => `Cannot be used: it ${reason.replace(/^it /, '')}.`,
    tooSmall: (needed: string) => `Too small: this image needs at least ${needed}.`,
    writeProtected: 'Write-protected: slide its lock switch off or use another stick.',
  },
  persistence: {
    title: 'Persistence',
    intro:
      'Choose how much of the stick keeps your changes. The suggested sizes share it between system changes, your files and free space.',
    capacityLabel: (size: string) => `How the ${size} stick is used`,
    segments: {
      system: 'Live system',
      overlay: 'System changes',
      home: 'Home',
      swap: 'Swap',
      free: 'Free for your files',
    },
    sizesKept: 'Your sizes from before fit this image and stick, so they were kept.',
    sizesChanged: (names: string, several: boolean, othersKept: boolean) =>
      `The ${names} from before did not fit this image and stick, so LiveStick chose ${several ? 'new ones' : 'a new one'}.${othersKept ? ' Your other sizes were kept.' : ''}`,
    sizeNames: { overlay: 'overlay size', home: 'home size', swap: 'swap size' },
    and: ' and ',
    overlay: 'System changes (overlay)',
    overlayHelp:
      'Keeps installed software and changed settings. When it is full the system cannot save changes any more, so keep your documents in Home.',
    overlayNone: 'None: the stick starts fresh every time and forgets system changes.',
    home: 'Home (your files)',
    homeHelp: 'Your documents and settings, kept apart from system changes.',
    homeNone: 'None: your files then go into the system changes.',
    swap: 'Swap',
    swapHelp:
      'Lets the live system move memory to the stick when it runs short. Most people leave it at 0.',
    sizeValue: (field: string) => `${field}, size in GiB`,
    unit: 'GiB',
    /** The line under each size: the suggestion, then the maximum and what sets it. */
    limit: (suggested: string, max: string) => `Suggested ${suggested}; ${max}.`,
    maxReason: {
      fat32: (max: string) => `up to ${max}, the largest file FAT32 holds`,
      space: (max: string) =>
        `up to ${max}, all the free space (make the others smaller to give this more)`,
      useful: (max: string) =>
        `up to ${max}, as a snapshot overlay never uses more than the system it covers`,
    },
    atMaximumLater: (max: string) =>
      `at ${max} it is the largest file FAT32 holds, and cannot grow later`,
    problems: {
      notASize: 'Type a size in GiB, such as 2.5, or 0 for none.',
      belowMinimum: 'Type 0 for none, or at least 0.1 GiB.',
      noRoom: 'There is no room left for it: make the others smaller first.',
      aboveMaximum: {
        fat32: (max: string) => `At most ${max}: FAT32 cannot hold a larger file.`,
        space: (max: string) => `At most ${max}: that is what is free on the stick.`,
        useful: (max: string) =>
          `At most ${max}: a snapshot overlay of this system never uses more.`,
      },
    },
    fixSizes: 'Correct the sizes marked in red first.',
    free: 'Free space for your files',
    freeHelp:
      'The free space is an ordinary drive for Windows, macOS and Linux. FAT32 holds files of up to 4 GiB each, so on a big stick what the overlay and home cannot take stays free for your files.',
    later:
      'Later, “Check a stick” can reset the overlay and grow it or home into the free space; any other change needs a new write.',
    encrypt: 'Encrypt home with a passphrase',
    encryptHelp:
      'You type it every time the stick starts. If you forget it, the files in home are lost.',
    passphrase: 'Passphrase',
    passphraseConfirm: 'Passphrase again',
    passphraseMismatch: 'The two passphrases differ.',
    passphraseEmpty: 'Type a passphrase.',
    advanced: 'Advanced: overlay type and swap',
    overlayType: 'Overlay type',
    overlayTypeHelp:
      'Automatic picks what this image’s start-up code understands. Change it only if you know why.',
    overlayTypes: {
      auto: 'Automatic (recommended)',
      'dm-snapshot': 'Device-mapper snapshot',
      overlayfs: 'OverlayFS',
    },
    overlayTypeUnsupported: 'this image cannot use it',
    planning: 'Working out the layout…',
    overBy: (size: string) => `That is ${size} more than the stick holds.`,
    write: 'Write…',
  },
  confirm: {
    title: 'Erase this drive?',
    body: (model: string, size: string, device: string) =>
      `Everything on ${model} (${size}, ${device}) will be erased and replaced by the live system.`,
    partitions: (points: string) => `Its volumes mounted at ${points} will be unmounted.`,
    typeName: (device: string) =>
      `This is not an ordinary USB stick. To go on, type its device name: ${device}`,
    typeNameLabel: 'Device name',
    erase: 'Erase and write',
    keep: 'Cancel',
  },
  write: {
    title: 'Writing',
    phases: {
      preparing: 'Preparing',
      writing: 'Writing',
      verifying: 'Verifying',
      finalizing: 'Finishing',
    } satisfies Readonly<Record<WritePhase, string>>,
    preparingText: 'Getting everything ready. Nothing has been written to the stick yet.',
    cancelling: 'Stopping…',
    progressLabel: 'Overall progress',
    percent: (percent: number) => `${percent} %`,
    amount: 'Done so far',
    amountWritten: (done: string, total: string) => `${done} of ${total} written`,
    amountVerified: (done: string, total: string) => `${done} of ${total} read back and checked`,
    speed: 'Speed',
    timeLeft: 'Time left',
    unknownTime: 'working it out',
    cancel: 'Cancel…',
    cancelConfirmTitle: 'Stop writing?',
    cancelConfirmBody: {
      preparing: 'Nothing has been written to the stick yet. If you stop now, it stays as it is.',
      writing:
        'The stick is partly written. If you stop now, it will not start a computer until you write it again, or restore it to an ordinary drive under “Check a stick”.',
      verifying:
        'Everything is written; LiveStick is reading it back to check it. If you stop now, the stick will probably work, but it is not verified.',
      finalizing:
        'Everything is written and verified; LiveStick is finishing. If you stop now, the stick may not start some computers.',
    } satisfies Readonly<Record<WritePhase, string>>,
    cancelConfirm: 'Stop writing',
    cancelKeep: 'Keep writing',
    doNotUnplug: 'Do not unplug the stick until this finishes.',
    failedTitle: 'Writing failed',
    retry: 'Try again…',
    cancelledTitle: 'Writing was cancelled',
    cancelled: {
      unchanged: 'Nothing was written: the stick is as it was before.',
      incomplete:
        'The stick is partly written and will not start a computer. Write it again, or restore it to an ordinary drive under “Check a stick”.',
      unverified:
        'Everything was written, but not verified. The stick will probably work; write it again to be sure.',
    } satisfies Readonly<Record<CancelledStick, string>>,
    startOver: 'Back to the settings',
    doneTitle: 'Your stick is ready',
    writtenVerified: (drive: string) => `Written and verified: ${drive}`,
    writtenOnly: (drive: string) => `Written (not verified): ${drive}`,
    finishedBeforeCancel: 'The write had already finished when you asked to stop it.',
    driveLine: (model: string, size: string, device: string) => `${model} (${size}, ${device})`,
    onStick: 'What is on the stick',
    system: (label: string, size: string) => `${label}, the live system (${size})`,
    startsBoth: 'Starts on UEFI and BIOS computers',
    startsUefi: 'Starts on UEFI computers',
    startsUefiNoLoader:
      'Starts on UEFI computers (this computer had no BIOS start-up program to add)',
    overlay: (size: string) => `System changes (overlay): ${size}`,
    noOverlay: 'No overlay: system changes are forgotten at shutdown',
    home: (size: string) => `Home: ${size}`,
    homeEncrypted: (size: string) => `Home: ${size}, encrypted`,
    noHome: 'No separate home',
    swap: (size: string) => `Swap: ${size}`,
    free: (size: string) => `Free space for your files: ${size}`,
    howToBoot: 'How to start from it',
    howToBootText:
      'Plug the stick in, restart the computer and open its boot menu (often F12, F11, Esc or F8; on a Mac hold Option). Choose the USB entry.',
    remove: 'You can remove the stick once your system says it is safe to.',
    another: 'Make another stick',
    checkThis: 'Check this stick',
  },
  check: {
    title: 'Check a stick',
    intro:
      'See how full a LiveStick’s system changes and home are, without starting it. Checking changes nothing.',
    chooseLabel: 'Stick to check',
    choosePlaceholder: 'Choose a drive…',
    inspect: 'Check',
    inspecting: 'Reading the stick…',
    label: 'Name',
    notLiveStick: (free: string) =>
      `This drive holds no LiveStick: it is an ordinary drive with ${free} free. There is nothing to check or change here.`,
    overlay: 'System changes (overlay)',
    overlayKind: {
      'dm-snapshot': 'Device-mapper snapshot',
      overlayfs: 'OverlayFS',
    },
    usage: (used: string, total: string) => `${used} of ${total} used`,
    percentUsage: (percent: string, total: string) => `${percent} % of ${total} used`,
    state: 'State',
    states: {
      Fresh: 'Not used yet',
      Active: 'In use',
      Full: 'Full: the next change to the system fails',
      Invalid: 'Broken: the system stopped using it',
      Truncated: 'Damaged: the file is shorter than it should be',
      'Not cleanly unmounted': 'Not shut down cleanly last time; checked at the next start',
      Corrupt: 'Damaged',
    } as Readonly<Record<string, string>>,
    unknownState: 'Unknown',
    overlayUnknown: 'How full it is cannot be seen for this overlay type.',
    overlayNearlyFull:
      'The overlay is nearly full. When it is full the system cannot save changes any more; reset or grow it.',
    overlayFull:
      'The overlay is full or broken: the system cannot save changes. Reset it to start fresh.',
    overlayOrphaned:
      'The overlay is not used: the stick was renamed or reformatted since it was made. Resetting the overlay makes it work again.',
    noOverlay: 'No overlay: this stick starts fresh every time.',
    home: 'Home',
    homeEncrypted: (size: string) => `${size}, encrypted: how full it is shows only once unlocked.`,
    noHome: 'No separate home.',
    free: 'Free space for files',
    usageGauge: (what: string) => `${what} usage`,
    overlayFile: 'Overlay file',
    kernelArgs: 'Start-up options',
    status: 'As dmsetup status would show it',
    notes: 'Notes',
    maintenance: 'Change this stick',
    maintenanceIntro: 'Each of these changes the stick, and asks first.',
    reset: 'Reset overlay…',
    resetTitle: 'Reset the overlay?',
    resetBody:
      'All system changes (installed software, changed settings) are thrown away; the next start is a fresh system. Files in home and in the free space stay.',
    resetConfirm: 'Reset overlay',
    grow: 'Grow overlay or home…',
    growTitle: 'Grow the overlay or home',
    growBody:
      'A file can only grow, into the stick’s free space, and up to 4 GiB (the largest file FAT32 holds).',
    growFree: (free: string) => `Free on the stick now: ${free}`,
    growField: (what: string, now: string) => `${what}: now ${now}; new size in GiB`,
    growMax: {
      fat32: (max: string) => `Largest possible: ${max} (FAT32 cannot hold a larger file).`,
      space: (max: string) => `Largest possible: ${max} (all the free space).`,
      useful: (max: string) =>
        `Largest possible: ${max} (a snapshot overlay of this system never uses more).`,
    },
    growAtMost: {
      fat32: 'It is already as large as FAT32 allows.',
      space: 'There is no free space left to grow into.',
      useful: 'It is already as large as a snapshot overlay of this system can use.',
    },
    growEncrypted: 'An encrypted home can only be grown from inside the running live system.',
    growProblems: {
      notASize: 'Type a size in GiB, such as 2.5.',
      notLarger: (now: string) => `Type a size larger than now (${now}), or leave it as it is.`,
      aboveMaximum: (max: string) => `At most ${max}.`,
    },
    growNothing: 'Neither the overlay nor home can grow on this stick.',
    growConfirm: 'Grow',
    restore: 'Restore to an ordinary drive…',
    restoreTitle: 'Restore to an ordinary drive?',
    restoreBody: (model: string) =>
      `Everything on ${model} is erased, including home and your files in the free space, and it becomes one empty drive usable on any computer.`,
    restoreConfirm: 'Erase and restore',
    restoreOffer: 'Restoring erases the drive and makes it one empty drive for any computer.',
    working: 'Working on the stick…',
    done: {
      'reset-overlay': 'The overlay was reset: the next start is a fresh system.',
      restore: 'The drive is now an ordinary empty drive.',
      grownOverlay: (size: string) => `The overlay now holds ${size}.`,
      grownHome: (size: string) => `Home now holds ${size}.`,
      'persistence-menu': 'The start-up menu was changed.',
    },
  },
} as const;

export type Catalog = typeof en;
