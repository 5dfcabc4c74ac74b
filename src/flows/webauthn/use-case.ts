import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { acceptOrThrow } from '../../engine/answer.js';
import type { TxSteps } from '../../engine/definition.js';
import type { Runner } from '../../engine/runner.js';
import { AuthError } from '../../errors.js';
import type { RateLimiter } from '../../limits/rate-limiter.js';
import type { ClaimsRequest } from '../../model/claims.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import { findPasskey, passkeysOfHandles } from '../../repositories/passkey-rows.js';
import { findUserForApp } from '../../repositories/user-repository.js';
import type { Storage } from '../../storage/prisma.js';
import { sessionForFactor } from '../session/named-session.js';
import { type FactorStep, type PostLoginDeps, postLoginSink, type VerdictSink } from '../session/post-login.js';
import { signTokens, type TokenResponse } from '../session/token-results.js';
import { authenticationOptions, type RelyingParty, registrationOptions } from './ceremonies.js';
import { findCeremony, relyingPartyOf, startCeremony } from './ceremony-lookup.js';
import type { PasskeyState } from '../../../machines/passkey.answers.js';
import { passkeyDefinition } from './definition.js';
import type { Passkeys, WebauthnCeremonies } from './effects.js';
import { challengeOf, decodeAuthenticationResult } from './encoded-result.js';
import { credentialKeyOf, storedPasskeyParams, userHandleCandidates, userHandleOf, WEBAUTHN_METHOD } from './strategy.js';

// Starting passkey ceremonies and logging in with a passkey (mosaic-backend-api.md §2.14). A start
// draws the challenge and keeps its HMAC in a ceremony (machines/webauthn.machine.ts) that expires
// after the request's timeout; the browser's result finds its ceremony by that challenge. A login
// loads the facts (the passkey the assertion names, the session named), hands the result to the
// ceremony (which verifies it), the verified assertion to the passkey (machines/passkey.machine.ts:
// resource, session, user, signature counter), and the passkey's outcome back to the ceremony, all
// in one transaction; a login the passkey accepts goes on to the session flow as every factor's does.

interface StartRegistration {
  readonly username: string;
  readonly displayName: string | null;
  readonly timeoutSeconds: number;
  readonly limitSingleCredentialToDevice: boolean;
}

interface AuthenticatePasskey {
  readonly encodedResult: string;
  readonly sessionId: string | null;
  readonly resource: string | null;
  readonly claims: ClaimsRequest | null;
}

export interface PasskeyLogin {
  startRegistration(app: AppRecord, request: StartRegistration): Promise<{ webauthn_session_id: string; credential_creation_options: PublicKeyCredentialCreationOptionsJSON }>;
  startAuthentication(
    app: AppRecord,
    request: { readonly username: string | null; readonly timeoutSeconds: number },
  ): Promise<{ webauthn_session_id: string; credential_request_options: PublicKeyCredentialRequestOptionsJSON }>;
  authenticate(app: AppRecord, request: AuthenticatePasskey): Promise<TokenResponse>;
  /** The factor's step in the caller's transaction, its outcome handed to the caller's sink. */
  prove<R>(steps: TxSteps, login: PasskeyProof, sink: VerdictSink<R>): Promise<FactorStep<R>>;
}

export interface PasskeyLoginDeps extends PostLoginDeps {
  readonly storage: Pick<Storage, 'db'>;
  readonly runner: Runner;
  readonly clock: Clock;
  readonly ceremonies: WebauthnCeremonies;
  readonly passkeys: Passkeys;
  readonly limiter: RateLimiter;
  readonly limits: Config['rateLimits'];
}

/** A username nobody registered passkeys under is answered as one who did (the same options'
 * shape): one stable, made-up credential id, so a start tells no name apart. */
const decoyCredential = (deps: PasskeyLoginDeps, app: AppRecord, username: string) => ({ id: deps.hasher.hash(`webauthn-decoy:${app.id}:${username}`) });

export function createPasskeyLogin(deps: PasskeyLoginDeps): PasskeyLogin {
  const { runner, clock, hasher, ceremonies } = deps;
  const { db } = deps.storage;

  /** The username's live passkeys as a ceremony's option lists name them. */
  const credentialsOf = async (app: AppRecord, username: string) =>
    (await passkeysOfHandles(db, passkeyDefinition, app.id, userHandleCandidates(hasher, app.id, username))).map((passkey) => {
      const params = storedPasskeyParams(passkey.row);
      return { id: params.credentialId, transports: params.transports };
    });

  return {
    async startRegistration(app, request) {
      const rp = relyingPartyOf(app);
      const userHandle = userHandleOf(hasher, app.id, request.username);
      const exclude = request.limitSingleCredentialToDevice ? await credentialsOf(app, request.username) : [];
      const timeoutMs = request.timeoutSeconds * 1000;
      const { id, challenge } = await runner.step((steps) =>
        startCeremony(steps, { hasher, ceremonies }, app, {
          ceremony: 'registration',
          webauthnUsername: request.username,
          displayName: request.displayName,
          userHandle,
          timeoutMs,
          now: clock.now(),
        }),
      );
      const options = await registrationOptions(rp, {
        userName: request.username,
        userDisplayName: request.displayName ?? request.username,
        userHandle: Buffer.from(userHandle, 'base64url'),
        challenge,
        timeoutMs,
        excludeCredentials: exclude,
      });
      return { webauthn_session_id: id, credential_creation_options: options };
    },

    async startAuthentication(app, request) {
      const rp = relyingPartyOf(app);
      const username = request.username;
      const known = username === null ? [] : await credentialsOf(app, username);
      const allow = username === null || known.length > 0 ? known : [decoyCredential(deps, app, username)];
      const timeoutMs = request.timeoutSeconds * 1000;
      const { id, challenge } = await runner.step((steps) =>
        startCeremony(steps, { hasher, ceremonies }, app, { ceremony: 'authentication', webauthnUsername: username, displayName: null, userHandle: null, timeoutMs, now: clock.now() }),
      );
      return { webauthn_session_id: id, credential_request_options: await authenticationOptions(rp, { challenge, timeoutMs, allowCredentials: allow }) };
    },

    authenticate: (app, request) => authenticate(deps, app, request),
    prove: (steps, login, sink) => provePasskey(steps, deps, login, sink),
  };
}

