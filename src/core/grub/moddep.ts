// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * GRUB's moddep.lst: one line per module, `name: dependency dependency …`. core.img must carry a
 * module's dependencies before the module itself, because the kernel links modules in the order
 * it finds them and cannot fetch a missing one before the prefix is reachable.
 *
 * The order reproduces grub-mkimage's (GRUB's util/resolve.c) so the payload is the same bytes:
 * depth first, a module's dependencies before it and visited from the end of its line to the
 * start, each module once, the first request first.
 */
import { FormatError } from '../format-error';

const STRUCTURE = 'GRUB moddep.lst';
/** Module names are file names in one directory; nothing that could leave it. */
const MODULE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

export type ModuleDependencies = ReadonlyMap<string, readonly string[]>;

function checkName(name: string, offset: number): void {
  if (!MODULE_NAME.test(name) || name.endsWith('.mod')) {
    throw new FormatError(STRUCTURE, offset, `"${name}" is not a module name`);
  }
}

/** Parses moddep.lst; a later line for the same module replaces an earlier one, as in GRUB. */
export function parseModuleDependencies(text: string): ModuleDependencies {
  const dependencies = new Map<string, readonly string[]>();
  let offset = 0;
  for (const line of text.split('\n')) {
    const lineOffset = offset;
    offset += line.length + 1;
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon < 0) throw new FormatError(STRUCTURE, lineOffset, `line without ":": "${line}"`);
    const name = line.slice(0, colon);
    checkName(name, lineOffset);
    const deps = line
      .slice(colon + 1)
      .split(/\s+/)
      .filter((dep) => dep !== '');
    for (const dep of deps) checkName(dep, lineOffset);
    dependencies.set(name, deps);
  }
  return dependencies;
}

/**
 * The modules to embed for `requested`, dependencies first, in grub-mkimage's order. A module
 * that moddep.lst does not list is taken without dependencies (grub-mkimage does the same).
 */
export function resolveModuleOrder(
  dependencies: ModuleDependencies,
  requested: readonly string[],
): string[] {
  const order: string[] = [];
  const added = new Set<string>();
  const visiting = new Set<string>();
  const add = (name: string): void => {
    if (added.has(name)) return;
    if (visiting.has(name)) {
      throw new FormatError(STRUCTURE, 0, `dependency cycle through "${name}"`);
    }
    visiting.add(name);
    const deps = dependencies.get(name) ?? [];
    for (let i = deps.length - 1; i >= 0; i--) add(deps[i]!);
    visiting.delete(name);
    added.add(name);
    order.push(name);
  };
  for (const name of requested) {
    checkName(name, 0);
    add(name);
  }
  return order;
}
