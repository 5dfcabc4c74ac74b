// Prisma CLI configuration. The server does not use it: it applies migrations itself at start
// (src/storage/migrate.ts, through the WebAssembly schema engine). This is the only place where
// the Prisma CLI reads DATABASE_URL.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations/sqlite' },
  datasource: { url: process.env.DATABASE_URL ?? 'file:./data/keystate.db' },
});
