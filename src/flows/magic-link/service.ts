import type { MagicLinkContext, MagicLinkInput } from '../../../machines/index.js';
import type { Clock } from '../../clock.js';
import type { EmailContent } from '../../delivery/templates/magic-link-email.js';
import { AuthError } from '../../errors.js';
import { findChallengeByHash } from '../../repositories/challenge-repository.js';
import { findUserForApp, type IdentifierType } from '../../repositories/user-repository.js';
import { newId } from '../../secrets/random.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import type { Storage } from '../../storage/prisma.js';
import type { ClaimsRequest } from '../../tokens/claims.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import type { Config } from '../../config.js';
import { type RateLimiter, userSubject } from '../../limits/rate-limiter.js';
import { deliveryFailureError } from '../delivery-failure.js';
import { normalizeIdentifier } from '../../users/identifiers.js';
import { TOKENS, type TokenRequest, type TokenResponse } from '../authentication.js';
import type { FlowRunner } from '../runner.js';
import { DIRECT_LINK, type MagicLinkSendExtras } from './effects.js';

// The magic-link use cases behind the HTTP routes: turn a request into flow events, and the
// flow's resulting state into the answer (or the documented error).

export const DEFAULT_LINK_TTL_MINUTES = 15;

export interface SendMagicLinkRequest {
  readonly identifierType: IdentifierType;
  readonly identifier: string;
  readonly redirectUri: string;
  readonly state: string | null;
  readonly channel: 'email' | 'direct';
  readonly expirationMinutes: number | null;
  readonly emailContent: EmailContent | null;
  readonly generateRequestId: boolean;
}

export interface AuthenticateMagicLinkRequest {
  readonly code: string;
  readonly requestId: string | null;
  readonly sessionId: string | null;
  readonly resource: string | null;
  readonly claims: ClaimsRequest | null;
}

export interface MagicLinkService {
  send(caller: AppRecord, request: SendMagicLinkRequest): Promise<{ message: string; link?: string; request_id?: string }>;
  authenticate(caller: AppRecord, request: AuthenticateMagicLinkRequest): Promise<TokenResponse>;
  /** Where the emailed link sends the browser; changes nothing. */
  redirectTarget(code: string): Promise<string>;
}

export interface MagicLinkServiceDeps {
  readonly storage: Storage;
  readonly clock: Clock;
  readonly runner: FlowRunner;
  readonly hasher: SecretHasher;
  readonly limiter: RateLimiter;
  readonly limits: Config['rateLimits'];
}

export function createMagicLinkService(deps: MagicLinkServiceDeps): MagicLinkService {
  const { storage, clock, runner, hasher, limiter, limits } = deps;

  /** The flow a presented code belongs to, if it is this app's, unused and a link code. */
  async function liveChallenge(code: string, appId: string | null) {
    const challenge = await findChallengeByHash(storage.db, hasher.candidates(code));
    if (challenge === null || challenge.kind !== 'link' || (appId !== null && challenge.appId !== appId)) return null;
    return challenge;
  }

  return {
    async send(app, request) {
      // Exact match only: a prefix or pattern match would let an attacker-chosen path receive codes.
      if (!app.redirectUris.includes(request.redirectUri)) throw new AuthError('REDIRECT_URI_NOT_ALLOWED');
      await limiter.hit('link-send-app', limits.sendPerApp, app.id);
      const identifier = normalizeIdentifier(request.identifierType, request.identifier);
      const user = identifier === null ? null : await findUserForApp(storage.db, app.id, app.tenantId, request.identifierType, identifier);
      await limiter.hit('link-send', limits.send, userSubject(app.tenantId, user, identifier === null ? null : `${request.identifierType}:${identifier}`, request.identifier));
      if (user === null) throw new AuthError('MAGIC_LINK_USER_NOT_FOUND');
      if (user.status === 'Disabled') throw new AuthError('MAGIC_LINK_USER_NOT_ACTIVE');
      if (user.email === null && request.channel === 'email') throw new AuthError('MAGIC_LINK_USER_EMAIL_MISSING');

      const ttlMinutes = request.expirationMinutes ?? app.loginPreferences.email?.expiresIn ?? DEFAULT_LINK_TTL_MINUTES;
      const expiresAt = clock.now() + ttlMinutes * 60_000;
      const input: MagicLinkInput = {
        userId: user.id,
        redirectUri: request.redirectUri,
        state: request.state,
        channel: request.channel,
        expiresAt,
        requestId: request.generateRequestId ? newId() : null,
      };
      const extras: MagicLinkSendExtras = {
        to: user.email ?? '',
        emailContent: request.emailContent,
        appName: app.name,
        fromName: app.loginPreferences.email?.message?.from ?? app.name,
        primaryColor: app.loginPreferences.email?.message?.primaryColor ?? null,
      };
      const outcome = await runner.start('magic-link', input, { tenantId: app.tenantId, appId: app.id }, { expiresAt, extras });
      if (outcome.state === 'deliveryFailed') throw deliveryFailureError(outcome.outputs, 'magic-link');
      const requestId = input.requestId === null ? {} : { request_id: input.requestId };
      if (request.channel === 'direct') {
        return { message: 'Magic link generated', link: outcome.outputs.get(DIRECT_LINK) as string, ...requestId };
      }
      return { message: 'Email sent successfully', ...requestId };
    },

    async authenticate(app, request) {
      if (request.resource !== null && !app.resources.includes(request.resource)) throw new AuthError('RESOURCE_NOT_ALLOWED');
      const challenge = await liveChallenge(request.code, app.id);
      // Counted per user when the code names one: guessing codes for many users cannot hide behind
      // fresh codes, and a user's own retries are bounded.
      await limiter.hit('link-authenticate', limits.authenticate, challenge === null ? `${app.id}:code:${request.code}` : `user:${challenge.userId}`);
      if (challenge === null || challenge.usedAt !== null) throw new AuthError('MAGIC_LINK_CODE_INVALID');
      const extras: TokenRequest = { app, sessionId: request.sessionId, resource: request.resource, claims: request.claims };
      let outcome: Awaited<ReturnType<FlowRunner['send']>>;
      try {
        outcome = await runner.send(challenge.flowId, { appId: app.id }, { type: 'code.submit', requestId: request.requestId }, extras);
      } catch (error) {
        if (error instanceof AuthError && error.code === 'SESSION_NOT_FOUND') throw new AuthError('MAGIC_LINK_SESSION_NOT_FOUND');
        throw error;
      }
      // Not accepted while still waiting: the only guard that refuses there is the request id.
      if (!outcome.accepted && (outcome.state === 'awaitingCode' || outcome.state === 'issuing')) throw new AuthError('REQUEST_ID_MISMATCH');
      const tokens = outcome.outputs.get(TOKENS) as TokenResponse | undefined;
      // Anything but a fresh authentication (expired, already redeemed by a concurrent request,
      // delivery failed) is the same answer: the code does not work.
      if (!outcome.accepted || outcome.state !== 'authenticated' || tokens === undefined) throw new AuthError('MAGIC_LINK_CODE_INVALID');
      return tokens;
    },

    async redirectTarget(code) {
      const challenge = await liveChallenge(code, null);
      const flow = challenge === null ? null : await runner.view(challenge.flowId, challenge.appId);
      if (flow === null) throw new AuthError('MAGIC_LINK_CODE_INVALID');
      const context = flow.context as MagicLinkContext;
      const target = new URL(context.redirectUri);
      target.searchParams.set('code', code);
      if (context.state !== null) target.searchParams.set('state', context.state);
      return target.toString();
    },
  };
}
