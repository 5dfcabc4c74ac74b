// What every email sender takes and checks, apart from SMTP: the dev outbox uses it without loading
// nodemailer's transport (src/delivery/senders.ts loads that only when SMTP_URL is set).

import addressparser from 'nodemailer/lib/addressparser';
import { DeliveryError } from './delivery-error.js';

export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Replaces the display name of EMAIL_FROM for this message; the address stays. */
  readonly fromName?: string | null;
}

export interface EmailSender {
  readonly kind: 'smtp' | 'outbox' | 'unconfigured';
  send(message: EmailMessage): Promise<void>;
  close(): Promise<void>;
}

/**
 * A single bare address (`user@example.com`) or DeliveryError 'invalid_recipient'. CR/LF would
 * be header injection; a list or a display name would let one identifier mail several mailboxes.
 */
export function checkRecipient(to: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f\s]/.test(to) || to.length > 320) {
    throw new DeliveryError('invalid_recipient', false);
  }
  const parsed = addressparser(to, { flatten: true });
  const only = parsed[0];
  if (parsed.length !== 1 || only === undefined || only.address !== to || only.name !== '' || !/^[^@]+@[^@]+$/.test(to)) {
    throw new DeliveryError('invalid_recipient', false);
  }
  return to;
}
