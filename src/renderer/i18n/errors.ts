// SPDX-License-Identifier: GPL-3.0-or-later
import type { ErrorCode, WireError } from '../../shared/errors';
import { formatSize } from './sizes';

/**
 * Errors as the wizard words them: from the code and the numbers in `details`, never from the
 * engine's own sentence (which is written for the command line: option names, byte counts).
 * What the user was doing picks the wording, since "damaged" means the ISO when opening it and
 * the stick when checking one.
 */
export type ErrorContext =
  | { readonly doing: 'open-image'; readonly path: string | null }
  | { readonly doing: 'list-drives' }
  | { readonly doing: 'plan' }
  | { readonly doing: 'write'; readonly device: string }
  | { readonly doing: 'check'; readonly device: string }
  | { readonly doing: 'change'; readonly device: string };

export interface ErrorWords {
  readonly title: string;
  /** What happened, in a sentence. */
  readonly text: string;
  /** What to do about it. */
  readonly action: string;
  /** Only for errors LiveStick cannot explain: the engine's own message, for a bug report. */
  readonly technical?: string;
}

const ITEM_NAMES: Readonly<Record<string, string>> = {
  overlay: 'The overlay for system changes',
  home: 'Home',
  swap: 'Swap',
};

const quoted = (path: string): string => `“${path}”`;

function detail(error: WireError, key: string): unknown {
  // Each code's details have their own shape; wording only looks up the fields it knows.
  const details: Readonly<Record<string, unknown>> | undefined = error.details;
  return details?.[key];
}

function bytes(error: WireError, key: string): string | null {
  const value = detail(error, key);
  return typeof value === 'number' && Number.isFinite(value) ? formatSize(value) : null;
}

function fileName(path: string | null): string {
  if (!path) return 'The file';
  return quoted(path.split(/[\\/]/).filter(Boolean).pop() ?? path);
}

type Wording = (error: WireError, context: ErrorContext) => Omit<ErrorWords, 'technical'>;

const onStick = (context: ErrorContext): boolean =>
  context.doing === 'check' || context.doing === 'change';

