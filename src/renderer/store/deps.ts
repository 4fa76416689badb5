// SPDX-License-Identifier: GPL-3.0-or-later
import type { LiveStickApi, PlanOutcome, Request } from '../../shared/ipc';

/**
 * What the store needs from outside: the service, and how a sizing request is planned. Tests
 * pass fakes; the app passes the preload API.
 */
export interface StoreDeps {
  readonly api: LiveStickApi;
  /** Plans one request; the store debounces calls, so this may be a round trip over IPC. */
  readonly plan: (request: Request<'plan'>) => Promise<PlanOutcome>;
  /** How long the store waits after the last sizing change before planning. */
  readonly planDelayMs: number;
}

/** Long enough to coalesce a slider drag, short enough to feel immediate. */
export const PLAN_DELAY_MS = 120;
