import { acceptOrThrow } from '../../engine/answer.js';
import type { Runner } from '../../engine/runner.js';
import { AuthError } from '../../errors.js';
import type { TokenResponse } from '../session/token-results.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import { findPresentedToken } from '../../repositories/refresh-family-repository.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import { type RefreshFamilies, refreshFamilyDefinition } from './effects.js';

// POST /cis/v1/auth/token/refresh (§2.6): find the family the presented token belongs to (with its
// session's standing and the user), hand the presentation to the family's machine, answer what its
// state says. Reuse of a rotated-out token revokes the family, and that is written even though the
// answer is a refusal.

export interface RefreshService {
  refresh(caller: AppRecord, refreshToken: string): Promise<Omit<TokenResponse, 'session_id'>>;
}

export function createRefreshService(deps: { runner: Runner; hasher: SecretHasher; families: RefreshFamilies }): RefreshService {
  const { runner, hasher, families } = deps;
  return {
    async refresh(app, presented) {
      // Optimistic (issue 17): a race lost to another presentation of the family runs again, locked.
      const step = await runner.step(async (steps) => {
        // A token only works for the app it was issued to: another app presenting it finds nothing.
        const found = await findPresentedToken(steps, refreshFamilyDefinition, app.id, hasher.candidates(presented));
        if (found === null) return null;
        return steps.send(families, found.family, { type: 'token.presented', token: found.token, sessionEnded: found.sessionEnded }, { app, user: found.user });
      });
      if (step === null) throw new AuthError('REFRESH_TOKEN_INVALID');
      acceptOrThrow(step.answer);
      const issued = step.outputs.issueTokens;
      if (issued === undefined) throw new AuthError('REFRESH_TOKEN_INVALID');
      const { session_id: _, ...tokens } = issued;
      return tokens;
    },
  };
}
