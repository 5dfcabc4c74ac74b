import { DbNull } from '@prisma/client/runtime/client';
import { Type } from 'typebox';
import { type RelyingParty, RelyingPartyShape } from '../model/relying-party.js';
import { type LoginPreferences, LoginPreferencesSchema } from '../model/login-preferences.js';
import type { Tx } from '../storage/prisma.js';
import { toJson } from './json.js';
import { reader } from './row-reader.js';

export interface AppRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly clientId: string;
  readonly clientSecretHash: string;
  /** The HMAC key the secret was hashed with (null: written before key ids were kept). */
  readonly clientSecretKeyId: string | null;
  /** Bumped by each secret rotation; client tokens carry the version they were issued under. */
  readonly secretVersion: number;
  readonly redirectUris: readonly string[];
  readonly resources: readonly string[];
  readonly loginPreferences: LoginPreferences;
  /** The app's WebAuthn relying party (src/model/relying-party.ts); null: the app offers no passkeys. */
  readonly webauthn: RelyingParty | null;
}

// The shape is the admin API's validated schema (src/model/login-preferences.ts).
export type { LoginPreferences };

type AppRow = {
  id: string;
  tenantId: string;
  name: string;
  clientId: string;
  clientSecretHash: string;
  clientSecretKeyId: string | null;
  secretVersion: number;
  redirectUris: unknown;
  resources: unknown;
  loginPreferences: unknown;
  webauthn: unknown;
};

const redirectUris = reader('app', 'app.redirect_uris', Type.Array(Type.String()));
const resources = reader('app', 'app.resources', Type.Array(Type.String()));
const loginPreferences = reader('app', 'app.login_preferences', LoginPreferencesSchema);
const relyingParty = reader('app', 'app.webauthn', RelyingPartyShape);

const toRecord = (row: AppRow): AppRecord => ({
  id: row.id,
  tenantId: row.tenantId,
  name: row.name,
  clientId: row.clientId,
  clientSecretHash: row.clientSecretHash,
  clientSecretKeyId: row.clientSecretKeyId,
  secretVersion: row.secretVersion,
  redirectUris: redirectUris.one(row.redirectUris),
  resources: resources.one(row.resources),
  loginPreferences: loginPreferences.one(row.loginPreferences),
  webauthn: row.webauthn === null ? null : relyingParty.one(row.webauthn),
});

export async function findAppById(db: Tx, id: string): Promise<AppRecord | null> {
  const row = await db.app.findUnique({ where: { id } });
  return row === null ? null : toRecord(row);
}

export async function findAppByClientId(db: Tx, clientId: string): Promise<AppRecord | null> {
  const row = await db.app.findUnique({ where: { clientId } });
  return row === null ? null : toRecord(row);
}

export async function insertApp(db: Tx, app: Omit<AppRecord, 'secretVersion'>): Promise<AppRecord> {
  const row = await db.app.create({
    data: {
      ...app,
      redirectUris: toJson(app.redirectUris),
      resources: toJson(app.resources),
      loginPreferences: toJson(app.loginPreferences),
      webauthn: app.webauthn === null ? DbNull : toJson(app.webauthn),
    },
  });
  return toRecord(row);
}

export async function updateApp(db: Tx, id: string, changes: Partial<Pick<AppRecord, 'name' | 'redirectUris' | 'resources' | 'loginPreferences' | 'webauthn'>>): Promise<AppRecord | null> {
  const data = {
    ...(changes.name === undefined ? {} : { name: changes.name }),
    ...(changes.redirectUris === undefined ? {} : { redirectUris: toJson(changes.redirectUris) }),
    ...(changes.resources === undefined ? {} : { resources: toJson(changes.resources) }),
    ...(changes.loginPreferences === undefined ? {} : { loginPreferences: toJson(changes.loginPreferences) }),
    ...(changes.webauthn === undefined ? {} : { webauthn: changes.webauthn === null ? DbNull : toJson(changes.webauthn) }),
  };
  const { count } = await db.app.updateMany({ where: { id }, data });
  return count === 0 ? null : findAppById(db, id);
}

/** A new client secret: the version moves on, so every client token issued before stops working. */
export async function replaceClientSecret(db: Tx, id: string, secret: { clientSecretHash: string; clientSecretKeyId: string }): Promise<AppRecord | null> {
  const { count } = await db.app.updateMany({ where: { id }, data: { ...secret, secretVersion: { increment: 1 } } });
  return count === 0 ? null : findAppById(db, id);
}

/** The same secret hashed under the current HMAC key (after a key rotation), unless it changed meanwhile. */
export async function rehashClientSecret(db: Tx, id: string, previousHash: string, secret: { clientSecretHash: string; clientSecretKeyId: string }): Promise<void> {
  await db.app.updateMany({ where: { id, clientSecretHash: previousHash }, data: secret });
}

/** HMAC key ids that client secrets still depend on (a retired key stays while one does). */
export async function clientSecretKeyIds(db: Tx): Promise<(string | null)[]> {
  const rows = await db.app.findMany({ distinct: ['clientSecretKeyId'], select: { clientSecretKeyId: true } });
  return rows.map((row) => row.clientSecretKeyId);
}

export async function countApps(db: Tx): Promise<number> {
  return db.app.count();
}

// One counter for all apps: every admin change of an app bumps it in its own transaction, and each
// instance clears its cache of apps when it sees the counter move (src/apps/app-revision.ts).
const APP_REVISION = 'app';

export async function readAppRevision(db: Tx): Promise<number> {
  const row = await db.revision.findUnique({ where: { name: APP_REVISION } });
  return row?.value ?? 0;
}

export async function bumpAppRevision(db: Tx): Promise<void> {
  // The row is created by the migration that made the table: no upsert race between instances.
  await db.revision.updateMany({ where: { name: APP_REVISION }, data: { value: { increment: 1 } } });
}
