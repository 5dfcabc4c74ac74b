import { PASSWORD_METHOD } from '../../../machines/password.machine.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { acceptOrThrow } from '../../engine/answer.js';
import type { RegisteredMachine } from '../../engine/definition.js';
import type { Runner } from '../../engine/runner.js';
import { AuthError } from '../../errors.js';
import type { TokenResponse } from '../session/token-results.js';
import type { RateLimiter } from '../../limits/rate-limiter.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import type { Sessions } from '../session/effects.js';
import type { Storage } from '../../storage/prisma.js';
import type { ClaimsRequest } from '../../tokens/claims.js';
import { findLoginSubject } from '../../users/login-user.js';
import type { Argon2Gate } from '../../credentials/argon2-gate.js';
import type { PasswordTypes, Shadowed } from '../../credentials/definitions.js';
import { credentialLoginFacts, NOBODY } from '../../credentials/login-facts.js';
import type { PasswordCredentials } from './effects.js';
import type { RefusalFloor } from '../../credentials/refusal-floor.js';
import { passwordLoginPolicy } from './policy.js';

// POST /cis/v1/auth/password/authenticate (mosaic-backend-api.md §2.10): load the facts (the user,
// their password credential for the app, the session named, the app's password policy), count the
// request against its limit, hand them to the password machine, answer what its state says. The
// machine counts the attempt (committed) before the comparison runs; alone the login opens a
// session, with a session_id it is a factor of that session. A login for nobody, or for a user
// without a password, is handed to a stand-in of the same machine (login-facts.ts): the same
// statements, the same Argon2id work, the same answers, through a lockout too.

type UsernameType = 'username' | 'email' | 'phone_number';

interface AuthenticatePasswordRequest {
  readonly username: string;
  readonly usernameType: UsernameType;
  readonly password: string;
  readonly sessionId: string | null;
  readonly resource: string | null;
  readonly claims: ClaimsRequest | null;
  /** Fires when the client has gone: a login still waiting for Argon2 leaves the queue. */
  readonly abandoned?: AbortSignal;
}

export interface PasswordLogin {
  authenticate(app: AppRecord, request: AuthenticatePasswordRequest): Promise<TokenResponse>;
}

export function createPasswordLogin(deps: {
  storage: Storage;
  runner: Runner;
  hasher: SecretHasher;
  sessions: Sessions;
  passwords: PasswordCredentials;
  /** The stand-ins answering for passwords nobody holds. */
  standIns: RegisteredMachine<Shadowed<PasswordTypes>>;
  clock: Clock;
  limiter: RateLimiter;
  limits: Config['rateLimits'];
  gate: Argon2Gate;
  floor: RefusalFloor;
}): PasswordLogin {
  const { storage, runner, passwords } = deps;

  const login: PasswordLogin = {
    async authenticate(app, request) {
      if (request.resource !== null && !app.resources.includes(request.resource)) throw new AuthError('RESOURCE_NOT_ALLOWED');
      const { user, countedAs } = await findLoginSubject({ db: storage.db, limiter: deps.limiter }, app, {
        type: request.usernameType,
        identifier: request.username,
        bucket: 'password-authenticate',
        limit: deps.limits.authenticate,
      });
      const results: PasswordTypes['request']['results'] = {};
      // The step comes back as it stands after the comparison's verdict (the runner's latest).
      const step = await runner.transaction(async (steps) => {
        const standInInput = { userId: user?.id ?? NOBODY, setAt: deps.clock.now(), temporary: false };
        const { slot, named } = await credentialLoginFacts<PasswordTypes>(steps, deps, {
          app,
          user,
          countedAs,
          kind: 'password',
          method: PASSWORD_METHOD,
          sessionId: request.sessionId,
          standIns: deps.standIns,
          standInInput,
        });
        const event = { type: 'password.submit', session: named?.verdict ?? null, policy: passwordLoginPolicy(app) } as const;
        const login = { app, proof: request.password, results, hashing: {} };
        if (slot.kind === 'standIn') return steps.send(deps.standIns, slot.instance, event, login);
        // The comparison, and the factor's recording, come after this transaction commits: the
        // session is loaded again then (`instance: null`), as it may have changed meanwhile.
        const session = named?.session == null ? null : { publicId: named.session.publicId, instance: null };
        return steps.send(passwords, slot.instance, event, { ...login, authentication: { user: slot.user, session, resource: request.resource, claims: request.claims } });
      });
      acceptOrThrow(step.answer);
      if (results.tokens === undefined) throw new AuthError('PASSWORD_INVALID_CREDENTIALS');
      return results.tokens;
    },
  };
  return {
    // Argon2 work is bounded (./argon2-gate.ts): the slot is taken before anything is looked up or
    // counted, so a login turned away changes nothing and looks the same whoever it names; it is
    // held through the comparison.
    // A refusal answers no sooner than the floor (./refusal-floor.ts), outside the slot: waiting
    // for it takes no Argon2 turn.
    authenticate: (app, request) => deps.floor(() => deps.gate.run(app.id, () => login.authenticate(app, request), request.abandoned)),
  };
}
