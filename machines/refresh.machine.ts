import { setup } from 'xstate';

// Refresh-token rotation (mosaic-backend-api.md §2.6, keystate-server.md §5 items 12–13): a token
// is exchanged once for a new one of the same family; presenting a token that was already
// rotated out means it was copied, so the whole family is revoked. The session is not touched.

export type RefreshTokenStanding = 'active' | 'rotated' | 'revoked' | 'expired' | 'missing' | 'otherApp';

export interface RefreshInput {
  readonly token: RefreshTokenStanding;
}

export const refreshMachine = setup({
  types: { input: {} as RefreshInput, context: {} as RefreshInput },
  actions: {
    rotateToken: () => {},
    issueTokens: () => {},
    revokeFamily: () => {},
  },
  guards: {
    isActive: ({ context }) => context.token === 'active',
    isReused: ({ context }) => context.token === 'rotated',
  },
}).createMachine({
  id: 'refresh',
  context: ({ input }) => input,
  initial: 'judging',
  states: {
    judging: {
      always: [
        { guard: 'isActive', target: 'rotated' },
        { guard: 'isReused', target: 'reuseDetected' },
        { target: 'refused' },
      ],
    },
    rotated: { type: 'final', entry: ['rotateToken', 'issueTokens'] },
    reuseDetected: { type: 'final', entry: 'revokeFamily' },
    refused: { type: 'final' },
  },
});
