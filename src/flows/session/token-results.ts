import type { PreparedUserTokens, TokenService } from '../../tokens/token-service.js';

// How a request that ends in tokens carries them: every claim is resolved inside the transaction
// (`prepared`: a claims request that cannot be served fails there, before anything commits) and
// the refresh token is minted there; after the commit the tokens are only signed.

/** The response of every successful authenticate call (§1.6); refresh answers it without session_id. */
export interface TokenResponse {
  readonly access_token: string;
  readonly id_token: string;
  readonly refresh_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly session_id: string;
}

/** Tokens ready to sign: what a login (or a refresh) prepared in its transaction. */
export interface PreparedTokens {
  readonly prepared: PreparedUserTokens;
  readonly refreshToken: string;
  /** The public session id to answer with (the one the caller named, or a new one). */
  readonly sessionId: string;
}

/** Signs prepared tokens (after the commit: signing writes nothing). */
export async function signTokens(tokens: TokenService, ready: PreparedTokens): Promise<TokenResponse> {
  const signed = await tokens.signUserTokens(ready.prepared);
  return {
    access_token: signed.accessToken,
    id_token: signed.idToken,
    refresh_token: ready.refreshToken,
    token_type: 'Bearer',
    expires_in: signed.expiresIn,
    session_id: ready.sessionId,
  };
}
