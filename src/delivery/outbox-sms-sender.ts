// The SMS sender used when the Twilio credentials are unset: each message is stored in the dev
// outbox (keystate-server.md §3, `GET /dev/outbox`) instead of being sent. It checks the number
// and the sender ID the same way the Twilio sender does, so development fails where production
// would. The sender ID itself is not kept: the outbox has no field for it.

import type { Clock } from '../clock.js';
import { insertOutboxMessage } from '../repositories/outbox-repository.js';
import { newId } from '../secrets/random.js';
import type { Tx } from '../storage/prisma.js';
import { checkPhoneNumber, checkSenderId } from './sms-sender.js';
import type { SmsMessage, SmsSender } from './sms-sender.js';

export interface OutboxSmsSenderDeps {
  readonly db: Tx;
  readonly clock: Clock;
}

export function createOutboxSmsSender(deps: OutboxSmsSenderDeps): SmsSender {
  return {
    kind: 'outbox',
    async send(message: SmsMessage) {
      const to = checkPhoneNumber(message.to);
      checkSenderId(message.senderId);
      await insertOutboxMessage(deps.db, {
        id: newId(),
        channel: 'sms',
        to,
        subject: null,
        text: message.body,
        html: null,
        createdAt: deps.clock.now(),
      });
    },
    async close() {},
  };
}
