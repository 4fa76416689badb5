// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Apple's XML property lists, as `diskutil … -plist` prints them (Apple, "About Info.plist
 * Keys and Values"; the DTD is http://www.apple.com/DTDs/PropertyList-1.0.dtd): dict, array,
 * string, integer, real, true, false, and data and date kept as their text.
 */
export type PlistValue = string | number | boolean | PlistValue[] | PlistDict;
export interface PlistDict {
  readonly [key: string]: PlistValue;
}

export class PlistError extends Error {
  override readonly name = 'PlistError';
}

const ENTITIES: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
};

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_match, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name]!;
  });
}

type Token = { readonly tag: string; readonly at: number } | { readonly text: string };

/** Tags and the text between them; the XML declaration, doctype and comments are dropped. */
function tokenize(xml: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /<!--[\s\S]*?-->|<[?!][^>]*>|<([^>]+)>|([^<]+)/g;
  for (const match of xml.matchAll(pattern)) {
    if (match[1] !== undefined) tokens.push({ tag: match[1].trim(), at: match.index });
    else if (match[2] !== undefined) tokens.push({ text: match[2] });
  }
  return tokens;
}

export function parsePlist(xml: string): PlistValue {
  const tokens = tokenize(xml).filter((token) => !('text' in token) || token.text.trim() !== '');
  let index = 0;

  const fail = (expected: string): never => {
    const token = tokens[index];
    const seen = token === undefined ? 'the end' : 'tag' in token ? `<${token.tag}>` : 'text';
    throw new PlistError(`property list: expected ${expected}, found ${seen}`);
  };
  const nextTag = (): string => {
    const token = tokens[index++];
    if (token === undefined || !('tag' in token)) {
      index--;
      return fail('a tag');
    }
    return token.tag;
  };
  /** The text up to the closing tag (none for an empty element). */
  const textUntil = (name: string): string => {
    const token = tokens[index];
    let text = '';
    if (token !== undefined && 'text' in token) {
      text = unescapeXml(token.text);
      index++;
    }
    if (nextTag() !== `/${name}`) {
      index--;
      fail(`</${name}>`);
    }
    return text;
  };

  const value = (): PlistValue => {
    const tag = nextTag();
    if (tag === 'plist' || tag.startsWith('plist ')) {
      const inner = value();
      if (nextTag() !== '/plist') {
        index--;
        fail('</plist>');
      }
      return inner;
    }
    switch (tag) {
      case 'dict': {
        const dict: Record<string, PlistValue> = {};
        for (;;) {
          const inner = nextTag();
          if (inner === '/dict') return dict;
          if (inner !== 'key') {
            index--;
            fail('<key> or </dict>');
          }
          const key = textUntil('key');
          dict[key] = value();
        }
      }
      case 'dict/':
        return {};
      case 'array': {
        const items: PlistValue[] = [];
        for (;;) {
          const token = tokens[index];
          if (token !== undefined && 'tag' in token && token.tag === '/array') {
            index++;
            return items;
          }
          items.push(value());
        }
      }
      case 'array/':
        return [];
      case 'string':
      case 'data':
      case 'date':
        return textUntil(tag);
      case 'string/':
        return '';
      case 'integer':
      case 'real': {
        const text = textUntil(tag).trim();
        const number = Number(text);
        if (text === '' || !Number.isFinite(number)) {
          throw new PlistError(`property list: <${tag}> holds "${text}", not a number`);
        }
        return number;
      }
      case 'true/':
        return true;
      case 'false/':
        return false;
      default:
        index--;
        return fail('a property list value');
    }
  };

  const root = value();
  if (index !== tokens.length) fail('the end');
  return root;
}

/** The top-level dict `diskutil info -plist` and `diskutil list -plist` print. */
export function parsePlistDict(xml: string): PlistDict {
  const root = parsePlist(xml);
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    throw new PlistError('property list: the top level is not a dict');
  }
  return root;
}
