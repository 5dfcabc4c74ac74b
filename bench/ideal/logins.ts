import { newId, newSecret, nowMicros } from './crypto.js';
import { type Dialect, jsonOf, type Row, sql, type Work } from './store.js';

// The writes a login makes and the two token-minting reads (silent authentication, refresh), as
// hand-written SQL: each function is one request's statements, run in one transaction.

export interface Ctx {
  readonly dialect: Dialect;
  readonly tenantId: string;
  readonly appId: string;
  readonly hash: (secret: string) => string;
}

/** What the tokens of a login say about the user. */
export interface Grant {
  readonly userId: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly methods: readonly string[];
  readonly authTime: number;
}

export interface Issued extends Grant {
  readonly sessionId?: string;
  readonly refreshToken: string;
}

const DAY_MICROS = 86_400_000_000;
const SESSION_TTL = 30 * DAY_MICROS;
const FAMILY_TTL = 14 * DAY_MICROS;
const num = (value: unknown): number => Number(value);
const event = (type: string, at: number) => JSON.stringify({ type, at });

/** A conditional write that must hit its one row: a lost race rolls the transaction back. */
export function* versioned(text: string, ...params: unknown[]): Work<void> {
  const { changes } = yield sql(text, ...params);
  if (changes !== 1) throw new Error('version conflict');
}

/** A new refresh-token family for a session: one INSERT; the token itself is only returned. */
export function* startFamily(ctx: Ctx, grant: Grant, sessionRowId: string, at: number): Work<string> {
  const token = newSecret();
  const context = JSON.stringify({ generation: 0, methods: grant.methods, authTime: grant.authTime, expiresAt: at + FAMILY_TTL });
  yield sql(
    `INSERT INTO refresh_family (id, tenant_id, app_id, user_id, session_id, current_hash, grant_claims, state_value, context, events, version, expires_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, 0, ?, ?, ?)`,
    newId(),
    ctx.tenantId,
    ctx.appId,
    grant.userId,
    sessionRowId,
    ctx.hash(token),
    JSON.stringify({ resource: null, claims: null }),
    context,
    `[${event('family.started', at)}]`,
    at + FAMILY_TTL,
    at,
    at,
  );
  return token;
}

/** The session a login opens (its id is a secret: stored as a hash). */
export function* openSession(ctx: Ctx, grant: Grant, at: number): Work<{ sessionId: string; rowId: string }> {
  const sessionId = newSecret();
  const rowId = newId();
  const context = JSON.stringify({ userId: grant.userId, methods: grant.methods, amr: grant.methods, authTime: grant.authTime, expiresAt: at + SESSION_TTL, appIds: [ctx.appId] });
  yield sql(
    `INSERT INTO session (id, id_hash, tenant_id, user_id, created_by_app_id, state_value, input, context, events, version, expires_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, 0, ?, ?, ?)`,
    rowId,
    ctx.hash(sessionId),
    ctx.tenantId,
    grant.userId,
    ctx.appId,
    JSON.stringify({ tenantId: ctx.tenantId, userId: grant.userId }),
    context,
    `[${event('session.opened', at)}]`,
    at + SESSION_TTL,
    at,
    at,
  );
  return { sessionId, rowId };
}

/** After a flow was redeemed: the session, the user's last login, a refresh-token family. */
export function* completeLogin(ctx: Ctx, user: Row, method: string, verifiesEmail: boolean, at: number): Work<Issued> {
  const grant: Grant = { userId: String(user.user_id), email: user.email as string | null, emailVerified: verifiesEmail || user.email_verified_at !== null, methods: [method], authTime: at };
  const session = yield* openSession(ctx, grant, at);
  yield sql(
    `UPDATE "user" SET last_auth_at = ?, status = 'Active', status_changed_at = ?, updated_at = ?${verifiesEmail ? ', email_verified_at = COALESCE(email_verified_at, ?)' : ''} WHERE id = ?`,
    ...[at, at, at, ...(verifiesEmail ? [at] : []), grant.userId],
  );
  const refreshToken = yield* startFamily(ctx, grant, session.rowId, at);
  return { ...grant, sessionId: session.sessionId, refreshToken };
}

