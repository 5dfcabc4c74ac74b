import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Tx } from '../storage/prisma.js';
import { createSmtpEmailSender, type EmailSender } from './email-sender.js';
import { createOutboxEmailSender } from './outbox-email-sender.js';
import { createOutboxSmsSender } from './outbox-sms-sender.js';
import { createTwilioSmsSender, type SmsSender } from './sms-sender.js';

/** One sender per channel: the real provider when configured, the dev outbox otherwise. */
export interface Senders {
  readonly email: EmailSender;
  readonly sms: SmsSender;
  close(): Promise<void>;
}

export function createSenders(config: Pick<Config, 'smtpUrl' | 'emailFrom' | 'twilio'>, deps: { db: Tx; clock: Clock }, options: { timeoutMs?: number } = {}): Senders {
  const timeout = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  const email = config.smtpUrl === null ? createOutboxEmailSender(deps) : createSmtpEmailSender({ smtpUrl: config.smtpUrl, from: config.emailFrom, ...timeout });
  const sms =
    config.twilio === null
      ? createOutboxSmsSender(deps)
      : createTwilioSmsSender({ accountSid: config.twilio.accountSid, authToken: config.twilio.authToken, from: config.twilio.from, apiBaseUrl: config.twilio.apiBaseUrl, ...timeout });
  return {
    email,
    sms,
    async close() {
      await Promise.all([email.close(), sms.close()]);
    },
  };
}
