import { randomBytes } from 'node:crypto';
import type { TxSteps } from '../../engine/definition.js';
import { AuthError } from '../../errors.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import { findFlowBySecret } from '../../repositories/flow-repository.js';
import { newId } from '../../secrets/random.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import type { RelyingParty } from './ceremonies.js';
import { webauthnDefinition } from './definition.js';
import type { WebauthnCeremonies } from './effects.js';

// What every passkey call shares: the app's relying party, a ceremony's start (its challenge drawn
// here, only its HMAC kept), and finding the ceremony a browser's result answers (by that HMAC,
// within the caller's app: another app's ceremony is as none).

/** The app's relying party as the ceremonies need it; an app that declared none offers no passkeys. */
export function relyingPartyOf(app: AppRecord): RelyingParty {
  if (app.webauthn === null) throw new AuthError('WEBAUTHN_NOT_CONFIGURED');
  return { rpId: app.webauthn.rpId, origins: app.webauthn.origins, rpName: app.name, userVerification: app.webauthn.userVerification ?? 'preferred' };
}

interface CeremonyStart {
  readonly ceremony: 'registration' | 'authentication';
  readonly webauthnUsername: string | null;
  readonly displayName: string | null;
  readonly userHandle: string | null;
  readonly timeoutMs: number;
  readonly now: number;
}

/** Starts a ceremony: its flow row, keyed by the challenge's HMAC. Returns the challenge (bytes,
 * for the options; never stored) and the `webauthn_session_id`. */
export async function startCeremony(
  steps: TxSteps,
  deps: { hasher: SecretHasher; ceremonies: WebauthnCeremonies },
  app: AppRecord,
  start: CeremonyStart,
): Promise<{ readonly id: string; readonly challenge: Uint8Array }> {
  const rp = relyingPartyOf(app);
  const challenge = randomBytes(32);
  const id = newId();
  const input = {
    ceremony: start.ceremony,
    webauthnUsername: start.webauthnUsername,
    displayName: start.displayName,
    userHandle: start.userHandle,
    requestedAt: start.now,
    expiresAt: start.now + start.timeoutMs,
    userVerification: rp.userVerification,
  };
  const create = {
    tenantId: app.tenantId,
    appId: app.id,
    // The user is known once a result comes back (and never for a login that names nobody).
    userId: '',
    subject: start.webauthnUsername,
    expiresAt: input.expiresAt,
    replaces: null,
    secretHash: deps.hasher.hash(challenge.toString('base64url')),
  };
  await steps.start(deps.ceremonies, { id, appId: app.id, input, create, request: { app } });
  return { id, challenge };
}

/** The caller's ceremony of this kind that issued `challenge`; WEBAUTHN_SESSION_NOT_FOUND otherwise
 * (unknown, another app's, the other kind, or not the `webauthn_session_id` sent beside it). */
export async function findCeremony(
  steps: TxSteps,
  hasher: SecretHasher,
  app: AppRecord,
  lookup: { readonly challenge: string; readonly ceremony: 'registration' | 'authentication'; readonly sessionId: string | undefined },
) {
  const flow = await findFlowBySecret(steps, webauthnDefinition, 'webauthn', hasher.candidates(lookup.challenge));
  const found = flow !== null && flow.row.appId === app.id && flow.context.ceremony === lookup.ceremony && (lookup.sessionId === undefined || lookup.sessionId === flow.id);
  if (!found) throw new AuthError('WEBAUTHN_SESSION_NOT_FOUND');
  return flow;
}
