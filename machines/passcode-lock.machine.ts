import { assign, setup } from 'xstate';
import type { PasscodeLockContext, PasscodeLockInput } from './passcode-lock.context.js';
import type { Timed } from './shared/events.js';
import { isLockInForce } from './shared/lockout.js';

// A user's lock out of passcodes for one app (issue 16 §3: one lockout model for every factor):
// a long-lived instance beside the user, as a password or an authenticator is. The passcode flow
// that counts the last allowed wrong code names `lockIdentifier`; its use case sends `lock` here,
// in the same transaction. A lock lapses by data, not timers: `lockedUntil` judged against each
// event's `at` (and against the request's time by every later passcode flow, as `lockedOutUntil`).

export type PasscodeLockEvent = { readonly type: 'lock'; readonly until: number } & Timed;

export interface PasscodeLockEffects extends Record<string, unknown> {}

export const PASSCODE_LOCK_EFFECTS = [] as const satisfies readonly (keyof PasscodeLockEffects)[];

export const passcodeLockMachine = setup({
  types: { input: {} as PasscodeLockInput, context: {} as PasscodeLockContext, events: {} as PasscodeLockEvent },
  actions: {
    lock: assign(({ event }) => ({ lockedUntil: event.until })),
  },
  guards: {
    /** A lock that would already be over when asked for locks nothing. */
    isLockAhead: ({ event }) => isLockInForce(event.until, event.at),
  },
}).createMachine({
  id: 'passcode-lock',
  context: { lockedUntil: null },
  initial: 'open',
  states: {
    open: {
      on: { lock: { guard: 'isLockAhead', target: 'locked', actions: 'lock' } },
    },
    locked: {
      on: { lock: { guard: 'isLockAhead', actions: 'lock' } },
    },
  },
});
