// SPDX-License-Identifier: GPL-3.0-or-later
import { fromWire } from '../shared/errors';
import { METHOD_NAMES, RAW_API_GLOBAL, type LiveStickApi, type RawApi } from '../shared/ipc';

/** Wraps the raw envelope API from the preload (or the browser bridge's shim) into throwing calls. */
export function wrapApi(raw: RawApi): LiveStickApi {
  const methods = Object.fromEntries(
    METHOD_NAMES.map((method) => [
      method,
      async (request: never) => {
        const call = raw[method] as (
          r: never,
        ) => Promise<{ ok: boolean; value?: unknown; error?: never }>;
        const envelope = await call(request);
        if (!envelope.ok) throw fromWire(envelope.error!);
        return envelope.value;
      },
    ]),
  );
  return { ...methods, on: raw.on.bind(raw) } as LiveStickApi;
}

export function getApi(): LiveStickApi {
  const raw = (globalThis as unknown as Record<string, RawApi | undefined>)[RAW_API_GLOBAL];
  if (!raw)
    throw new Error('LiveStick API is missing: the page was opened outside the app or the bridge.');
  return wrapApi(raw);
}

/**
 * The path of a file dropped on the window. Electron's preload can resolve it (as
 * `pathForFile`, backed by webUtils.getPathForFile); a plain browser never reveals it, so the
 * wizard then asks for the path another way.
 */
export function pathOfDroppedFile(file: File): string | null {
  const raw = (globalThis as unknown as Record<string, { pathForFile?: unknown } | undefined>)[
    RAW_API_GLOBAL
  ];
  const resolve = raw?.pathForFile;
  if (typeof resolve !== 'function') return null;
  const path: unknown = resolve.call(raw, file);
  return typeof path === 'string' && path.length > 0 ? path : null;
}
