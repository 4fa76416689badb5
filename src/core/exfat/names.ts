// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * exFAT names: file names and the volume label are UTF-16 strings with the invalid characters of
 * the exFAT specification's Table 35; names are unique per directory after up-casing (§7.7).
 */

/** §7.7.3: 17 File Name entries of 15 code units each, capped at 255. */
export const MAX_NAME_UNITS = 255;
export const NAME_UNITS_PER_ENTRY = 15;
/** §7.3.2: CharacterCount of the Volume Label entry. */
export const MAX_LABEL_UNITS = 11;

/** Table 35 besides the control codes 0000h–001Fh. */
const INVALID_NAME_CHARACTERS = '"*/:<>?\\|';

function invalidCharacter(text: string): string | null {
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char.charCodeAt(0) < 0x20 || INVALID_NAME_CHARACTERS.includes(char)) return char;
  }
  return null;
}

/** Why `name` cannot be an exFAT file or directory name, or null when it can. */
export function exfatNameProblem(name: string): string | null {
  if (name.length === 0) return 'the name is empty';
  if (name === '.' || name === '..') return `"${name}" is reserved`;
  if (name.length > MAX_NAME_UNITS) return `longer than ${MAX_NAME_UNITS} UTF-16 code units`;
  const bad = invalidCharacter(name);
  if (bad !== null) return `the character ${JSON.stringify(bad)} is not allowed on exFAT`;
  // The format allows them, but Windows strips trailing dots and spaces from every path it is
  // given, so such a file could never be opened there.
  if (/[. ]$/.test(name)) return 'a name ending with a dot or a space cannot be opened on Windows';
  return null;
}

/** Why `label` cannot be an exFAT volume label, or null when it can. */
export function exfatLabelProblem(label: string): string | null {
  if (label.length > MAX_LABEL_UNITS) return `longer than ${MAX_LABEL_UNITS} UTF-16 code units`;
  const bad = invalidCharacter(label);
  if (bad !== null) return `the character ${JSON.stringify(bad)} is not allowed in an exFAT label`;
  return null;
}
