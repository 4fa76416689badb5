// SPDX-License-Identifier: GPL-3.0-or-later
import type { WritePhase } from './progress';

/**
 * The write lifecycle (docs/ARCHITECTURE.md, "Contracts between processes") as one explicit machine. Everything the UI shows — which
 * buttons exist, whether quitting must ask first — is derived from the state, never stored
 * beside it.
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
      if (!PHASE_ORDER.includes(state)) return null;
      // Phases only move forward; verifying may be skipped (--no-verify).
      return PHASE_ORDER.indexOf(event.phase) >= PHASE_ORDER.indexOf(state) ? event.phase : null;
    }
    case 'cancel':
      return PHASE_ORDER.includes(state) ? 'cancelling' : null;
    case 'succeeded':
      return state === 'finalizing' || state === 'verifying' || state === 'writing'
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
