import { setup } from 'xstate';
import type { SessionStanding } from './silent-auth.machine.js';

// Logout (mosaic-backend-api.md §2.7): a live session ends at once and its refresh tokens stop
// working; anything else is "Session not found" (keystate-server.md §5 item 14).

export interface LogoutInput {
  readonly session: SessionStanding;
  readonly expiresAt: number;
  readonly at: number;
}

export const logoutMachine = setup({
  types: { input: {} as LogoutInput, context: {} as LogoutInput },
  actions: {
    terminateSession: () => {},
    revokeRefreshTokens: () => {},
  },
  guards: {
    isLive: ({ context }) => context.session === 'active' && context.at < context.expiresAt,
  },
}).createMachine({
  id: 'logout',
  context: ({ input }) => input,
  initial: 'judging',
  states: {
    judging: {
      always: [{ guard: 'isLive', target: 'loggedOut' }, { target: 'refused' }],
    },
    loggedOut: { type: 'final', entry: ['terminateSession', 'revokeRefreshTokens'] },
    refused: { type: 'final' },
  },
});
