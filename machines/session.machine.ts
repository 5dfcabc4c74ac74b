import { assign, setup } from 'xstate';
import type { Timed } from './shared/events.js';

// The IDP session (mosaic-backend-api.md §3). It is opened by an interactive authentication,
// extended by each later one (which adds its method) and by silent authentication (which only
// slides the expiry), and ends by logout or revocation, or expires `ttlMs` after the last
// authentication. Expiry is data: every event is judged against `expiresAt` with the time it
// carries, so no timer has to be alive between requests.

export interface SessionInput {
  readonly tenantId: string;
  readonly userId: string;
  readonly method: string;
  readonly at: number;
  readonly ttlMs: number;
}

export interface SessionContext {
  readonly tenantId: string;
  readonly userId: string;
  /** Distinct methods, in the order first used. */
  readonly methods: readonly string[];
  /** Latest interactive authentication (the ID token's auth_time). */
  readonly authTime: number;
  readonly expiresAt: number;
  readonly ttlMs: number;
  readonly endReason: 'logout' | 'revoked' | null;
}

export type SessionEvent =
  | ({ readonly type: 'session.authenticate'; readonly method: string } & Timed)
  | ({ readonly type: 'session.silentAuthenticate' } & Timed)
  | ({ readonly type: 'session.logout' } & Timed)
  | ({ readonly type: 'session.revoke' } & Timed);

export const sessionMachine = setup({
  types: { input: {} as SessionInput, context: {} as SessionContext, events: {} as SessionEvent },
  guards: {
    isExpired: ({ context, event }) => event.at >= context.expiresAt,
  },
}).createMachine({
  id: 'session',
  context: ({ input }) => ({
    tenantId: input.tenantId,
    userId: input.userId,
    methods: [input.method],
    authTime: input.at,
    expiresAt: input.at + input.ttlMs,
    ttlMs: input.ttlMs,
    endReason: null,
  }),
  initial: 'active',
  states: {
    active: {
      on: {
        'session.authenticate': [
          { guard: 'isExpired', target: 'expired' },
          {
            actions: assign({
              methods: ({ context, event }) => (context.methods.includes(event.method) ? context.methods : [...context.methods, event.method]),
              authTime: ({ event }) => event.at,
              expiresAt: ({ context, event }) => event.at + context.ttlMs,
            }),
          },
        ],
        'session.silentAuthenticate': [
          { guard: 'isExpired', target: 'expired' },
          { actions: assign({ expiresAt: ({ context, event }) => event.at + context.ttlMs }) },
        ],
        // Logging out or revoking an expired session still ends it for good.
        'session.logout': { target: 'terminated', actions: assign({ endReason: 'logout' as const }) },
        'session.revoke': { target: 'terminated', actions: assign({ endReason: 'revoked' as const }) },
      },
    },
    expired: {
      on: {
        'session.revoke': { target: 'terminated', actions: assign({ endReason: 'revoked' as const }) },
        'session.logout': { target: 'terminated', actions: assign({ endReason: 'logout' as const }) },
      },
    },
    terminated: { type: 'final' },
  },
});
