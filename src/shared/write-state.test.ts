import { describe, expect, it } from 'vitest';
import type { WRITE_PHASES } from './progress';
import {
  WRITE_STATES,
  isActive,
  isFinished,
  nextWriteState,
  type WriteEvent,
  type WriteState,
} from './write-state';

type EventName = Exclude<WriteEvent['type'], 'phase'> | `phase:${(typeof WRITE_PHASES)[number]}`;

const EVENTS: readonly EventName[] = [
  'start',
  'phase:preparing',
  'phase:writing',
  'phase:verifying',
  'phase:finalizing',
  'cancel',
  'succeeded',
  'failed',
  'cancelled',
  'reset',
];

function event(name: EventName): WriteEvent {
  if (name.startsWith('phase:')) {
    return { type: 'phase', phase: name.slice('phase:'.length) as (typeof WRITE_PHASES)[number] };
  }
  return { type: name } as WriteEvent;
}

/**
 * Every state against every event: the cell is the next state, or null where the event is
 * impossible. Written out in full so a change to any transition shows up here.
 */
const TABLE: Readonly<Record<WriteState, Readonly<Record<EventName, WriteState | null>>>> = {
  idle: row({ start: 'preparing', reset: 'idle' }),
  preparing: row({
    'phase:preparing': 'preparing',
    'phase:writing': 'writing',
    'phase:verifying': 'verifying',
    'phase:finalizing': 'finalizing',
    cancel: 'cancelling',
    failed: 'failed',
    cancelled: 'cancelled',
  }),
  writing: row({
    'phase:writing': 'writing',
    'phase:verifying': 'verifying',
    'phase:finalizing': 'finalizing',
    cancel: 'cancelling',
    succeeded: 'succeeded',
    failed: 'failed',
    cancelled: 'cancelled',
  }),
  verifying: row({
    'phase:verifying': 'verifying',
    'phase:finalizing': 'finalizing',
    cancel: 'cancelling',
    succeeded: 'succeeded',
    failed: 'failed',
    cancelled: 'cancelled',
  }),
  finalizing: row({
    'phase:finalizing': 'finalizing',
    cancel: 'cancelling',
    succeeded: 'succeeded',
    failed: 'failed',
    cancelled: 'cancelled',
  }),
  // The job may end in any way while a cancel is on its way: each end is shown as it happened.
  cancelling: row({ succeeded: 'succeeded', failed: 'failed', cancelled: 'cancelled' }),
  succeeded: row({ start: 'preparing', reset: 'idle' }),
  failed: row({ start: 'preparing', reset: 'idle' }),
  cancelled: row({ start: 'preparing', reset: 'idle' }),
};

function row(
  allowed: Partial<Record<EventName, WriteState>>,
): Readonly<Record<EventName, WriteState | null>> {
  return Object.fromEntries(EVENTS.map((name) => [name, allowed[name] ?? null])) as Record<
    EventName,
    WriteState | null
  >;
}

describe('write state machine', () => {
  for (const state of WRITE_STATES) {
    it(`from ${state}, takes exactly the transitions of the table`, () => {
      const seen = Object.fromEntries(
        EVENTS.map((name) => [name, nextWriteState(state, event(name))]),
      );
      expect(seen).toEqual(TABLE[state]);
    });
  }

  it('covers every state', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...WRITE_STATES].sort());
  });

  it('walks the happy path', () => {
    let state: WriteState = 'idle';
    for (const name of [
      'start',
      'phase:writing',
      'phase:verifying',
      'phase:finalizing',
      'succeeded',
    ] as const) {
      state = nextWriteState(state, event(name))!;
    }
    expect(state).toBe('succeeded');
    expect(isFinished(state)).toBe(true);
  });

  it('shows a job that completed during the cancel grace period as succeeded', () => {
    const cancelling = nextWriteState('finalizing', { type: 'cancel' })!;
    expect(isActive(cancelling)).toBe(true);
    expect(nextWriteState(cancelling, { type: 'phase', phase: 'finalizing' })).toBeNull();
    expect(nextWriteState(cancelling, { type: 'succeeded' })).toBe('succeeded');
    expect(nextWriteState(cancelling, { type: 'failed' })).toBe('failed');
  });

  it('counts only the running states as active and only the ends as finished', () => {
    expect(WRITE_STATES.filter(isActive)).toEqual([
      'preparing',
      'writing',
      'verifying',
      'finalizing',
      'cancelling',
    ]);
    expect(WRITE_STATES.filter(isFinished)).toEqual(['succeeded', 'failed', 'cancelled']);
  });
});
