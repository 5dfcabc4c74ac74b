import type { EffectHandler, Instance, MachineTypes, TxSteps } from '../../engine/definition.js';
import { AuthError } from '../../errors.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import type { Answer } from '../../../machines/shared/answers.js';
import type { MagicLinkState } from '../../../machines/magic-link.answers.js';
import type { OtpState } from '../../../machines/otp.answers.js';
import type { PasswordState } from '../../../machines/password.answers.js';
import type { TotpState } from '../../../machines/totp.answers.js';
import type { WebauthnState } from '../../../machines/webauthn.answers.js';
import { recordLogin, type UserRecord } from '../../repositories/user-repository.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import type { ClaimsRequest, UserGrant } from '../../model/claims.js';
import type { TokenService } from '../../tokens/token-service.js';
import type { RefreshFamilies } from '../refresh/effects.js';
import { mintRefreshFamily } from '../refresh/mint.js';
import { newId, newSecret } from '../../secrets/random.js';
import { SESSION_TTL_MS, type SessionMachineTypes, type Sessions } from './effects.js';
import type { SessionContext } from '../../../machines/session.context.js';
import { loadSession } from './named-session.js';
import type { PreparedTokens } from './token-results.js';

// The one post-login step, whatever the factor. A factor's machine ends in its verdict (its
// `recordAuthentication` effect names the method and what the login proved); its step hands that
// verdict, or its refusal, to the verdict sink its caller gives (`VerdictSink`), in the factor
// step's own transaction. The Mosaic endpoints give `postLoginSink`: the session machine opens a
// session or takes the factor on the session the caller named (the session verdict, applied once,
// by that machine), the login is recorded on the user, the refresh-token family is minted and every
// claim is resolved. Anything that fails here rolls the factor's step back with it: no code burned,
// no session opened. Tokens are signed after the commit (token-results.ts signTokens). A caller
// that orchestrates several factors (a journey, issue 19) gives its own sink and takes the verdict
// as an event of its own machine in that same transaction.

/** What an authenticate request brings besides the proof (§1.5). */
export interface AuthenticationRequest {
  /** The user the flow was started for, as loaded for this request. */
  readonly user: UserRecord;
  /** The session the caller named (already judged able to take this factor), or null. Its instance
   * is null when the verdict comes in a later transaction than the one that judged it (a password,
   * compared after its attempt commits): the session is loaded again here. */
  readonly session: { readonly publicId: string; readonly instance: Instance<SessionMachineTypes> | null } | null;
  readonly resource: string | null;
  readonly claims: ClaimsRequest | null;
}

/** What a factor's machine names with its verdict (the params of `recordAuthentication`). */
export interface RecordAuthenticationParams {
  readonly method: string;
  /** Which primary address this login proved (email link/code → email, SMS → phone). */
  readonly verifies: 'email' | 'phone' | null;
}

/** A factor's verdict as its step hands it to the use case: what was proven, when, and the
 * approval data the flow carries into the tokens. */
export interface LoginVerdict extends RecordAuthenticationParams {
  readonly at: number;
  readonly approvalData: UserGrant['approvalData'];
}

/** The `recordAuthentication` effect of every factor: performs nothing, returns the verdict for
 * the factor's step to hand to its verdict sink (an effect never calls the runner). */
export function recordAuthenticationHandler<T extends MachineTypes & { readonly context: { readonly approvalData?: UserGrant['approvalData'] } }>(): EffectHandler<
  T,
  RecordAuthenticationParams,
  LoginVerdict
> {
  return {
    phase: 'inline',
    run: (params, { context, at }) => ({ output: { method: params.method, verifies: params.verifies, at, approvalData: context.approvalData ?? null } }),
  };
}

export interface PostLoginDeps {
  readonly hasher: SecretHasher;
  readonly tokens: TokenService;
  readonly sessions: Sessions;
  readonly families: RefreshFamilies;
}

interface Login {
  readonly app: AppRecord;
  readonly authentication: AuthenticationRequest;
  readonly verdict: LoginVerdict;
}

/** Where a factor's step left the instance that took the proof: which factor, in which resting
 * state (its `machines/<factor>.answers.ts` names them all; a stand-in rests in its credential's). */
type FactorRest =
  | { readonly factor: 'otp'; readonly state: OtpState }
  | { readonly factor: 'magic-link'; readonly state: MagicLinkState }
  | { readonly factor: 'password'; readonly state: PasswordState }
  | { readonly factor: 'totp'; readonly state: TotpState }
  | { readonly factor: 'webauthn'; readonly state: WebauthnState };

