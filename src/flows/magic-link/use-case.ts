import { MAGIC_LINK_METHOD } from '../../../machines/magic-link.machine.js';
import type { MagicLinkInput } from '../../../machines/magic-link.context.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { EmailContent } from '../../delivery/templates/magic-link-email.js';
import { acceptOrThrow } from '../../engine/answer.js';
import type { Runner } from '../../engine/runner.js';
import type { Instance, Step, TxSteps } from '../../engine/definition.js';
import { AuthError } from '../../errors.js';
import { type RateLimiter, userSubject } from '../../limits/rate-limiter.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import { findFlowBySecret, findLatestFlow } from '../../repositories/flow-repository.js';
import { findAppUser, findUserForApp, type IdentifierType, type UserRecord } from '../../repositories/user-repository.js';
import { newId } from '../../secrets/random.js';
import { sessionForFactor } from '../session/named-session.js';
import type { Storage } from '../../storage/prisma.js';
import type { ClaimsRequest } from '../../model/claims.js';
import { normalizeIdentifier } from '../../users/identifiers.js';
import { signTokens, type TokenResponse } from '../session/token-results.js';
import { type FactorStep, type PostLoginDeps, postLoginSink, type VerdictSink } from '../session/post-login.js';
import { type MagicLinkFlows, type MagicLinkTypes, magicLinkDefinition } from './effects.js';

// The magic-link use cases behind the HTTP routes: load the facts, count the request against its
// limits, hand them to the magic-link machine, answer what its state says.

const DEFAULT_LINK_TTL_MINUTES = 15;

interface SendMagicLinkRequest {
  readonly identifierType: IdentifierType;
  readonly identifier: string;
  readonly redirectUri: string;
  readonly state: string | null;
  readonly channel: 'email' | 'direct';
  readonly expirationMinutes: number | null;
  readonly emailContent: EmailContent | null;
  readonly generateRequestId: boolean;
}

interface AuthenticateMagicLinkRequest {
  readonly code: string;
  readonly requestId: string | null;
  readonly sessionId: string | null;
  readonly resource: string | null;
  readonly claims: ClaimsRequest | null;
}

/** A link's code, found with its flow and the app's user it was sent to. */
interface LinkRedemption {
  readonly app: AppRecord;
  readonly flow: Instance<MagicLinkTypes>;
  readonly user: UserRecord;
  readonly request: AuthenticateMagicLinkRequest;
}

export interface MagicLinkService {
  send(caller: AppRecord, request: SendMagicLinkRequest): Promise<{ message: string; link?: string; request_id?: string }>;
  authenticate(caller: AppRecord, request: AuthenticateMagicLinkRequest): Promise<TokenResponse>;
  /** The factor's step in the caller's transaction, its outcome handed to the caller's sink. */
  redeem<R>(steps: TxSteps, login: LinkRedemption, sink: VerdictSink<R>): Promise<FactorStep<R>>;
  /** Where the emailed link sends the browser; changes nothing. */
  redirectTarget(code: string): Promise<string>;
}

export interface MagicLinkServiceDeps extends PostLoginDeps {
  readonly storage: Storage;
  readonly clock: Clock;
  readonly runner: Runner;
  readonly magicLinks: MagicLinkFlows;
  readonly limiter: RateLimiter;
  readonly limits: Config['rateLimits'];
  /** The waits before each retry of a delivery that met an outage (DELIVERY_RETRY_DELAYS_MS). */
  readonly retryDelaysMs: readonly number[];
}

/** The magic-link endpoints quote their status in `error_code` (§2.1–2.2). */
const LINK_ERRORS = { SESSION_NOT_FOUND: 'MAGIC_LINK_SESSION_NOT_FOUND', USER_NOT_FOUND: 'MAGIC_LINK_USER_NOT_FOUND', USER_NOT_ACTIVE: 'MAGIC_LINK_USER_NOT_ACTIVE' } as const;

type SendResponse = Awaited<ReturnType<MagicLinkService['send']>>;

/** The app's user the request names, both limits counted (per app, then per user or identifier). */
async function findSendUser(deps: MagicLinkServiceDeps, app: AppRecord, request: SendMagicLinkRequest): Promise<UserRecord> {
  const { limiter, limits } = deps;
  await limiter.hit('link-send-app', limits.sendPerApp, app.id);
  const identifier = normalizeIdentifier(request.identifierType, request.identifier);
  const user = identifier === null ? null : await findUserForApp(deps.storage.db, app.id, app.tenantId, request.identifierType, identifier);
  await limiter.hit('link-send', limits.send, userSubject(app.tenantId, user, identifier === null ? null : `${request.identifierType}:${identifier}`, request.identifier));
  if (user === null) throw new AuthError('MAGIC_LINK_USER_NOT_FOUND');
  return user;
}

