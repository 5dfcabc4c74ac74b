// Email delivery behind a two-method interface (Kratos' courier/channel.go shape): the SMTP sender
// here when SMTP_URL is set, the dev outbox (outbox-email-sender.ts) otherwise.
//
// nodemailer's errors are translated at this boundary into DeliveryError (delivery-error.ts),
// which carries only a short reason and the SMTP reply code: never nodemailer's message or the
// server's reply text (either may echo the recipient address), never the message body, never the
// SMTP credentials.

import nodemailer from 'nodemailer';
import type { NodemailerError, SMTPTransportOptions, Transporter } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import { errorCodeOf, fieldOf } from '../fields.js';
import { DeliveryError } from './delivery-error.js';
import { checkRecipient, type EmailSender } from './email-message.js';

// Re-exported so existing imports from this module keep working; new code imports delivery-error.js.
export { DeliveryError } from './delivery-error.js';
export type { DeliveryFailureReason } from './delivery-error.js';

export interface SmtpEmailSenderOptions {
  /** SMTP_URL: `smtp://user:pass@host:587` or `smtps://…`. */
  readonly smtpUrl: string;
  /** EMAIL_FROM, e.g. `Keystate <no-reply@localhost>`. */
  readonly from: string;
  /** Connection, greeting and socket-inactivity timeout; the whole send is capped at 3×. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function createSmtpEmailSender(options: SmtpEmailSenderOptions): EmailSender {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const sender = parseFrom(options.from);
  const transport = createTransport(options.smtpUrl, timeoutMs);
  let closed = false;

  return {
    kind: 'smtp',
    async send(message) {
      if (closed) throw new DeliveryError('sender_closed', true);
      const to = checkRecipient(message.to);
      const fromName = displayName(message.fromName) ?? sender.name;
      try {
        // One connection per message (no pool): a magic link is rare enough, and a failed send
        // then fails at once instead of being re-queued behind the caller's back.
        await transport.sendMail({
          from: fromName === '' ? sender.address : { name: fromName, address: sender.address },
          to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          // A cap on the whole exchange: the per-step timeouts miss a server that trickles replies.
          signal: AbortSignal.timeout(timeoutMs * 3),
        });
      } catch (err) {
        throw toDeliveryError(err);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      transport.close();
    },
  };
}

function createTransport(smtpUrl: string, timeoutMs: number): Transporter {
  let protocol: string;
  try {
    protocol = new URL(smtpUrl).protocol;
  } catch {
    // The URL holds the credentials: never echo it.
    throw new TypeError('SMTP_URL is not a valid URL');
  }
  if (protocol !== 'smtp:' && protocol !== 'smtps:') {
    throw new TypeError('SMTP_URL must start with smtp:// or smtps://');
  }
  const transportOptions: SMTPTransportOptions = {
    url: smtpUrl,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    // Message content is ours and inline: never let it point nodemailer at files or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
    maxRecipients: 1,
    logger: false,
    debug: false,
  };
  try {
    return nodemailer.createTransport(transportOptions);
  } catch {
    throw new TypeError('SMTP_URL could not be parsed as an SMTP connection URL');
  }
}

interface Sender {
  readonly name: string;
  readonly address: string;
}

function parseFrom(from: string): Sender {
  const parsed = addressparser(from, { flatten: true });
  const first = parsed[0];
  if (parsed.length !== 1 || first === undefined || !first.address.includes('@')) {
    throw new TypeError('EMAIL_FROM must be one address, e.g. "Keystate <no-reply@example.com>"');
  }
  return { name: first.name, address: first.address };
}

function displayName(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const name = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return name === '' ? null : name;
}

const UNREACHABLE_CODES = new Set(['ECONNECTION', 'ESOCKET', 'EDNS', 'EPROXY', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** nodemailer error → DeliveryError, keeping only the code, the reply code and the command. */
export function toDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  // The fields of nodemailer's error (NodemailerError), each read and checked: `err` may be anything.
  const field = (key: keyof NodemailerError): unknown => fieldOf(err, key);
  const code = errorCodeOf(err) ?? '';
  const responseCode = field('responseCode');
  const smtpCode = typeof responseCode === 'number' ? responseCode : null;
  const replyClass = smtpCode === null ? null : Math.floor(smtpCode / 100);

  if (code === 'EAUTH' || code === 'ENOAUTH') {
    // Wrong or missing credentials are a configuration fault; only an explicit 4xx
    // ("454 temporary authentication failure") is worth retrying.
    return new DeliveryError('smtp_auth_failed', replyClass === 4, smtpCode);
  }
  if (code === 'ETIMEDOUT' || code === 'EABORT') return new DeliveryError('smtp_timeout', true, smtpCode);
  if (code === 'ETLS' || code === 'EREQUIRETLS') return new DeliveryError('smtp_tls_failed', false, smtpCode);
  if (code === 'ECONFIG') return new DeliveryError('smtp_misconfigured', false, smtpCode);
  if ((code === 'EENVELOPE' || code === 'EMAXRECIPIENTS') && smtpCode === null) {
    return new DeliveryError('invalid_recipient', false);
  }
  if (smtpCode === 421) return new DeliveryError('smtp_unavailable', true, smtpCode);

  if (smtpCode !== null && (replyClass === 4 || replyClass === 5)) {
    const stated = field('permanent');
    const permanent = typeof stated === 'boolean' ? stated : replyClass === 5 && smtpCode !== 503;
    if (!permanent) return new DeliveryError('smtp_temporary_failure', true, smtpCode);
    const sent = field('command');
    const command = typeof sent === 'string' ? sent.toUpperCase() : '';
    if (command.startsWith('RCPT')) return new DeliveryError('smtp_rejected_recipient', false, smtpCode);
    if (command.startsWith('MAIL')) return new DeliveryError('smtp_rejected_sender', false, smtpCode);
    return new DeliveryError('smtp_rejected_message', false, smtpCode);
  }
  const originalCode = field('originalCode');
  const original = typeof originalCode === 'string' ? originalCode : '';
  if (UNREACHABLE_CODES.has(code) || UNREACHABLE_CODES.has(original)) {
    return new DeliveryError('smtp_unreachable', true, smtpCode);
  }
  // Unknown: assume the next attempt may fare better rather than declaring the setup broken.
  return new DeliveryError('smtp_failed', true, smtpCode);
}
