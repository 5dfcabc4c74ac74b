import { newId, nowMicros } from './crypto.js';
import { completeLogin, type Ctx, type Issued, versioned } from './logins.js';
import { appendEvent } from './schema.js';
import { jsonOf, type Row, sql, type Work } from './store.js';

// Passcodes and magic links as hand-written SQL: a send reads the user and inserts the flow (with
// the HMAC of its secret, and for email the sealed message of the dev outbox); an authenticate
// reads the flow with its user, redeems it (version-checked) and completes the login.

const MINUTE_MICROS = 60_000_000;
const event = (type: string, at: number) => JSON.stringify({ type, at });

/** The user of the calling app by id or email, with the method's lockout. */
function* findUser(ctx: Ctx, by: 'id' | 'email', value: string, method: string): Work<Row | undefined> {
  const { row } = yield sql(
    `SELECT u.id AS user_id, u.email, u.email_verified_at, u.status, ua.username, l.locked_until
       FROM "user" u JOIN user_app ua ON ua.user_id = u.id AND ua.app_id = ?
       LEFT JOIN lockout l ON l.app_id = ? AND l.user_id = u.id AND l.method = ?
      WHERE u.tenant_id = ? AND u.${by} = ?`,
    ctx.appId,
    ctx.appId,
    method,
    ctx.tenantId,
    value,
  );
  return row;
}

export interface Challenge {
  readonly kind: 'otp' | 'magic-link';
  /** HMAC of the secret (a passcode is bound to its flow id first). */
  readonly secretHash: (flowId: string) => string;
  readonly context: Record<string, unknown>;
  readonly ttlMinutes: number;
  /** The dev-outbox message to the user, already sealed (email channel only). */
  readonly message?: (user: Row) => { id: string; to: string; subject: string; text: string };
}

/** A send: the user, then the new flow (and its outbox message). False: no such user, or locked. */
export function* startChallenge(ctx: Ctx, by: 'id' | 'email', value: string, challenge: Challenge): Work<boolean> {
  const at = nowMicros();
  const user = yield* findUser(ctx, by, value, challenge.kind);
  if (user === undefined || user.status === 'Disabled' || (user.locked_until !== null && Number(user.locked_until) > at)) return false;
  const id = newId();
  const expiresAt = at + challenge.ttlMinutes * MINUTE_MICROS;
  yield sql(
    `INSERT INTO flow (id, tenant_id, app_id, user_id, kind, secret_hash, input, state_value, context, events, version, expires_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'challenged', ?, ?, 0, ?, ?, ?)`,
    id,
    ctx.tenantId,
    ctx.appId,
    user.user_id,
    challenge.kind,
    challenge.secretHash(id),
    JSON.stringify({ userId: user.user_id, requestedAt: at }),
    JSON.stringify({ ...challenge.context, attempts: 0, expiresAt }),
    `[${event('challenge.requested', at)}]`,
    expiresAt,
    at,
    at,
  );
  const message = challenge.message?.(user);
  if (message !== undefined) {
    yield sql('INSERT INTO delivery (id, channel, "to", subject, text, created_at) VALUES (?, ?, ?, ?, ?, ?)', message.id, 'email', message.to, message.subject, message.text, at);
  }
  return true;
}

/** Redeems a flow read with its user: one version-checked UPDATE, then the login's writes. */
function* redeem(ctx: Ctx, flow: Row, method: string, verifiesEmail: boolean, at: number): Work<Issued> {
  yield* versioned(
    `UPDATE flow SET state_value = 'redeemed', context = ?, version = version + 1, updated_at = ?, ${appendEvent(ctx.dialect)} WHERE id = ? AND version = ?`,
    JSON.stringify({ ...jsonOf<object>(flow.context), redeemedAt: at }),
    at,
    event('challenge.redeemed', at),
    flow.id,
    flow.version,
  );
  return yield* completeLogin(ctx, flow, method, verifiesEmail, at);
}

const FLOW_WITH_USER = `SELECT f.id, f.version, f.secret_hash, f.state_value, f.expires_at, f.context, u.id AS user_id, u.email, u.email_verified_at, u.status
  FROM flow f JOIN "user" u ON u.id = f.user_id`;

/** OTP authenticate: the user's pending passcode flow; the code checked against its HMAC. */
export function* redeemPasscode(ctx: Ctx, userId: string, passcode: string, matches: (value: string, stored: string) => boolean): Work<Issued | null> {
  const at = nowMicros();
  const { row } = yield sql(`${FLOW_WITH_USER} WHERE f.app_id = ? AND f.user_id = ? AND f.kind = 'otp' AND f.state_value = 'challenged' ORDER BY f.created_at DESC LIMIT 1`, ctx.appId, userId);
  if (row === undefined || Number(row.expires_at) <= at || !matches(`${String(row.id)}:${passcode}`, String(row.secret_hash))) return null;
  return yield* redeem(ctx, row, 'otp', false, at);
}

/** The emailed link: reads the flow, changes nothing. */
export function* linkTarget(ctx: Ctx, token: string): Work<string | null> {
  const { row } = yield sql(`SELECT context FROM flow WHERE secret_hash = ? AND kind = 'magic-link'`, ctx.hash(token));
  if (row === undefined) return null;
  const target = new URL(jsonOf<{ redirectUri: string }>(row.context).redirectUri);
  target.searchParams.set('code', token);
  return target.toString();
}

/** Magic-link authenticate: the flow by the code's HMAC, with its user. */
export function* redeemLink(ctx: Ctx, code: string): Work<Issued | null> {
  const at = nowMicros();
  const { row } = yield sql(`${FLOW_WITH_USER} WHERE f.secret_hash = ? AND f.kind = 'magic-link' AND f.app_id = ?`, ctx.hash(code), ctx.appId);
  if (row === undefined || row.state_value !== 'challenged' || Number(row.expires_at) <= at) return null;
  return yield* redeem(ctx, row, 'email_magic_link', true, at);
}

/** GET /dev/outbox: the newest sealed messages to one address. */
export function* newestMessage(to: string): Work<Row | undefined> {
  const { row } = yield sql('SELECT id, channel, "to", subject, text, created_at FROM delivery WHERE "to" = ? ORDER BY created_at DESC LIMIT 1', to);
  return row;
}