/** The passkey's resting state, as the ceremony's `webauthn.concluded` names it. */
function passkeyOutcome(state: PasskeyState) {
  if (state === 'active.authenticated') return 'authenticated';
  if (state.startsWith('suspended.')) return 'cloneSuspected';
  if (state === 'active.userDisabled') return 'userDisabled';
  if (state === 'active.sessionRefused') return 'sessionRefused';
  if (state === 'active.resourceRefused') return 'resourceRefused';
  return 'revoked';
}

/** A passkey login's request as its step takes it: the app's relying party and the result decoded. */
interface PasskeyProof {
  readonly app: AppRecord;
  readonly rp: RelyingParty;
  readonly request: AuthenticatePasskey;
  readonly decoded: ReturnType<typeof decodeAuthenticationResult>;
}

/** The passkey factor's step, in its caller's transaction: the ceremony verifies the result, the
 * passkey judges the verified assertion, the ceremony is told its outcome, and the ceremony's
 * outcome goes to `sink` (a login the passkey accepts goes to the session flow in this same step). */
async function provePasskey<R>(steps: TxSteps, deps: PasskeyLoginDeps, login: PasskeyProof, sink: VerdictSink<R>): Promise<FactorStep<R>> {
  const { app, rp, request } = login;
  const { hasher, ceremonies, passkeys } = deps;
  const { credential, webauthnSessionId } = login.decoded;
  const credentialKey = credentialKeyOf(credential.id);
  const flow = await findCeremony(steps, hasher, app, { challenge: challengeOf(credential.response.clientDataJSON), ceremony: 'authentication', sessionId: webauthnSessionId });
  // The passkey's row, then the session's: the order every login locks them in (PostgreSQL).
  const passkey = await findPasskey(steps, passkeyDefinition, app.id, credentialKey);
  const user = passkey === null ? null : await findUserForApp(steps.tx, app.id, app.tenantId, 'user_id', passkey.row.userId);
  const params = passkey === null ? null : storedPasskeyParams(passkey.row);
  // A login that named a username is answered only by that username's passkeys.
  const named = flow.context.webauthnUsername;
  const owned = passkey !== null && user !== null && (named === null || params?.webauthnUsername === named);
  const userHandle = credential.response.userHandle;
  const result = {
    ceremony: 'authentication',
    encoded: request.encodedResult,
    passkey: owned ? { stored: { id: passkey.id, ...passkey.row }, counter: passkey.context.counter, credentialKey } : null,
    userHandleMatches: userHandle === undefined || userHandle === params?.userHandle,
  } as const;
  const verified = await steps.send(ceremonies, flow, { type: 'webauthn.submit' }, { app, rp, result });
  if (verified.state !== 'verified.awaitingPasskey' || !owned) {
    const refusal = { factor: 'webauthn', state: verified.state, app, id: verified.id, answer: verified.answer, verdict: null, authentication: null } as const;
    return { answer: verified.answer, result: await sink(steps, refusal) };
  }
  const session = request.sessionId === null ? null : await sessionForFactor(steps, deps, { app, sessionId: request.sessionId, userId: user.id, method: WEBAUTHN_METHOD });
  const event = {
    type: 'passkey.assert',
    counter: verified.context.verdict?.counter ?? 0,
    session: session?.verdict ?? null,
    userStatus: user.status,
    resource: request.resource,
    allowedResources: app.resources,
  } as const;
  const authentication = { user, session: session?.session ?? null, resource: request.resource, claims: request.claims };
  const judged = await steps.send(passkeys, passkey, event, { app, authentication });
  // The ceremony as its verdict left it (its write may still be queued), told the passkey's outcome.
  const awaiting = verified.after;
  if (awaiting === undefined) throw new Error('a verified ceremony is left as it was read, with no row field patched');
  const concluded = await steps.send(ceremonies, awaiting, { type: 'webauthn.concluded', outcome: passkeyOutcome(judged.state) }, { app });
  const verdict = judged.outputs.recordAuthentication ?? null;
  const outcome = { factor: 'webauthn', state: concluded.state, app, id: concluded.id, answer: concluded.answer, verdict, authentication } as const;
  return { answer: concluded.answer, result: await sink(steps, outcome) };
}

/** A login with a passkey (`provePasskey`), counted per credential; an accepted one is answered
 * with tokens. */
async function authenticate(deps: PasskeyLoginDeps, app: AppRecord, request: AuthenticatePasskey): Promise<TokenResponse> {
  const rp = relyingPartyOf(app);
  const decoded = decodeAuthenticationResult(request.encodedResult);
  await deps.limiter.hit('webauthn-authenticate', deps.limits.authenticate, `${app.id}:${credentialKeyOf(decoded.credential.id)}`);
  const sink = postLoginSink(deps);
  // Optimistic (issue 17): plain reads, the writes sent as one batch after the verdicts; a lost race
  // runs it again, locked.
  const login = await deps.runner.step((steps) => provePasskey(steps, deps, { app, rp, request, decoded }, sink));
  acceptOrThrow(login.answer);
  if (login.result === null) throw new AuthError('WEBAUTHN_CREDENTIAL_NOT_FOUND');
  return signTokens(deps.tokens, login.result);
}
