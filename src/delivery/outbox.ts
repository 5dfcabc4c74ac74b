import type { Clock } from '../clock.js';
import { insertOutboxMessage, listOutboxMessages, type OutboxRow } from '../repositories/outbox-repository.js';
import { newId } from '../secrets/random.js';
import type { Sealer } from '../secrets/sealer.js';
import type { Tx } from '../storage/prisma.js';

// The dev outbox (keystate-server.md §3): messages a channel without a provider would have sent,
// for GET /dev/outbox. They hold codes and links, so subject and bodies are sealed under the
// key-encryption key like every other secret at rest.

export type OutboxMessage = OutboxRow;

export interface Outbox {
  store(message: Omit<OutboxMessage, 'id' | 'createdAt'>): Promise<void>;
  list(filter: { to?: string; limit: number }): Promise<OutboxMessage[]>;
}

export const outboxAad = (id: string): string => `delivery:${id}`;

export function createOutbox(deps: { db: Tx; clock: Clock; sealer: Sealer }): Outbox {
  const { db, clock, sealer } = deps;
  const seal = (value: string | null, aad: string) => (value === null ? null : sealer.seal(value, aad));
  const open = (value: string | null, aad: string) => (value === null ? null : sealer.open(value, aad));
  return {
    async store(message) {
      const id = newId();
      const aad = outboxAad(id);
      await insertOutboxMessage(db, { ...message, id, subject: seal(message.subject, aad), text: sealer.seal(message.text, aad), html: seal(message.html, aad), createdAt: clock.now() });
    },
    async list(filter) {
      const rows = await listOutboxMessages(db, filter);
      return rows.map((row) => {
        const aad = outboxAad(row.id);
        return { ...row, subject: open(row.subject, aad), text: sealer.open(row.text, aad), html: open(row.html, aad) };
      });
    },
  };
}
