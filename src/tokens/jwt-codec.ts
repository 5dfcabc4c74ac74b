import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { Clock } from '../clock.js';
import { toSeconds } from '../clock.js';
import { AuthError } from '../errors.js';
import type { KeyStore } from '../keys/key-store.js';
import { newId } from '../secrets/random.js';

// The JWT mechanics of token-service.ts: every token carries `kid`, `iss`, `iat`, `exp` and `jti`;
// verification pins algorithm, issuer, type and the injected clock, and says only "Invalid token".

export interface JwtCodecDeps {
  readonly issuer: string;
  readonly clock: Clock;
  readonly keys: Pick<KeyStore, 'signing' | 'refreshIfIdle'>;
}

export function createJwtCodec({ issuer, clock, keys }: JwtCodecDeps) {
  const sign = (payload: JWTPayload, typ: string, ttlSeconds: number, signer = keys.signing().signerAt(clock.now())): Promise<string> => {
    const now = toSeconds(clock.now());
    return new SignJWT(payload)
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ })
      .setIssuer(issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .setJti(newId())
      .sign(signer.key);
  };

  /** A token this server signed, of this `typ` (so one kind never passes as another), unexpired. */
  async function verifyJwt(token: string, typ: string, requiredClaims: string[]): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          if (header.kid === undefined) throw new joseErrors.JWKSNoMatchingKey();
          const now = clock.now();
          let verifier = keys.signing().verifierAt(header.kid, now);
          // A key rotated in on another instance: re-read the keys (at most once a second, so
          // forged kids cannot turn into a database load).
          if (verifier === undefined && (await keys.refreshIfIdle())) verifier = keys.signing().verifierAt(header.kid, now);
          if (verifier === undefined || verifier.alg !== header.alg) throw new joseErrors.JWKSNoMatchingKey();
          return verifier.key;
        },
        { issuer, typ, algorithms: [...keys.signing().algorithms], currentDate: new Date(clock.now()), requiredClaims },
      );
      return payload;
    } catch (error) {
      // jose's messages stay here: the caller only learns "Invalid token".
      const reason = error instanceof joseErrors.JOSEError ? error.code : 'malformed';
      throw new AuthError('TOKEN_INVALID', { details: { reason } });
    }
  }

  return { sign, verifyJwt };
}
