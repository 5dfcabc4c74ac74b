import type { Tx } from '../storage/prisma.js';
import { Type } from 'typebox';
import { reader } from './row-reader.js';

// The dev outbox: what a channel without a real provider would have sent. Bodies are stored
// sealed (src/delivery/outbox.ts seals and opens them); only the recipient is plain, to filter by.

export interface OutboxRow {
  readonly id: string;
  readonly channel: 'email' | 'sms';
  readonly to: string;
  readonly subject: string | null;
  readonly text: string;
  readonly html: string | null;
  readonly createdAt: number;
}

const SEALED_PREFIX = 'ks1.';

export async function insertOutboxMessage(db: Tx, message: OutboxRow): Promise<void> {
  await db.delivery.create({ data: { ...message, createdAt: new Date(message.createdAt) } });
}

const channels = reader('delivery', 'delivery.channel', Type.Union([Type.Literal('email'), Type.Literal('sms')]));

const toRow = (row: { id: string; channel: string; to: string; subject: string | null; text: string; html: string | null; createdAt: Date }): OutboxRow => ({
  id: row.id,
  channel: channels.one(row.channel),
  to: row.to,
  subject: row.subject,
  text: row.text,
  html: row.html,
  createdAt: row.createdAt.getTime(),
});

export async function listOutboxMessages(db: Tx, filter: { to?: string; limit: number }): Promise<OutboxRow[]> {
  const rows = await db.delivery.findMany({
    where: filter.to === undefined ? {} : { to: filter.to },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: filter.limit,
  });
  return rows.map(toRow);
}

/** Messages stored in plaintext by a server from before encryption at rest. */
export async function listUnsealedOutboxMessages(db: Tx, limit: number): Promise<OutboxRow[]> {
  const rows = await db.delivery.findMany({ where: { NOT: { text: { startsWith: SEALED_PREFIX } } }, orderBy: { id: 'asc' }, take: limit });
  return rows.map(toRow);
}

export async function replaceOutboxMessageBodies(db: Tx, id: string, bodies: { subject: string | null; text: string; html: string | null }): Promise<void> {
  await db.delivery.update({ where: { id }, data: bodies });
}
