// SPDX-License-Identifier: GPL-3.0-or-later
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/core/format-error';
import { parseModuleDependencies, resolveModuleOrder } from '../../../../src/core/grub/moddep';

describe('parseModuleDependencies', () => {
  it('reads names and dependencies; a later line for a module wins', () => {
    const deps = parseModuleDependencies('a: b c\nb:\n\nc: b\na: c\n');
    expect([...deps.entries()]).toEqual([
      ['a', ['c']],
      ['b', []],
      ['c', ['b']],
    ]);
  });

  it('rejects lines without a colon and names that are paths', () => {
    expect(() => parseModuleDependencies('a b\n')).toThrow(FormatError);
    expect(() => parseModuleDependencies('a: ../b\n')).toThrow(/not a module name/);
    expect(() => parseModuleDependencies('x/a: b\n')).toThrow(FormatError);
  });

  it('reads Debian’s moddep.lst', () => {
    const deps = parseModuleDependencies(
      readFileSync('/usr/lib/grub/i386-pc/moddep.lst', 'latin1'),
    );
    expect(deps.get('fat')).toEqual(['fshelp']);
    expect(deps.get('biosdisk')).toEqual([]);
  });
});

describe('resolveModuleOrder', () => {
  it('puts dependencies first, visiting a line from its end, each module once', () => {
    const deps = parseModuleDependencies('top: x y\nx: z\ny: z w\nz:\nw:\n');
    // y's dependencies in reverse (w, z), then y; then x (z already there); then top.
    expect(resolveModuleOrder(deps, ['top'])).toEqual(['w', 'z', 'y', 'x', 'top']);
    expect(resolveModuleOrder(deps, ['x', 'top', 'x'])).toEqual(['z', 'x', 'w', 'y', 'top']);
  });

  it('takes a module moddep.lst does not list without dependencies', () => {
    expect(resolveModuleOrder(new Map(), ['lonely'])).toEqual(['lonely']);
  });

  it('rejects cycles and bad requested names', () => {
    const deps = parseModuleDependencies('a: b\nb: a\n');
    expect(() => resolveModuleOrder(deps, ['a'])).toThrow(/cycle/);
    expect(() => resolveModuleOrder(new Map(), ['fat.mod'])).toThrow(FormatError);
  });
});