const WORDS: Readonly<Record<ErrorCode, Wording>> = {
  NOT_LIVEOS: (_error, context) =>
    onStick(context)
      ? {
          title: 'Not a LiveStick',
          text: 'This drive holds nothing LiveStick can read: no live system and no ordinary FAT32 volume.',
          action:
            'If a write was interrupted, write the stick again, or restore it to an ordinary empty drive.',
        }
      : {
          title: 'Not a Fedora live image',
          text: `${fileName(context.doing === 'open-image' ? context.path : null)} holds no Fedora live system.`,
          action: 'Choose a Fedora live ISO file, such as Fedora-Workstation-Live-x86_64-41.iso.',
        },
  SOURCE_UNREADABLE: (error, context) => {
    const path = context.doing === 'open-image' ? context.path : null;
    const named = path ? quoted(path) : 'The image';
    switch (detail(error, 'reason')) {
      case 'missing':
        return {
          title: 'No such file',
          text: `There is no file at ${named}.`,
          action: 'Check the path for typing mistakes; ~ stands for your home folder.',
        };
      case 'folder':
        return {
          title: 'That is a folder',
          text: `${named} is a folder, not an ISO file.`,
          action: 'Type the path of the ISO file inside it, ending in .iso.',
        };
      case 'permission':
        return {
          title: 'The image may not be read',
          text: `LiveStick is not allowed to read ${named}.`,
          action: 'Copy the ISO file to a folder of yours, such as Downloads, and open the copy.',
        };
      default:
        return {
          title: 'The image cannot be read',
          text: `${named} could not be read.`,
          action: 'Check that the file is complete and on a drive that works, then try again.',
        };
    }
  },
  SOURCE_CORRUPT: (_error, context) =>
    onStick(context)
      ? {
          title: 'The stick is damaged',
          text: 'Parts of what LiveStick keeps on this stick cannot be read.',
          action:
            'Copy your files from its free space to another drive, then write the stick again.',
        }
      : {
          title: 'The image is damaged',
          text: 'Parts of the ISO file cannot be read as a live image.',
          action: 'Download it again and check its checksum.',
        },
  DOES_NOT_FIT: (error, context) => {
    const missing = bytes(error, 'missingBytes');
    if (context.doing === 'change') {
      return {
        title: 'That size does not work',
        text: 'There is not enough free space on the stick for it, or it adds too little to be used.',
        action: 'Choose a size between the current one and the largest possible one shown.',
      };
    }
    switch (detail(error, 'reason')) {
      case 'system':
        return {
          title: 'The stick is too small',
          text: missing
            ? `The live system alone needs ${missing} more than this stick holds.`
            : 'The live system alone does not fit on this stick.',
          action: 'Choose a larger stick.',
        };
      case 'target-too-small':
        return {
          title: 'The stick is too small',
          text: 'This stick is too small to hold a live system.',
          action: 'Choose a larger stick.',
        };
      case 'too-small': {
        const item = ITEM_NAMES[String(detail(error, 'item'))] ?? 'A size';
        return {
          title: 'A size is too small',
          text: `${item} is too small to be of use.`,
          action: 'Set it to 0 for none, or to at least 0.1 GiB.',
        };
      }
      case 'overlay-type-unsupported':
        return {
          title: 'This overlay type does not work here',
          text: 'This image cannot start with the overlay type chosen under Advanced.',
          action: 'Choose Automatic under Advanced.',
        };
      default:
        return {
          title: 'It does not fit',
          text: missing
            ? `The chosen sizes need ${missing} more than the stick has.`
            : 'The chosen sizes need more than the stick has.',
          action: 'Make the overlay, home or swap smaller, or choose a larger stick.',
        };
    }
  },
  FAT32_FILE_LIMIT: (error) => {
    const item = String(detail(error, 'item'));
    if (item === 'squashfs') {
      const size = bytes(error, 'sizeBytes');
      return {
        title: 'The image is too large for FAT32',
        text: `This image’s system file is ${size ?? 'larger than 4 GiB'}, more than a FAT32 stick can hold in one file (4 GiB).`,
        action: 'Choose another image: LiveStick cannot put this one on a stick yet.',
      };
    }
    return {
      title: 'Too large for FAT32',
      text: `${ITEM_NAMES[item] ?? 'A file'} cannot be larger than 4 GiB on a FAT32 stick.`,
      action: 'Choose at most 4.0 GiB.',
    };
  },
  TARGET_REFUSED: (error, context) => {
    if (detail(error, 'reason') === 'not-listed') {
      return {
        title: 'That drive is gone',
        text: 'The drive is no longer in the list.',
        action: 'Plug it in again, or choose another drive from the list.',
      };
    }
    if (context.doing === 'change') {
      return {
        title: 'This stick cannot be changed that way',
        text: 'What LiveStick needs to change is missing or damaged on this stick.',
        action: 'Check the stick again to see what it holds.',
      };
    }
    return {
      title: 'This drive cannot be used',
      text: 'It runs this computer, holds the image you chose, or is not a whole drive.',
      action: 'Choose a removable USB stick.',
    };
  },
  ACCESS_DENIED: () => ({
    title: 'Permission denied',
    text: 'LiveStick was not allowed to open the drive.',
    action: 'Try again and allow administrator access when you are asked.',
  }),
  ELEVATION_DENIED: () => ({
    title: 'Administrator access was not granted',
    text: 'Writing to a drive needs administrator access, and it was not given.',
    action: 'Try again and enter your password when you are asked.',
  }),
  DEVICE_BUSY: (error, context) => {
    if (detail(error, 'reason') === 'livestick-writing') {
      const device = 'device' in context ? context.device : null;
      return detail(error, 'device') === device
        ? {
            title: 'LiveStick is writing this stick',
            text: 'LiveStick is writing this stick right now, in this window or another one.',
            action: 'Wait until the write has finished; it is shown under “Make a stick”.',
          }
        : {
            title: 'LiveStick is writing another stick',
            text: 'LiveStick writes one stick at a time, and another write is running.',
            action: 'Wait until that write has finished; it is shown under “Make a stick”.',
          };
    }
    return {
      title: 'The stick is in use',
      text: 'Another program has the stick open, or one of its volumes is still in use.',
      action: 'Close the programs that use it and eject its volumes, then try again.',
    };
  },
  DEVICE_UNPLUGGED: () => ({
    title: 'The stick went away',
    text: 'The stick was unplugged, or its connection dropped.',
    action:
      'Plug it in again, preferably straight into the computer rather than a hub, and start over.',
  }),
  WRITE_PROTECTED: () => ({
    title: 'The stick is write-protected',
    text: 'Nothing can be written to it.',
    action: 'Slide its lock switch off, or use another stick.',
  }),
  MEDIA_ERROR: () => ({
    title: 'The stick reported an error',
    text: 'Reading from or writing to the stick failed.',
    action: 'The stick may be failing: try another one.',
  }),
  VERIFY_MISMATCH: () => ({
    title: 'Verification failed',
    text: 'What was read back from the stick differs from what was written.',
    action: 'The stick may be failing or not as large as it claims: try another one.',
  }),
  CANCELLED: () => ({
    title: 'Cancelled',
    text: 'The work was stopped before it finished.',
    action: 'Start again when you are ready.',
  }),
  INTERNAL: () => ({
    title: 'Something went wrong inside LiveStick',
    text: 'LiveStick ran into a problem it cannot explain.',
    action: 'Please report it, with the technical details below.',
  }),
};

export function errorWords(error: WireError, context: ErrorContext): ErrorWords {
  const words = WORDS[error.code](error, context);
  return error.code === 'INTERNAL' ? { ...words, technical: error.message } : words;
}
