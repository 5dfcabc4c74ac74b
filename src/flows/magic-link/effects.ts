import type { MagicLinkContext } from '../../../machines/index.js';
import type { Config } from '../../config.js';
import type { EmailSender } from '../../delivery/email-sender.js';
import { DeliveryError } from '../../delivery/delivery-error.js';
import { type EmailContent, renderMagicLinkEmail } from '../../delivery/templates/magic-link-email.js';
import { insertChallenge, supersedeChallenges } from '../../repositories/challenge-repository.js';
import { challengeLifecycleEffects } from '../challenge-effects.js';
import { newId, newSecret } from '../../secrets/random.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import { maskAddress } from '../../delivery/mask.js';
import { DELIVERY_FAILURE } from '../delivery-failure.js';
import type { EffectHandler } from '../effects.js';

// What the magic-link machine's effect names do.

/** The path of the emailed link: a GET there only redirects (keystate-server.md §5 item 4). */
export const MAGIC_LINK_PATH = '/cis/v1/auth/link/email/redirect';

/** Request data for the send step that the machine does not reason about. */
export interface MagicLinkSendExtras {
  readonly to: string;
  readonly emailContent: EmailContent | null;
  readonly appName: string;
  /** Sender display name when the template sets none (app preference, else the app's name). */
  readonly fromName: string;
  readonly primaryColor: string | null;
}

/** Where a message went, for the operator: masked address and outcome, never the link. */
export interface DeliveryLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

const SECRET = 'magic-link.secret';
export const DIRECT_LINK = 'magic-link.link';

export function magicLinkEffects(deps: {
  config: Pick<Config, 'publicUrl'>;
  hasher: SecretHasher;
  emailSender: EmailSender;
  log: DeliveryLog;
}): Record<string, EffectHandler> {
  const linkFor = (code: string): string => `${deps.config.publicUrl}${MAGIC_LINK_PATH}?token=${encodeURIComponent(code)}`;
  return {
    issueChallenge: {
      phase: 'transaction',
      async run(_params, { tx, flow, at, outputs }) {
        const context = flow.context as MagicLinkContext;
        const code = newSecret();
        await supersedeChallenges(tx, { appId: flow.appId, userId: context.userId, kind: 'link' }, at);
        await insertChallenge(
          tx,
          { id: newId(), flowId: flow.id, appId: flow.appId, userId: context.userId, kind: 'link', secretHash: deps.hasher.hash(code), expiresAt: context.expiresAt },
          at,
        );
        // The plaintext lives only in memory for the delivery that follows the commit.
        outputs.set(SECRET, code);
      },
    },
    deliverChallenge: {
      phase: 'afterCommit',
      async run(rawParams, { flow, at, outputs, extras }) {
        const { channel } = rawParams as { channel: 'email' | 'direct' };
        const code = outputs.get(SECRET) as string;
        const link = linkFor(code);
        if (channel === 'direct') {
          outputs.set(DIRECT_LINK, link);
          return { type: 'challenge.delivered' };
        }
        const { to, emailContent, appName, fromName, primaryColor } = extras as MagicLinkSendExtras;
        const context = flow.context as MagicLinkContext;
        const message = renderMagicLinkEmail({
          appName,
          link,
          expiresInMinutes: Math.max(1, Math.round((context.expiresAt - at) / 60_000)),
          content: emailContent,
          primaryColor,
        });
        try {
          await deps.emailSender.send({ to, ...message, fromName: message.fromName ?? fromName });
          deps.log.info({ flowId: flow.id, channel: 'email', via: deps.emailSender.kind, to: maskAddress(to) }, 'magic link delivered');
          return { type: 'challenge.delivered' };
        } catch (error) {
          if (!(error instanceof DeliveryError)) throw error;
          deps.log.warn({ flowId: flow.id, channel: 'email', via: deps.emailSender.kind, to: maskAddress(to), reason: error.reason, transient: error.transient }, 'magic link not delivered');
          outputs.set(DELIVERY_FAILURE, error);
          return { type: 'challenge.undeliverable', reason: error.reason };
        }
      },
    },
    ...challengeLifecycleEffects('MAGIC_LINK_CODE_INVALID'),
  };
}
