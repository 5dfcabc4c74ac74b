// Prisma's SQL template helpers (a generated client's `Prisma.sql`, `Prisma.join`…) from the runtime
// both engines' clients share: taken from a generated client, they would load that engine's client
// module on the other engine too (test/storage/engine-clients.test.ts).
export { empty, join, raw as rawSql, Sql, sqltag as sql } from '@prisma/client/runtime/client';
