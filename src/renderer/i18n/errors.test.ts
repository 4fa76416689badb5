import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type WireError } from '../../shared/errors';
import { errorWords, type ErrorContext } from './errors';

const CONTEXTS: readonly ErrorContext[] = [
  { doing: 'open-image', path: '/home/ana/Downloads/Fedora.iso' },
  { doing: 'list-drives' },
  { doing: 'plan' },
  { doing: 'write', device: '/dev/sdb' },
  { doing: 'check', device: '/dev/sdb' },
  { doing: 'change', device: '/dev/sdb' },
];

/** An engine message as the CLI words it: options, errno, byte counts. */
const ENGINE_MESSAGE =
  'ENOENT: cannot grow to 5242880000 bytes, at most 4294966784; lower --home-size-mb';

describe('the wizard’s error words', () => {
  it('never repeat the engine’s sentence, for any code in any context', () => {
    for (const code of ERROR_CODES.filter((c) => c !== 'INTERNAL')) {
      for (const context of CONTEXTS) {
        const words = errorWords({ code, message: ENGINE_MESSAGE }, context);
        const shown = `${words.title} ${words.text} ${words.action}`;
        expect(shown, `${code} ${context.doing}`).not.toMatch(/--|ENOENT|\d{7,}/);
        expect(words.technical).toBeUndefined();
      }
    }
  });

  it('keep the engine’s message only as technical details of an unexplained failure', () => {
    const words = errorWords(
      { code: 'INTERNAL', message: 'helper said hello twice' },
      CONTEXTS[3]!,
    );
    expect(words.technical).toBe('helper said hello twice');
    expect(words.text).not.toContain('hello');
  });

  it('name LiveStick’s own write as the reason a stick is busy, not other programs', () => {
    const busy: WireError = {
      code: 'DEVICE_BUSY',
      message: 'LiveStick is writing /dev/sdb right now.',
      details: { reason: 'livestick-writing', device: '/dev/sdb' },
    };
    const same = errorWords(busy, { doing: 'write', device: '/dev/sdb' });
    expect(same.title).toBe('LiveStick is writing this stick');
    expect(same.text).not.toMatch(/program/);
    expect(errorWords(busy, { doing: 'write', device: '/dev/sdc' }).title).toBe(
      'LiveStick is writing another stick',
    );
    const other = errorWords({ code: 'DEVICE_BUSY', message: 'EBUSY' }, CONTEXTS[3]!);
    expect(other.text).toMatch(/Another program/);
  });

  it('say why an image cannot be opened, naming what was typed', () => {
    const path = '~/Downloads/missing.iso';
    const context: ErrorContext = { doing: 'open-image', path };
    const reason = (r: 'missing' | 'folder' | 'permission') =>
      errorWords(
        { code: 'SOURCE_UNREADABLE', message: 'x', details: { reason: r, path } },
        context,
      );
    expect(reason('missing').text).toBe(`There is no file at “${path}”.`);
    expect(reason('folder').text).toBe(`“${path}” is a folder, not an ISO file.`);
    expect(reason('permission').title).toBe('The image may not be read');
  });

  it('blame the stick, not the ISO, for a damaged stick', () => {
    const damaged: WireError = { code: 'SOURCE_CORRUPT', message: 'bad FAT' };
    expect(errorWords(damaged, { doing: 'check', device: '/dev/sdb' }).title).toBe(
      'The stick is damaged',
    );
    expect(errorWords(damaged, { doing: 'check', device: '/dev/sdb' }).action).not.toMatch(/ISO/);
    expect(errorWords(damaged, CONTEXTS[0]!).title).toBe('The image is damaged');
  });

  it('give the missing room in the wizard’s units', () => {
    const words = errorWords(
      {
        code: 'DOES_NOT_FIT',
        message: 'needs 5242880000 bytes more; lower --home-size-mb',
        details: { reason: 'persistence', missingBytes: 5 * 1024 ** 3, availableBytes: 1 },
      },
      { doing: 'plan' },
    );
    expect(words.text).toBe('The chosen sizes need 5.0 GiB more than the stick has.');
  });
});
