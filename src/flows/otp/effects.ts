import { randomInt } from 'node:crypto';
import type { OtpChannel, OtpContext } from '../../../machines/index.js';
import { DeliveryError } from '../../delivery/delivery-error.js';
import type { EmailSender } from '../../delivery/email-sender.js';
import { maskAddress } from '../../delivery/mask.js';
import { sendWithRetry } from '../../delivery/retry.js';
import type { SmsSender } from '../../delivery/sms-sender.js';
import type { EmailContent } from '../../delivery/templates/magic-link-email.js';
import { renderOtpEmail } from '../../delivery/templates/otp-email.js';
import { renderOtpSms } from '../../delivery/templates/otp-sms.js';
import { findChallengeOfFlow, insertChallenge, pendingPasscodeAttempts, reserveAttempt, supersedeChallenges } from '../../repositories/challenge-repository.js';
import { lock } from '../../repositories/lockout-repository.js';
import { newId } from '../../secrets/random.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import { challengeLifecycleEffects } from '../challenge-effects.js';
import type { TokenRequest } from '../authentication.js';
import { DELIVERY_FAILURE } from '../delivery-failure.js';
import type { EffectHandler } from '../effects.js';
import type { DeliveryLog } from '../magic-link/effects.js';

// What the passcode machine's effect names do.

/** Request data for the send step that the machine does not reason about. */
export interface OtpSendExtras {
  readonly appName: string;
  /** The address or number the code goes to (none for direct). */
  readonly to: string | null;
  readonly emailContent: EmailContent | null;
  readonly primaryColor: string | null;
  readonly sms: { readonly customMessage: string | null; readonly senderId: string | null };
}

/** Request data for the authenticate step: what the token request needs, and the passcode the
 * `comparePasscode` effect checks (it never enters an event, a snapshot or a log). */
export interface OtpAuthenticateExtras extends TokenRequest {
  readonly passcode: string;
}

const SECRET = 'otp.secret';
const RESERVED = 'otp.reserved';
export const DIRECT_CODE = 'otp.code';

/** A passcode of `length` digits, each drawn uniformly by the CSPRNG (no modulo bias). */
export function generatePasscode(length: number): string {
  return randomInt(0, 10 ** length)
    .toString()
    .padStart(length, '0');
}

/** Passcodes are few digits: the HMAC binds them to their challenge, so equal codes of two users
 * never collide and a stored hash reveals nothing without the key. */
export const passcodeHashInput = (challengeId: string, code: string): string => `${challengeId}:${code}`;

export function otpEffects(deps: {
  hasher: SecretHasher;
  emailSender: EmailSender;
  smsSender: SmsSender;
  retryDelaysMs: readonly number[];
  log: DeliveryLog;
}): Record<string, EffectHandler> {
  async function deliver(channel: Exclude<OtpChannel, 'direct'>, code: string, context: OtpContext, extras: OtpSendExtras, at: number): Promise<void> {
    const to = extras.to ?? '';
    const expiresInMinutes = Math.max(1, Math.round((context.expiresAt - at) / 60_000));
    if (channel === 'sms') {
      const body = renderOtpSms({ appName: extras.appName, code, customMessage: extras.sms.customMessage });
      await sendWithRetry(() => deps.smsSender.send({ to, body, senderId: extras.sms.senderId }), { delaysMs: deps.retryDelaysMs });
      return;
    }
    const message = renderOtpEmail({ appName: extras.appName, code, expiresInMinutes, content: extras.emailContent, primaryColor: extras.primaryColor });
    await sendWithRetry(() => deps.emailSender.send({ to, ...message, fromName: message.fromName ?? extras.appName }), { delaysMs: deps.retryDelaysMs });
  }

  return {
    issueChallenge: {
      phase: 'transaction',
      async run(_params, { tx, flow, at, outputs }) {
        const context = flow.context as OtpContext;
        const scope = { appId: flow.appId, userId: context.userId };
        const carriedAttempts = await pendingPasscodeAttempts(tx, scope, at);
        await supersedeChallenges(tx, { ...scope, kind: 'otp' }, at);
        const id = newId();
        const code = generatePasscode(context.codeLength);
        await insertChallenge(
          tx,
          {
            id,
            flowId: flow.id,
            ...scope,
            kind: 'otp',
            subject: context.subject,
            secretHash: deps.hasher.hash(passcodeHashInput(id, code)),
            attempts: carriedAttempts,
            maxAttempts: context.maxFailures,
            expiresAt: context.expiresAt,
          },
          at,
        );
        outputs.set(SECRET, code);
      },
    },
    deliverChallenge: {
      phase: 'afterCommit',
      async run(rawParams, { flow, at, outputs, extras }) {
        const { channel } = rawParams as { channel: OtpChannel };
        const code = outputs.get(SECRET) as string;
        if (channel === 'direct') {
          outputs.set(DIRECT_CODE, code);
          return { type: 'challenge.delivered' };
        }
        const sendExtras = extras as OtpSendExtras;
        const via = channel === 'sms' ? deps.smsSender.kind : deps.emailSender.kind;
        const fields = { flowId: flow.id, channel, via, to: maskAddress(sendExtras.to ?? '') };
        try {
          await deliver(channel, code, flow.context as OtpContext, sendExtras, at);
          deps.log.info(fields, 'passcode delivered');
          return { type: 'challenge.delivered' };
        } catch (error) {
          if (!(error instanceof DeliveryError)) throw error;
          deps.log.warn({ ...fields, reason: error.reason, transient: error.transient }, 'passcode not delivered');
          outputs.set(DELIVERY_FAILURE, error);
          return { type: 'challenge.undeliverable', reason: error.reason };
        }
      },
    },
    reserveAttempt: {
      phase: 'transaction',
      async run(_params, { tx, flow, outputs }) {
        // Count the attempt first, compare second (after commit): no burst of guesses can compare
        // more codes than allowed, whatever the concurrency.
        const challenge = await findChallengeOfFlow(tx, flow.id);
        const attempt = challenge === null ? null : await reserveAttempt(tx, challenge.id);
        outputs.set(RESERVED, challenge === null || attempt === null ? null : { challengeId: challenge.id, secretHash: challenge.secretHash, attempt });
      },
    },
    comparePasscode: {
      phase: 'afterCommit',
      async run(_params, { outputs, extras }) {
        const reserved = outputs.get(RESERVED) as { challengeId: string; secretHash: string; attempt: number } | null | undefined;
        if (reserved === undefined) throw new Error('comparePasscode ran without reserveAttempt');
        if (reserved === null) return { type: 'code.exhausted' };
        const { passcode } = extras as OtpAuthenticateExtras;
        const matches = deps.hasher.matches(passcodeHashInput(reserved.challengeId, passcode), reserved.secretHash);
        return { type: matches ? 'code.accepted' : 'code.rejected', attempt: reserved.attempt };
      },
    },
    lockIdentifier: {
      phase: 'transaction',
      async run(rawParams, { tx, flow, at }) {
        const { until } = rawParams as { until: number };
        await lock(tx, { appId: flow.appId, userId: (flow.context as OtpContext).userId, method: 'otp' }, until, at);
      },
    },
    ...challengeLifecycleEffects('OTP_INVALID_CREDENTIALS'),
  };
}
