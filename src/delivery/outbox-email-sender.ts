// The email sender used when SMTP_URL is unset: each message is stored in the dev outbox
// (keystate-server.md §3, `GET /dev/outbox`) instead of being sent. It checks the recipient the
// same way the SMTP sender does, so development fails where production would.

import type { Clock } from '../clock.js';
import { insertOutboxMessage } from '../repositories/outbox-repository.js';
import { newId } from '../secrets/random.js';
import type { Tx } from '../storage/prisma.js';
import { checkRecipient } from './email-sender.js';
import type { EmailMessage, EmailSender } from './email-sender.js';

export interface OutboxEmailSenderDeps {
  readonly db: Tx;
  readonly clock: Clock;
}

export function createOutboxEmailSender(deps: OutboxEmailSenderDeps): EmailSender {
  return {
    kind: 'outbox',
    async send(message: EmailMessage) {
      await insertOutboxMessage(deps.db, {
        id: newId(),
        channel: 'email',
        to: checkRecipient(message.to),
        subject: message.subject,
        text: message.text,
        html: message.html,
        createdAt: deps.clock.now(),
      });
    },
    async close() {},
  };
}
