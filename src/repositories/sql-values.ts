import type { Provider } from '../storage/database-url.js';
import { Prisma } from '../storage/generated/sqlite/client.js';

// Parameters of hand-written statements that both engines read the same way.

/** A JSON parameter for a JSON column. */
export const jsonValue = (provider: Provider, value: unknown) => (provider === 'postgresql' ? Prisma.sql`${JSON.stringify(value)}::jsonb` : Prisma.sql`${JSON.stringify(value)}`);

/** A time parameter for a timestamp column, read as UTC whatever the server's time zone. */
export const timeValue = (provider: Provider, at: Date) => (provider === 'postgresql' ? Prisma.sql`(${at.toISOString()}::timestamptz AT TIME ZONE 'UTC')` : Prisma.sql`${at}`);
