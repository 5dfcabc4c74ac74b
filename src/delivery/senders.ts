import type { Config } from '../config.js';
import { DeliveryError } from './delivery-error.js';
import type { EmailSender } from './email-message.js';
import type { Outbox } from './outbox.js';
import { createOutboxEmailSender } from './outbox-email-sender.js';
import { createOutboxSmsSender } from './outbox-sms-sender.js';
import type { SmsSender } from './sms-message.js';

/** One sender per channel: the real provider when configured; otherwise the dev outbox outside
 * production, and in production a sender that refuses (a send answers the provider-configuration
 * error and nothing is stored in its place). A provider's client (nodemailer's transport, Twilio's
 * SDK: tens of MB) is loaded only when that provider is configured. */
export interface Senders {
  readonly email: EmailSender;
  readonly sms: SmsSender;
  close(): Promise<void>;
}

export async function createSenders(config: Pick<Config, 'nodeEnv' | 'smtpUrl' | 'emailFrom' | 'twilio'>, outbox: Outbox, options: { timeoutMs?: number } = {}): Promise<Senders> {
  const timeout = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  const production = config.nodeEnv === 'production';
  const email: EmailSender =
    config.smtpUrl !== null
      ? (await import('./email-sender.js')).createSmtpEmailSender({ smtpUrl: config.smtpUrl, from: config.emailFrom, ...timeout })
      : production
        ? unconfigured('smtp_not_configured')
        : createOutboxEmailSender(outbox);
  const sms: SmsSender =
    config.twilio !== null
      ? (await import('./sms-sender.js')).createTwilioSmsSender({
          accountSid: config.twilio.accountSid,
          authToken: config.twilio.authToken,
          from: config.twilio.from,
          apiBaseUrl: config.twilio.apiBaseUrl,
          ...timeout,
        })
      : production
        ? unconfigured('sms_not_configured')
        : createOutboxSmsSender(outbox);
  return {
    email,
    sms,
    async close() {
      await Promise.all([email.close(), sms.close()]);
    },
  };
}

/** The channels that have no provider in production: main.ts names them in a warning at start. */
export function unconfiguredChannels(senders: Senders): string[] {
  return [
    ...(senders.email.kind === 'unconfigured' ? ['email (SMTP_URL is not set)'] : []),
    ...(senders.sms.kind === 'unconfigured' ? ['sms (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN are not set)'] : []),
  ];
}

function unconfigured(reason: 'smtp_not_configured' | 'sms_not_configured'): EmailSender & SmsSender {
  return {
    kind: 'unconfigured',
    async send() {
      throw new DeliveryError(reason, false);
    },
    async close() {},
  };
}