/** Silent authentication: read the session with its user, slide it (version-checked, event
 * appended), start a family. Null: no live session of this tenant. */
export function* silentAuthenticate(ctx: Ctx, sessionId: string): Work<Issued | null> {
  const at = nowMicros();
  const { row } = yield sql(
    `SELECT s.id, s.version, s.context, s.expires_at, s.ended_at, u.id AS user_id, u.email, u.email_verified_at, u.status, ua.username
       FROM session s JOIN "user" u ON u.id = s.user_id LEFT JOIN user_app ua ON ua.user_id = s.user_id AND ua.app_id = ?
      WHERE s.id_hash = ? AND s.tenant_id = ?`,
    ctx.appId,
    ctx.hash(sessionId),
    ctx.tenantId,
  );
  if (row === undefined || row.ended_at !== null || num(row.expires_at) <= at || row.status === 'Disabled') return null;
  const context = jsonOf<{ methods: string[]; authTime: number; appIds: string[] }>(row.context);
  const next = { ...context, expiresAt: at + SESSION_TTL, appIds: context.appIds.includes(ctx.appId) ? context.appIds : [...context.appIds, ctx.appId] };
  yield* versioned(
    `UPDATE session SET state_value = 'active', context = ?, expires_at = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
    JSON.stringify(next),
    at + SESSION_TTL,
    at,
    row.id,
    row.version,
  );
  // The session's log: one appended row, as the real session write does.
  yield sql(
    `INSERT INTO session_event (session_id, seq, type, at, state, app_id, fields) VALUES (?, ?, 'session.silentAuthenticate', ?, 'active.live', ?, ?)`,
    row.id,
    Number(row.version) + 1,
    at,
    ctx.appId,
    '{"mfa":null}',
  );
  const grant: Grant = { userId: String(row.user_id), email: row.email as string | null, emailVerified: row.email_verified_at !== null, methods: context.methods, authTime: context.authTime };
  return { ...grant, sessionId, refreshToken: yield* startFamily(ctx, grant, String(row.id), at) };
}

/** Refresh: find the family whose current token this is, keep the old token (reuse detection),
 * rotate the family (version-checked). Null: not a current token of this app. */
export function* rotateRefreshToken(ctx: Ctx, token: string): Work<Issued | null> {
  const at = nowMicros();
  const presented = ctx.hash(token);
  const { row } = yield sql(
    `SELECT f.id, f.version, f.context, f.expires_at, f.ended_at, u.id AS user_id, u.email, u.email_verified_at, u.status, s.ended_at AS session_ended_at
       FROM refresh_family f JOIN "user" u ON u.id = f.user_id LEFT JOIN session s ON s.id = f.session_id
      WHERE f.current_hash = ? AND f.app_id = ?`,
    presented,
    ctx.appId,
  );
  if (row === undefined || row.ended_at !== null || row.session_ended_at !== null || num(row.expires_at) <= at || row.status === 'Disabled') return null;
  const context = jsonOf<{ generation: number; methods: string[]; authTime: number }>(row.context);
  yield sql('INSERT INTO refresh_token (token_hash, family_id, generation, created_at) VALUES (?, ?, ?, ?)', presented, row.id, context.generation, at);
  const next = newSecret();
  yield* versioned(
    `UPDATE refresh_family SET current_hash = ?, context = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
    ctx.hash(next),
    JSON.stringify({ ...context, generation: context.generation + 1 }),
    at,
    row.id,
    row.version,
  );
  // The family's log: one appended row, as the real family write does.
  yield sql(
    `INSERT INTO refresh_family_event (family_id, seq, type, at, state, fields) VALUES (?, ?, 'token.presented', ?, 'active', ?)`,
    row.id,
    Number(row.version) + 1,
    at,
    '{"token":"current","sessionEnded":false}',
  );
  return { userId: String(row.user_id), email: row.email as string | null, emailVerified: row.email_verified_at !== null, methods: context.methods, authTime: context.authTime, refreshToken: next };
}
