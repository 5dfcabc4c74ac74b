import { TOTP_METHOD } from '../../../machines/totp.machine.js';
import type { Clock } from '../../clock.js';
import type { TxSteps } from '../../engine/definition.js';
import type { Runner } from '../../engine/runner.js';
import { acceptOrThrow } from '../../engine/answer.js';
import { AuthError } from '../../errors.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import { findLiveCredential } from '../../repositories/credential-repository.js';
import { newId } from '../../secrets/random.js';
import type { Sessions } from '../session/effects.js';
import { tokenSession } from '../session/token-session.js';
import type { Storage } from '../../storage/prisma.js';
import type { UserPrincipal } from '../../tokens/token-service.js';
import { appUserId, tokenUser } from '../../users/callers.js';
import { totpDefinition } from './definition.js';
import { totpRegistration } from './policy.js';
import { claimingLiveSlot } from '../../credentials/live-slot.js';
import type { TotpCredentials } from './effects.js';
import type { TotpReveal } from './strategy.js';

// Registering an authenticator app (mosaic-backend-api.md §2.11: POST /cis/v1/auth/totp/register and
// the older /cis/v1/users/me/totp), called with the user's own access token. The TOTP strategy draws
// the seed, sealed into the credential's row and shown once, as the secret, the `otpauth://` URI apps
// scan and that URI as a QR code. The algorithm, digits and period are the app's preferences of the moment,
// fixed in the credential: the authenticator app holds them too.
//
// The user's token acts only while its session stands (src/flows/session/token-session.ts), asked in the
// transaction that acts: a token kept after logout or revoke-all changes nothing. Replacing a
// registered authenticator (allow_override) asks more of the session: that it logged in with an
// authenticator code within `overrideWithinMs` (TOTP_OVERRIDE_WINDOW_SECONDS), so a stolen token of
// a session that never proved the authenticator cannot swap in the thief's own. A user who lost
// theirs has the app revoke it (POST /cis/v1/users/{user_id}/totp/revoke), then registers anew.

type TotpRegistration = TotpReveal;

export interface TotpService {
  register(principal: UserPrincipal, request: { readonly label: string | null; readonly allowOverride: boolean }): Promise<TotpRegistration>;
  /** The user revokes their own authenticator (nothing to do when there is none). */
  revokeOwn(principal: UserPrincipal): Promise<void>;
  /** The app revokes, or unlocks, the authenticator of one of its users (404 for anyone else). */
  revokeFor(app: AppRecord, userId: string): Promise<void>;
  unlockFor(app: AppRecord, userId: string): Promise<void>;
}

export interface TotpServiceDeps {
  readonly storage: Storage;
  readonly clock: Clock;
  readonly runner: Runner;
  readonly totp: TotpCredentials;
  readonly sessions: Sessions;
  readonly loadApp: (appId: string) => Promise<AppRecord | null>;
  /** How recently the token's session must have logged in with an authenticator to replace it. */
  readonly overrideWithinMs: number;
}

const principalsUser = (deps: TotpServiceDeps, principal: UserPrincipal) => tokenUser(deps.storage.db, deps.loadApp, principal);

/** In the transaction that acts for a user token: its session must stand, and a live
 * authenticator is revoked only for a session that proved it lately (revoking is half of
 * replacing: a stolen token of a session that never proved it must not clear the way for the
 * thief's own). `refuseLive` throws first when the caller did not ask to replace it. */
async function revokeProven(deps: TotpServiceDeps, steps: TxSteps, app: AppRecord, userId: string, principal: UserPrincipal, refuseLive = (): void => {}): Promise<void> {
  // The credential's row first, then the session's: the order logins lock them in (PostgreSQL).
  const live = await findLiveCredential(steps, totpDefinition, { appId: app.id, userId, kind: 'totp' });
  const session = await tokenSession(steps, deps, principal);
  if (live === null) return;
  refuseLive();
  if (!session.proves({ method: TOTP_METHOD, withinMs: deps.overrideWithinMs })) throw new AuthError('TOTP_OVERRIDE_UNPROVEN');
  await steps.send(deps.totp, live, { type: 'totp.revoke' }, { app });
}

export function createTotpService(deps: TotpServiceDeps): TotpService {
  const { storage, runner, totp } = deps;

  /** Hands `event` to the user's live authenticator for the app, if there is one. */
  async function sendToLive(steps: TxSteps, app: AppRecord, userId: string, event: { readonly type: 'totp.revoke' } | { readonly type: 'totp.unlock' }): Promise<void> {
    const live = await findLiveCredential(steps, totpDefinition, { appId: app.id, userId, kind: 'totp' });
    if (live !== null) await steps.send(totp, live, event, { app });
  }

  const usersOf = (app: AppRecord, userId: string) => appUserId(storage.db, app, userId);

  return {
    async revokeOwn(principal) {
      const { app, user } = await principalsUser(deps, principal);
      await runner.transaction((steps) => revokeProven(deps, steps, app, user.id, principal));
    },
    async revokeFor(app, userId) {
      const id = await usersOf(app, userId);
      await runner.transaction((steps) => sendToLive(steps, app, id, { type: 'totp.revoke' }));
    },
    async unlockFor(app, userId) {
      const id = await usersOf(app, userId);
      await runner.transaction((steps) => sendToLive(steps, app, id, { type: 'totp.unlock' }));
    },
    async register(principal, request) {
      const { app, user } = await principalsUser(deps, principal);
      const { issuer, ...params } = totpRegistration(app);
      const label = request.label ?? user.email ?? user.username ?? user.phoneNumber ?? user.id;
      const id = newId();
      const enrolled = await totp.strategy.enroll(id, { params, issuer, label });
      const write = () =>
        runner.transaction(async (steps) => {
          await revokeProven(deps, steps, app, user.id, principal, () => {
            if (!request.allowOverride) throw new AuthError('TOTP_EXISTS');
          });
          const create = { tenantId: app.tenantId, userId: user.id, secret: enrolled.secret, params: enrolled.params, label };
          // The machine judges the user's status; a refused registration throws here, and nothing
          // of this transaction (the authenticator it replaced included) is kept.
          const step = await steps.start(totp, { id, appId: app.id, input: { userId: user.id, registeredAt: deps.clock.now(), userStatus: user.status }, create, request: { app } });
          acceptOrThrow(step.answer);
        });
      // Another registration at once took the slot: this one overrides it, or is refused, as it would be second.
      await claimingLiveSlot(write, write);
      return enrolled.reveal;
    },
  };
}
