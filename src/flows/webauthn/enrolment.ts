import type { Clock } from '../../clock.js';
import { acceptOrThrow } from '../../engine/answer.js';
import type { TxSteps } from '../../engine/definition.js';
import type { Runner } from '../../engine/runner.js';
import { AuthError } from '../../errors.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import { findPasskey, listPasskeys, passkeysOfHandles } from '../../repositories/passkey-rows.js';
import { findTenantUsersByIdentity, findUserForApp, type UserRecord } from '../../repositories/user-repository.js';
import type { UserService } from '../../users/user-service.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import { newId } from '../../secrets/random.js';
import type { Storage } from '../../storage/prisma.js';
import type { UserPrincipal } from '../../tokens/token-service.js';
import { appUserId, tokenUser } from '../../users/callers.js';
import type { Sessions } from '../session/effects.js';
import { tokenSession } from '../session/token-session.js';
import { findCeremony, relyingPartyOf } from './ceremony-lookup.js';
import { passkeyDefinition } from './definition.js';
import type { Passkeys, WebauthnCeremonies } from './effects.js';
import { challengeOf, decodeRegistrationResult } from './encoded-result.js';
import { type PasskeyView, passkeyView } from './passkey-view.js';
import { credentialKeyOf, userHandleCandidates } from './strategy.js';

// Registering passkeys, listing and revoking them (mosaic-backend-api.md §2.14): with the user's own
// access token (whose session must stand: tokenSession), or by the app for one of its users (its
// client token; `external/register` names the user by the app's external id and creates them when
// there is none). The ceremony verifies the browser's result (machines/webauthn.machine.ts); a
// verified registration starts the passkey's instance (machines/passkey.machine.ts) in the same
// transaction, which refuses a disabled user: then nothing of it is kept.

interface RegisteredAnswer {
  readonly webauthn_session_id: string;
  readonly user_id: string;
  readonly webauthn_username: string;
  readonly credential_id: string;
  readonly authenticator_attachment: string | null;
  readonly aaguid: string;
}

export interface PasskeyService {
  register(principal: UserPrincipal, encodedResult: string): Promise<RegisteredAnswer>;
  /** For the app's user with this external id (created when the tenant has none: `is_user_created`). */
  registerExternal(
    app: AppRecord,
    request: { readonly encodedResult: string; readonly externalUserId: string; readonly userEmail: string | null },
  ): Promise<RegisteredAnswer & { readonly external_user_id: string; readonly is_user_created: boolean }>;
  listOwn(principal: UserPrincipal): Promise<PasskeyView[]>;
  revokeOwn(principal: UserPrincipal, credentialId: string): Promise<void>;
  listFor(app: AppRecord, userId: string): Promise<PasskeyView[]>;
  revokeFor(app: AppRecord, userId: string, credentialId: string): Promise<void>;
}

export interface PasskeyServiceDeps {
  readonly storage: Storage;
  readonly clock: Clock;
  readonly runner: Runner;
  readonly hasher: SecretHasher;
  readonly ceremonies: WebauthnCeremonies;
  readonly passkeys: Passkeys;
  readonly sessions: Sessions;
  readonly loadApp: (appId: string) => Promise<AppRecord | null>;
  /** Creates the user `external/register` names when the tenant has none. */
  readonly users: Pick<UserService, 'create'>;
}

/** A user created for a passkey carries nothing but their external id and email. */
const NO_PROFILE = { phoneNumber: null, username: null, externalAccountId: null, customData: null, customAppData: null, profile: {}, password: null } as const;

const principalsUser = (deps: PasskeyServiceDeps, principal: UserPrincipal) => tokenUser(deps.storage.db, deps.loadApp, principal);

const usersOf = (deps: PasskeyServiceDeps, app: AppRecord, userId: string) => appUserId(deps.storage.db, app, userId);

