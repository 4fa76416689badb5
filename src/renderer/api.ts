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
