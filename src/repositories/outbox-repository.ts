import type { Tx } from '../storage/prisma.js';

// The dev outbox: what a channel without a real provider would have sent.

export interface OutboxMessage {
  readonly id: string;
  readonly channel: 'email' | 'sms';
  readonly to: string;
  readonly subject: string | null;
  readonly text: string;
  readonly html: string | null;
  readonly createdAt: number;
}

export async function insertOutboxMessage(db: Tx, message: OutboxMessage): Promise<void> {
  await db.delivery.create({ data: { ...message, createdAt: new Date(message.createdAt) } });
}

export async function listOutboxMessages(db: Tx, filter: { to?: string; limit: number }): Promise<OutboxMessage[]> {
  const rows = await db.delivery.findMany({
    where: filter.to === undefined ? {} : { to: filter.to },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: filter.limit,
  });
  return rows.map((row) => ({
    id: row.id,
    channel: row.channel as OutboxMessage['channel'],
    to: row.to,
    subject: row.subject,
    text: row.text,
    html: row.html,
    createdAt: row.createdAt.getTime(),
  }));
}
