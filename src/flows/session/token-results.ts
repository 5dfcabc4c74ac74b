import type { EffectHandler, MachineTypes } from '../../engine/definition.js';
import type { PreparedUserTokens, TokenService } from '../../tokens/token-service.js';

// How a request that ends in tokens carries them: the effect that records the authentication
// resolves every claim inside the transaction (`prepared`: a claims request that cannot be served
// fails there, before anything commits) and mints the refresh token; `issueTokens`, after the
// commit, only signs.

/** The response of every successful authenticate call (§1.6); refresh answers it without session_id. */
export interface TokenResponse {
  readonly access_token: string;
  readonly id_token: string;
  readonly refresh_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly session_id: string;
}

export interface TokenResults {
  prepared?: PreparedUserTokens;
  refreshToken?: string;
  /** The public session id to answer with (the one the caller named, or a new one). */
  sessionId?: string;
  tokens?: TokenResponse;
}

export type TokenIssuingTypes = MachineTypes & { readonly request: { readonly results: TokenResults } };

export function issueTokensHandler<T extends TokenIssuingTypes>(tokens: TokenService): EffectHandler<T, undefined> {
  return {
    phase: 'afterCommit',
    async run(_params, { request }) {
      const { prepared, refreshToken, sessionId } = request.results;
      if (prepared === undefined || refreshToken === undefined) throw new Error('issueTokens ran before the tokens were prepared');
      const signed = await tokens.signUserTokens(prepared);
      request.results.tokens = {
        access_token: signed.accessToken,
        id_token: signed.idToken,
        refresh_token: refreshToken,
        token_type: 'Bearer',
        expires_in: signed.expiresIn,
        session_id: sessionId ?? '',
      };
    },
  };
}