/** What a factor's step hands its verdict sink: the verdict, or the refusal its answer names. */
type FactorOutcome = FactorRest & {
  readonly app: AppRecord;
  /** The instance that took the proof (a passcode or link flow, a credential or its stand-in, a
   * WebAuthn ceremony): a caller that started the factor tells its own instance from another's. */
  readonly id: string;
  /** What the factor answers by itself (its resting state's answer). */
  readonly answer: Answer;
  /** Null unless the factor's machine reached its verdict. */
  readonly verdict: LoginVerdict | null;
  /** Null when the step judged no user's proof (a stand-in, a ceremony that verified nothing). */
  readonly authentication: AuthenticationRequest | null;
};

/** Where a factor's step hands its outcome, in the transaction that reached it: whatever it does
 * commits or rolls back with the factor's step. A factor whose step spans two transactions (a
 * password: the attempt counted, then compared) tells it each, the first resting where the
 * comparison is pending; the caller gets the last one's result. */
export type VerdictSink<R> = (steps: TxSteps, outcome: FactorOutcome) => Promise<R>;

/** A factor's step as its caller gets it back: the factor's own answer and what its sink returned. */
export interface FactorStep<R> {
  readonly answer: Answer;
  readonly result: R;
}

/** The Mosaic endpoints' sink: a verdict logs the user in (`postLogin`), a refusal does nothing. */
export const postLoginSink =
  (deps: PostLoginDeps): VerdictSink<PreparedTokens | null> =>
  async (steps, { app, authentication, verdict }) =>
    verdict === null || authentication === null ? null : postLogin(steps, deps, { app, authentication, verdict });

interface LoginSession {
  readonly publicId: string;
  readonly id: string;
  readonly methods: readonly string[];
  readonly authTime: number;
}

/** Opens a session for a first authentication; returns the public session id (a bearer secret). */
async function openSession(
  steps: TxSteps,
  sessions: Sessions,
  args: { hasher: SecretHasher; app: AppRecord; userId: string; method: string; at: number },
): Promise<{ sessionId: string; id: string; context: SessionContext }> {
  const sessionId = newSecret();
  const id = newId();
  const step = await steps.start(sessions, {
    id,
    appId: args.app.id,
    input: { tenantId: args.app.tenantId, userId: args.userId, method: args.method, at: args.at, ttlMs: SESSION_TTL_MS },
    create: { idHash: args.hasher.hash(sessionId), tenantId: args.app.tenantId, userId: args.userId },
    request: { app: args.app },
  });
  return { sessionId, id, context: step.context };
}

/** The session the factor opens, or the named one after the session machine took the factor. */
async function sessionOf(steps: TxSteps, deps: PostLoginDeps, login: Login): Promise<LoginSession> {
  const { app, authentication, verdict } = login;
  const { at } = verdict;
  const { user } = authentication;
  if (authentication.session === null) {
    const opened = await openSession(steps, deps.sessions, { hasher: deps.hasher, app, userId: user.id, method: verdict.method, at });
    return { publicId: opened.sessionId, id: opened.id, methods: opened.context.methods, authTime: opened.context.authTime };
  }
  const named = authentication.session.instance ?? (await loadSession(steps, deps.hasher, app.tenantId, authentication.session.publicId));
  if (named === null) throw new AuthError('SESSION_NOT_FOUND');
  const step = await steps.send(deps.sessions, named, { type: 'session.authenticate', userId: user.id, method: verdict.method }, { app });
  // Judged able to take the factor when the request began; a concurrent logout may have ended it
  // since: then nothing of this request commits.
  if (!step.accepted || step.answer.kind !== 'ok') throw new AuthError(step.answer.kind === 'refused' ? step.answer.error : 'SESSION_NOT_FOUND');
  return { publicId: authentication.session.publicId, id: step.id, methods: step.context.methods, authTime: step.context.authTime };
}

/** Opens or extends the session, records the login, mints the refresh family, prepares the tokens. */
async function postLogin(steps: TxSteps, deps: PostLoginDeps, login: Login): Promise<PreparedTokens> {
  const { app, authentication, verdict } = login;
  const { user } = authentication;
  const { at } = verdict;
  const session = await sessionOf(steps, deps, login);
  await steps.write(recordLogin(steps.tx, steps.provider, user, at, verdict.verifies));
  const grant: UserGrant = { methods: session.methods, authTime: session.authTime, resource: authentication.resource, claims: authentication.claims, approvalData: verdict.approvalData };
  const verified: UserRecord = {
    ...user,
    emailVerified: user.emailVerified || verdict.verifies === 'email',
    phoneVerified: user.phoneVerified || verdict.verifies === 'phone',
  };
  const refreshToken = await mintRefreshFamily(steps, deps.families, { hasher: deps.hasher, app, user: verified, sessionId: session.id, grant, at });
  return { prepared: deps.tokens.prepareUserTokens(app, verified, grant, session.id), refreshToken, sessionId: session.publicId };
}
