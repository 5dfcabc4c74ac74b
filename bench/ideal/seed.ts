import { newId, nowMicros } from './crypto.js';
import { type Ctx, type Grant, openSession, startFamily } from './logins.js';
import { sql, type Work } from './store.js';
import type { Principal } from '../load/job.js';

// The ideal endpoint's fixtures, written straight into its tables (the real server's are made
// over its HTTP API): the tenant and app at start, then for each scenario one user per connection
// and, for silent-auth and refresh, a session and refresh-token family each, as a login leaves them.

export const APP_NAME = 'Bench';

export function* createTenantAndApp(ctx: Ctx, clientId: string, redirectUri: string): Work<void> {
  yield sql('INSERT INTO tenant (id, name) VALUES (?, ?)', ctx.tenantId, 'Bench tenant');
  yield sql(
    'INSERT INTO app (id, tenant_id, name, client_id, client_secret_hash, redirect_uris, login_preferences) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ctx.appId,
    ctx.tenantId,
    APP_NAME,
    clientId,
    ctx.hash(newId()),
    JSON.stringify([redirectUri]),
    '{}',
  );
}

export function* seedPrincipals(ctx: Ctx, count: number, withSessions: boolean): Work<Principal[]> {
  const principals: Principal[] = [];
  for (let index = 0; index < count; index++) {
    const at = nowMicros();
    const userId = newId();
    // The same addresses as the real setup (bench/setup.ts) so both answer alike.
    const email = `bench-${index}@example.com`;
    yield sql(
      `INSERT INTO "user" (id, tenant_id, email, status, status_changed_at, profile, created_at, updated_at) VALUES (?, ?, ?, 'Pending', ?, '{}', ?, ?)`,
      userId,
      ctx.tenantId,
      email,
      at,
      at,
      at,
    );
    yield sql('INSERT INTO user_app (user_id, app_id) VALUES (?, ?)', userId, ctx.appId);
    if (!withSessions) {
      principals.push({ userId, email });
      continue;
    }
    const grant: Grant = { userId, email, emailVerified: false, methods: ['otp'], authTime: at };
    const session = yield* openSession(ctx, grant, at);
    principals.push({ userId, email, sessionId: session.sessionId, refreshToken: yield* startFamily(ctx, grant, session.rowId, at) });
  }
  return principals;
}