async function register(deps: PasskeyServiceDeps, app: AppRecord, user: UserRecord, encodedResult: string, standing: ((steps: TxSteps) => Promise<unknown>) | null): Promise<RegisteredAnswer> {
  const rp = relyingPartyOf(app);
  const { credential, webauthnSessionId } = decodeRegistrationResult(encodedResult);
  const credentialKey = credentialKeyOf(credential.id);
  const id = newId();
  const outcome = await deps.runner.transaction(async (steps) => {
    const flow = await findCeremony(steps, deps.hasher, app, { challenge: challengeOf(credential.response.clientDataJSON), ceremony: 'registration', sessionId: webauthnSessionId });
    await standing?.(steps);
    const username = flow.context.webauthnUsername ?? '';
    const userHandle = flow.context.userHandle ?? '';
    const holders = await passkeysOfHandles(steps.tx, passkeyDefinition, app.id, userHandleCandidates(deps.hasher, app.id, username));
    const taken = { credential: (await findPasskey(steps, passkeyDefinition, app.id, credentialKey)) !== null, username: holders.some((held) => held.row.userId !== user.id) };
    const step = await steps.send(deps.ceremonies, flow, { type: 'webauthn.submit' }, { app, rp, result: { ceremony: 'registration', credential, taken } });
    const registered = step.outputs.registerPasskey;
    if (registered === undefined) return { answer: step.answer, flowId: flow.id, username, registered: null };
    const enrolled = await deps.passkeys.strategy.enroll(id, { passkey: registered, webauthnUsername: username, userHandle, rpId: rp.rpId });
    const input = { userId: user.id, registeredAt: deps.clock.now(), userStatus: user.status, counter: registered.counter, webauthnUsername: username };
    const create = { tenantId: app.tenantId, userId: user.id, secret: enrolled.secret, params: enrolled.params, label: flow.context.displayName, slot: credentialKey, lookupKey: userHandle };
    // The machine judges the user's status; a refused registration throws here, and nothing of
    // this transaction (the ceremony's use included) is kept.
    acceptOrThrow((await steps.start(deps.passkeys, { id, appId: app.id, input, create, request: { app } })).answer);
    return { answer: step.answer, flowId: flow.id, username, registered };
  });
  acceptOrThrow(outcome.answer);
  if (outcome.registered === null) throw new AuthError('WEBAUTHN_INVALID_RESULT');
  const { registered } = outcome;
  return {
    webauthn_session_id: outcome.flowId,
    user_id: user.id,
    webauthn_username: outcome.username,
    credential_id: registered.credentialId,
    authenticator_attachment: registered.attachment,
    aaguid: registered.aaguid,
  };
}

async function list(deps: PasskeyServiceDeps, app: AppRecord, userId: string): Promise<PasskeyView[]> {
  return (await listPasskeys(deps.storage.db, passkeyDefinition, app.id, userId)).map(passkeyView);
}

/** Revokes the user's passkey (one of another user, or none, is not found), once `standing`
 * holds: the passkey's row is read first, then the session's, the order logins lock them in. */
async function revoke(deps: PasskeyServiceDeps, app: AppRecord, userId: string, credentialId: string, standing: ((steps: TxSteps) => Promise<unknown>) | null): Promise<void> {
  await deps.runner.transaction(async (steps) => {
    const passkey = await findPasskey(steps, passkeyDefinition, app.id, credentialKeyOf(credentialId));
    await standing?.(steps);
    if (passkey === null || passkey.row.userId !== userId) throw new AuthError('WEBAUTHN_CREDENTIAL_NOT_FOUND');
    await steps.send(deps.passkeys, passkey, { type: 'passkey.revoke' }, { app });
  });
}

/** The app's user with this external id: created (with the email given) when the tenant has
 * none, associated with the app when another app of the tenant has them. */
async function externalUser(deps: PasskeyServiceDeps, app: AppRecord, externalUserId: string, email: string | null): Promise<{ user: UserRecord; created: boolean }> {
  const holder = (await findTenantUsersByIdentity(deps.storage.db, app.tenantId, { email: null, phoneNumber: null, externalUserId }))[0];
  const id = holder?.appIds.includes(app.id) ? holder.id : (await deps.users.create(app, { ...NO_PROFILE, email, externalUserId })).user_id;
  const user = await findUserForApp(deps.storage.db, app.id, app.tenantId, 'user_id', id);
  if (user === null) throw new AuthError('USER_NOT_FOUND');
  return { user, created: holder === undefined };
}

export function createPasskeyService(deps: PasskeyServiceDeps): PasskeyService {
  return {
    async register(principal, encodedResult) {
      const { app, user } = await principalsUser(deps, principal);
      return register(deps, app, user, encodedResult, (steps) => tokenSession(steps, deps, principal));
    },
    async registerExternal(app, request) {
      const { user, created } = await externalUser(deps, app, request.externalUserId, request.userEmail);
      const registered = await register(deps, app, user, request.encodedResult, null);
      return { ...registered, external_user_id: request.externalUserId, is_user_created: created };
    },
    async listOwn(principal) {
      const { app, user } = await principalsUser(deps, principal);
      return list(deps, app, user.id);
    },
    async revokeOwn(principal, credentialId) {
      const { app, user } = await principalsUser(deps, principal);
      await revoke(deps, app, user.id, credentialId, (steps) => tokenSession(steps, deps, principal));
    },
    async listFor(app, userId) {
      return list(deps, app, await usersOf(deps, app, userId));
    },
    async revokeFor(app, userId, credentialId) {
      await revoke(deps, app, await usersOf(deps, app, userId), credentialId, null);
    },
  };
}
