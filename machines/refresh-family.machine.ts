import { assign, setup } from 'xstate';
import { declareEffects, type NoParams } from './shared/effects.js';
import type { RefreshFamilyContext, RefreshFamilyInput } from './refresh-family.context.js';
import type { Timed } from './shared/events.js';

// A refresh-token family (mosaic-backend-api.md §2.6, keystate-server.md §5 items 12–13): one
// authentication mints a family; each refresh exchanges the current token for the next one of the
// same family (rotation) and never extends it past 14 days from the login. A token of an older
// generation presented again was copied: the whole family is revoked (reuse detection). A family
// whose session was logged out or revoked refuses; a session that merely expired does not stop it.

export type RefreshFamilyEvent = {
  readonly type: 'token.presented';
  /** Whether the presented token is the family's current one or one it already rotated out. */
  readonly token: 'current' | 'rotatedOut';
  /** Whether the family's session was ended (logout, revocation); null for a family without one. */
  readonly sessionEnded: boolean;
} & Timed;

export interface RefreshFamilyEffects extends Record<string, unknown> {
  /** Store the next token of the family (its HMAC), keep the old one's for reuse detection, and
   * resolve the claims (in the transaction). */
  rotateToken: NoParams;
  /** Sign the ID and access tokens (after commit). */
  issueTokens: NoParams;
}

export const REFRESH_FAMILY_EFFECTS = ['rotateToken', 'issueTokens'] as const satisfies readonly (keyof RefreshFamilyEffects)[];

export const refreshFamilyMachine = setup({
  types: { input: {} as RefreshFamilyInput, context: {} as RefreshFamilyContext, events: {} as RefreshFamilyEvent },
  actions: {
    ...declareEffects<RefreshFamilyEffects>(REFRESH_FAMILY_EFFECTS),
    nextGeneration: assign({ generation: ({ context }) => context.generation + 1 }),
  },
  guards: {
    isExpired: ({ context, event }) => event.at >= context.expiresAt,
    isRotatedOut: ({ event }) => event.token === 'rotatedOut',
    isSessionEnded: ({ event }) => event.sessionEnded,
  },
}).createMachine({
  id: 'refresh-family',
  context: ({ input }) => ({ ...input, generation: 0 }),
  initial: 'active',
  states: {
    active: {
      on: {
        'token.presented': [
          // Reuse first: a copied token revokes the family even when it has expired meanwhile.
          { guard: 'isRotatedOut', target: 'revoked' },
          { guard: 'isExpired', target: 'expired' },
          { guard: 'isSessionEnded', target: 'sessionEnded' },
          { target: 'active', actions: ['nextGeneration', 'rotateToken', 'issueTokens'] },
        ],
      },
    },
    // A rotated-out token came back: every token of the family stops working.
    revoked: { initial: 'reuseDetected', states: { reuseDetected: {}, refused: {} }, on: { 'token.presented': '.refused' } },
    expired: { initial: 'lapsed', states: { lapsed: {}, refused: {} }, on: { 'token.presented': '.refused' } },
    sessionEnded: { initial: 'ended', states: { ended: {}, refused: {} }, on: { 'token.presented': '.refused' } },
  },
});
