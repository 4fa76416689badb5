import { describe, expect, it } from 'vitest';
import { isActive, isFinished, nextWriteState, type WriteState } from './write-state';

describe('write state machine', () => {
  it('walks the happy path', () => {
    let state: WriteState = 'idle';
    for (const event of [
      { type: 'start' },
      { type: 'phase', phase: 'writing' },
      { type: 'phase', phase: 'verifying' },
      { type: 'phase', phase: 'finalizing' },
      { type: 'succeeded' },
    ] as const) {
      const next = nextWriteState(state, event);
      expect(next, `${state} + ${event.type}`).not.toBeNull();
      state = next!;
    }
    expect(state).toBe('succeeded');
    expect(isFinished(state)).toBe(true);
  });

  it('lets verification be skipped but never goes back', () => {
    expect(nextWriteState('writing', { type: 'phase', phase: 'finalizing' })).toBe('finalizing');
    expect(nextWriteState('verifying', { type: 'phase', phase: 'writing' })).toBeNull();
  });

  it('cancels through cancelling', () => {
    const cancelling = nextWriteState('writing', { type: 'cancel' });
    expect(cancelling).toBe('cancelling');
    expect(isActive(cancelling!)).toBe(true);
    expect(nextWriteState(cancelling!, { type: 'cancelled' })).toBe('cancelled');
    expect(nextWriteState('idle', { type: 'cancel' })).toBeNull();
  });

  it('refuses to start twice or reset while busy', () => {
    expect(nextWriteState('writing', { type: 'start' })).toBeNull();
    expect(nextWriteState('writing', { type: 'reset' })).toBeNull();
    expect(nextWriteState('failed', { type: 'start' })).toBe('preparing');
    expect(nextWriteState('failed', { type: 'reset' })).toBe('idle');
  });
});
