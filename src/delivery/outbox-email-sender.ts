// The email sender used outside production when SMTP_URL is unset: each message is stored in the
// dev outbox (keystate-server.md §3, `GET /dev/outbox`) instead of being sent. It checks the
// recipient the same way the SMTP sender does, so development fails where production would.

import { checkRecipient, type EmailMessage, type EmailSender } from './email-message.js';
import type { Outbox } from './outbox.js';

export function createOutboxEmailSender(outbox: Outbox): EmailSender {
  return {
    kind: 'outbox',
    async send(message: EmailMessage) {
      await outbox.store({ channel: 'email', to: checkRecipient(message.to), subject: message.subject, text: message.text, html: message.html });
    },
    async close() {},
  };
}
