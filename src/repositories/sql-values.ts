import type { Provider } from '../storage/database-url.js';
import { sql } from '../storage/sql.js';

// Parameters of hand-written statements that both engines read the same way.

/** A JSON parameter for a JSON column. */
export const jsonValue = (provider: Provider, value: unknown) => (provider === 'postgresql' ? sql`${JSON.stringify(value)}::jsonb` : sql`${JSON.stringify(value)}`);

/** A time parameter for a timestamp column, read as UTC whatever the server's time zone. */
export const timeValue = (provider: Provider, at: Date) => (provider === 'postgresql' ? sql`(${at.toISOString()}::timestamptz AT TIME ZONE 'UTC')` : sql`${at}`);