/** Supersedes the user's pending link and starts the new flow, in one transaction. */
function startSend(deps: MagicLinkServiceDeps, app: AppRecord, request: SendMagicLinkRequest, user: UserRecord): Promise<Step<MagicLinkTypes>> {
  const ttlMinutes = request.expirationMinutes ?? app.loginPreferences.email?.expiresIn ?? DEFAULT_LINK_TTL_MINUTES;
  const expiresAt = deps.clock.now() + ttlMinutes * 60_000;
  const input: MagicLinkInput = {
    userId: user.id,
    redirectUri: request.redirectUri,
    state: request.state,
    channel: request.channel,
    expiresAt,
    requestId: request.generateRequestId ? newId() : null,
    userStatus: user.status,
    retryDelaysMs: deps.retryDelaysMs,
  };
  const send = {
    to: user.email ?? '',
    emailContent: request.emailContent,
    fromName: app.loginPreferences.email?.message?.from ?? app.name,
    primaryColor: app.loginPreferences.email?.message?.primaryColor ?? null,
  };
  return deps.runner.step(async (steps) => {
    // A new send replaces the pending link (keystate-server.md §5 item 6).
    const previous = await findLatestFlow(steps, magicLinkDefinition, { appId: app.id, userId: user.id, kind: 'magic-link' });
    if (previous !== null) await steps.send(deps.magicLinks, previous, { type: 'challenge.superseded' }, { app });
    const create = { tenantId: app.tenantId, appId: app.id, userId: user.id, subject: null, expiresAt, replaces: previous?.row ?? null };
    return steps.start(deps.magicLinks, { id: newId(), appId: app.id, input, create, request: { app, send } });
  });
}

async function sendLink(deps: MagicLinkServiceDeps, app: AppRecord, request: SendMagicLinkRequest): Promise<SendResponse> {
  // Exact match only: a prefix or pattern match would let an attacker-chosen path receive codes.
  if (!app.redirectUris.includes(request.redirectUri)) throw new AuthError('REDIRECT_URI_NOT_ALLOWED');
  const user = await findSendUser(deps, app, request);
  if (user.email === null && request.channel === 'email') throw new AuthError('MAGIC_LINK_USER_EMAIL_MISSING');
  const step = await startSend(deps, app, request, user);
  acceptOrThrow(step.answer, LINK_ERRORS);
  const requestId = step.context.requestId === null ? {} : { request_id: step.context.requestId };
  if (request.channel === 'direct') return { message: 'Magic link generated', link: step.outputs.issueChallenge?.link ?? '', ...requestId };
  return { message: 'Email sent successfully', ...requestId };
}

/** The magic-link factor's step, in its caller's transaction: the link's flow judges the code
 * for the user it was sent to, and the outcome goes to `sink` (the verdict goes to the session
 * flow in this same transaction: a session step that fails leaves the link redeemable). */
async function redeemLink<R>(steps: TxSteps, deps: MagicLinkServiceDeps, login: LinkRedemption, sink: VerdictSink<R>): Promise<FactorStep<R>> {
  const { app, flow, user, request } = login;
  const named = request.sessionId === null ? null : await sessionForFactor(steps, deps, { app, sessionId: request.sessionId, userId: user.id, method: MAGIC_LINK_METHOD });
  const authentication = { user, session: named?.session ?? null, resource: request.resource, claims: request.claims };
  const event = {
    type: 'code.submit',
    requestId: request.requestId,
    session: named?.verdict ?? null,
    userStatus: user.status,
    resource: request.resource,
    allowedResources: app.resources,
  } as const;
  const step = await steps.send(deps.magicLinks, flow, event, { app, authentication });
  const verdict = step.outputs.recordAuthentication ?? null;
  const outcome = { factor: 'magic-link', state: step.state, app, id: step.id, answer: step.answer, verdict, authentication } as const;
  return { answer: step.answer, result: await sink(steps, outcome) };
}

async function authenticateLink(deps: MagicLinkServiceDeps, app: AppRecord, request: AuthenticateMagicLinkRequest): Promise<TokenResponse> {
  // The runner runs the work again when it lost a race; that retry is the same request, not
  // another guess, so each subject is counted once per request.
  const counted = new Set<string>();
  const sink = postLoginSink(deps);
  const login = await deps.runner.step(async (steps) => {
    const found = await findFlowBySecret(steps, magicLinkDefinition, 'magic-link', deps.hasher.candidates(request.code));
    const flow = found !== null && found.row.appId === app.id ? found : null;
    // Counted per user when the code names one: a user's retries are bounded, and guessing
    // codes cannot hide behind fresh ones.
    const subject = flow === null ? `${app.id}:code:${request.code}` : `user:${flow.row.userId}`;
    if (!counted.has(subject)) {
      counted.add(subject);
      await deps.limiter.hit('link-authenticate', deps.limits.authenticate, subject);
    }
    if (flow === null) return null;
    const user = await findAppUser(steps.tx, { appId: app.id, tenantId: app.tenantId }, 'user_id', flow.row.userId);
    return user === null ? null : redeemLink(steps, deps, { app, flow, user: user.user, request }, sink);
  });
  if (login === null) throw new AuthError('MAGIC_LINK_CODE_INVALID');
  acceptOrThrow(login.answer, LINK_ERRORS);
  if (login.result === null) throw new AuthError('MAGIC_LINK_CODE_INVALID');
  return signTokens(deps.tokens, login.result);
}

export function createMagicLinkService(deps: MagicLinkServiceDeps): MagicLinkService {
  return {
    send: (app, request) => sendLink(deps, app, request),
    authenticate: (app, request) => authenticateLink(deps, app, request),
    redeem: (steps, login, sink) => redeemLink(steps, deps, login, sink),
    async redirectTarget(code) {
      // The emailed link only forwards the code to the app (link scanners must not burn it): the
      // flow is read, never advanced.
      const flow = await findFlowBySecret({ tx: deps.storage.db, provider: deps.storage.provider, locks: false }, magicLinkDefinition, 'magic-link', deps.hasher.candidates(code));
      if (flow === null) throw new AuthError('MAGIC_LINK_CODE_INVALID');
      const target = new URL(flow.context.redirectUri);
      target.searchParams.set('code', code);
      if (flow.context.state !== null) target.searchParams.set('state', flow.context.state);
      return target.toString();
    },
  };
}
