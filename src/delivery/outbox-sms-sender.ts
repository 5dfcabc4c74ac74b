// The SMS sender used outside production when the Twilio credentials are unset: each message is
// stored in the dev outbox (keystate-server.md §3, `GET /dev/outbox`) instead of being sent. It
// checks the number and the sender ID the same way the Twilio sender does, so development fails
// where production would. The sender ID itself is not kept: the outbox has no field for it.

import type { Outbox } from './outbox.js';
import { checkPhoneNumber, checkSenderId, type SmsMessage, type SmsSender } from './sms-message.js';

export function createOutboxSmsSender(outbox: Outbox): SmsSender {
  return {
    kind: 'outbox',
    async send(message: SmsMessage) {
      const to = checkPhoneNumber(message.to);
      checkSenderId(message.senderId);
      await outbox.store({ channel: 'sms', to, subject: null, text: message.body, html: null });
    },
    async close() {},
  };
}
