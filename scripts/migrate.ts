// `npm run db:deploy`: applies prisma/migrations to DATABASE_URL (the server also does this at start).
import { migrate } from '../src/storage/migrate.js';

const url = process.env.DATABASE_URL ?? 'file:./data/keystate.db';
const { applied } = await migrate(url, { log: (line) => console.log(line) });
console.log(applied.length === 0 ? 'Database is up to date.' : `Applied ${applied.length} migration(s): ${applied.join(', ')}`);
