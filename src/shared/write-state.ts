// SPDX-License-Identifier: GPL-3.0-or-later
import type { WritePhase } from './progress';

/**
 * The write lifecycle (docs/ARCHITECTURE.md, "Contracts between processes") as one explicit
 * machine. Everything the UI shows — which buttons exist, whether quitting must ask first — is
 * derived from the state, never stored beside it.
 */
export type WriteState = 'idle' | WritePhase | 'cancelling' | 'succeeded' | 'failed' | 'cancelled';

export type WriteEvent =
  | { readonly type: 'start' }
  | { readonly type: 'phase'; readonly phase: WritePhase }
  | { readonly type: 'cancel' }
  | { readonly type: 'succeeded' }
  | { readonly type: 'failed' }
  | { readonly type: 'cancelled' }
  | { readonly type: 'reset' };

export const WRITE_STATES: readonly WriteState[] = [
  'idle',
  'preparing',
  'writing',
  'verifying',
  'finalizing',
  'cancelling',
  'succeeded',
  'failed',
  'cancelled',
];

const PHASE_ORDER: readonly WriteState[] = ['preparing', 'writing', 'verifying', 'finalizing'];

export function isActive(state: WriteState): boolean {
  return PHASE_ORDER.includes(state) || state === 'cancelling';
}

export function isFinished(state: WriteState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled';
}

/** Returns the next state, or null when the event is impossible in this state. */
export function nextWriteState(state: WriteState, event: WriteEvent): WriteState | null {
  switch (event.type) {
    case 'start':
      return state === 'idle' || isFinished(state) ? 'preparing' : null;
    case 'phase': {
      // While cancelling, the job's last phases no longer matter: only its end does.
      if (!PHASE_ORDER.includes(state)) return null;
      // Phases only move forward; verifying may be skipped (--no-verify).
      return PHASE_ORDER.indexOf(event.phase) >= PHASE_ORDER.indexOf(state) ? event.phase : null;
    }
    case 'cancel':
      return PHASE_ORDER.includes(state) ? 'cancelling' : null;
    // A cancel is a request, not an outcome: a job that completed (or failed) before it could
    // stop ends as what it really did, so the user is told the truth about the stick.
    case 'succeeded':
      return state === 'writing' ||
        state === 'verifying' ||
        state === 'finalizing' ||
        state === 'cancelling'
        ? 'succeeded'
        : null;
    case 'failed':
      return isActive(state) ? 'failed' : null;
    case 'cancelled':
      return isActive(state) ? 'cancelled' : null;
    case 'reset':
      return isActive(state) ? null : 'idle';
  }
}
