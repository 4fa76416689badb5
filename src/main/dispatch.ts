// SPDX-License-Identifier: GPL-3.0-or-later
import { LiveStickError, toWire } from '../shared/errors';
import {
  METHOD_NAMES,
  requestSchemas,
  type Envelope,
  type MethodName,
  type ServiceHandlers,
} from '../shared/ipc';

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && (METHOD_NAMES as readonly string[]).includes(value);
}

/**
 * Validates an untrusted request against the method's schema, runs the handler and wraps the
 * outcome in an envelope. Shared by Electron's ipcMain registration and the browser bridge, so
 * both paths enforce exactly the same contract.
 */
export async function dispatch(
  handlers: ServiceHandlers,
  method: MethodName,
  payload: unknown,
): Promise<Envelope<unknown>> {
  const parsed = requestSchemas[method].safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
    return {
      ok: false,
      error: toWire(
        new LiveStickError(
          'INTERNAL',
          `Rejected a malformed ${method} request${where}: ${issue?.message ?? 'invalid'}`,
        ),
      ),
    };
  }
  try {
    const handler = handlers[method] as (request: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (error) {
    return { ok: false, error: toWire(error) };
  }
}
