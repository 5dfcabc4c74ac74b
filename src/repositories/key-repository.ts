import { DbNull } from '@prisma/client/runtime/client';
import type { JWK } from 'jose';
import type { Provider } from '../storage/database-url.js';
import type { Tx } from '../storage/prisma.js';
import { toJson } from './json.js';
import { Type } from 'typebox';
import { reader } from './row-reader.js';
import type { SigningAlg } from '../config.js';

// Signing keys and server secrets (the HMAC key ring), shared by every instance through the
// database. Private material is stored only sealed (src/secrets/sealer.ts); rows written before
// encryption at rest carry plaintext until the start that seals them (src/keys/seal-legacy.ts).

export interface SigningKeyRow {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly privateKeySealed: string | null;
  /** Plaintext from before encryption at rest; null once sealed. */
  readonly legacyPrivateJwk: JWK | null;
  readonly publicJwk: JWK;
  readonly createdAt: number;
  readonly activatesAt: number;
  readonly retiredAt: number | null;
}

export interface ServerSecretRow {
  readonly id: string;
  readonly purpose: string;
  /** Sealed, or legacy plaintext until sealed at start. */
  readonly value: string;
  readonly createdAt: number;
  readonly activatesAt: number;
  readonly retiredAt: number | null;
}

/** A JWK as jose reads it: its members are checked by jose's importJWK when the key is used. */
const Jwk = Type.Object({ kty: Type.String() });
/** An opened sealed private key (src/keys/key-sealing.ts). */
export const sealedJwks = reader('signing_key', 'signing_key.private_key_sealed (opened)', Jwk);
const algs = reader('signing_key', 'signing_key.alg', Type.Union([Type.Literal('RS256'), Type.Literal('ES256'), Type.Literal('EdDSA')]));
const publicJwks = reader('signing_key', 'signing_key.public_jwk', Jwk);
const legacyJwks = reader('signing_key', 'signing_key.private_jwk', Jwk);

const time = (date: Date | null): number | null => date?.getTime() ?? null;

/**
 * The first statement of a key rotation's transaction: rotations run one after another, each
 * seeing every rotation committed before it (a rotation reads the live keys, then retires them).
 * PostgreSQL: a transaction-scoped advisory lock, released at commit. SQLite: a write that matches
 * nothing but takes the database's write lock now, so a rotation in another process (the CLI while
 * the server runs) waits for this one instead of failing on a snapshot it read before our commit.
 */
export async function lockKeyRotation(tx: Tx, provider: Provider): Promise<void> {
  if (provider === 'postgresql') await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('keystate.key-rotation'))`;
  else await tx.$executeRaw`UPDATE "signing_key" SET "kid" = "kid" WHERE 1 = 0`;
}

/** The latest activation of any signing key (null: none yet). */
export async function latestSigningActivation(db: Tx): Promise<number | null> {
  // The newest row rather than an aggregate: aggregates type their results per engine (src/storage/prisma.ts).
  const latest = await db.signingKey.findFirst({ orderBy: { activatesAt: 'desc' }, select: { activatesAt: true } });
  return time(latest?.activatesAt ?? null);
}

/** The latest activation of any server secret of `purpose` (null: none yet). */
export async function latestSecretActivation(db: Tx, purpose: string): Promise<number | null> {
  const latest = await db.serverSecret.findFirst({ where: { purpose }, orderBy: { activatesAt: 'desc' }, select: { activatesAt: true } });
  return time(latest?.activatesAt ?? null);
}

export async function listSigningKeys(db: Tx): Promise<SigningKeyRow[]> {
  const rows = await db.signingKey.findMany({ orderBy: [{ activatesAt: 'asc' }, { kid: 'asc' }] });
  return rows.map((row) => ({
    kid: row.kid,
    alg: algs.one(row.alg),
    privateKeySealed: row.privateKeySealed,
    legacyPrivateJwk: row.privateJwk === null ? null : legacyJwks.one(row.privateJwk),
    publicJwk: publicJwks.one(row.publicJwk),
    createdAt: row.createdAt.getTime(),
    activatesAt: row.activatesAt.getTime(),
    retiredAt: time(row.retiredAt),
  }));
}

export async function insertSigningKey(db: Tx, key: { kid: string; alg: string; privateKeySealed: string; publicJwk: JWK; createdAt: number; activatesAt: number }): Promise<void> {
  await db.signingKey.create({
    data: { ...key, publicJwk: toJson(key.publicJwk), createdAt: new Date(key.createdAt), activatesAt: new Date(key.activatesAt) },
  });
}

/** Replaces a legacy plaintext private key by its sealed form. */
export async function sealSigningKey(db: Tx, kid: string, privateKeySealed: string): Promise<void> {
  await db.signingKey.update({ where: { kid }, data: { privateKeySealed, privateJwk: DbNull } });
}

/** Every key but `keep` that is not retired yet stops signing at `at` (its successor's activation). */
export async function retireSigningKeys(db: Tx, keep: string, at: number): Promise<string[]> {
  const live = await db.signingKey.findMany({ where: { retiredAt: null, kid: { not: keep } }, select: { kid: true } });
  await db.signingKey.updateMany({ where: { kid: { in: live.map((row) => row.kid) }, retiredAt: null }, data: { retiredAt: new Date(at) } });
  return live.map((row) => row.kid);
}

export async function deleteSigningKeys(db: Tx, kids: readonly string[]): Promise<number> {
  if (kids.length === 0) return 0;
  const { count } = await db.signingKey.deleteMany({ where: { kid: { in: [...kids] } } });
  return count;
}

export async function listServerSecrets(db: Tx, purpose: string): Promise<ServerSecretRow[]> {
  const rows = await db.serverSecret.findMany({ where: { purpose }, orderBy: [{ activatesAt: 'asc' }, { id: 'asc' }] });
  return rows.map((row) => ({
    id: row.id,
    purpose: row.purpose,
    value: row.value,
    createdAt: row.createdAt.getTime(),
    activatesAt: row.activatesAt.getTime(),
    retiredAt: time(row.retiredAt),
  }));
}

export async function insertServerSecret(db: Tx, secret: { id: string; purpose: string; value: string; createdAt: number; activatesAt: number }): Promise<void> {
  await db.serverSecret.create({ data: { ...secret, createdAt: new Date(secret.createdAt), activatesAt: new Date(secret.activatesAt) } });
}

export async function sealServerSecret(db: Tx, id: string, sealed: string): Promise<void> {
  await db.serverSecret.update({ where: { id }, data: { value: sealed } });
}

export async function retireServerSecrets(db: Tx, purpose: string, keep: string, at: number): Promise<string[]> {
  const live = await db.serverSecret.findMany({ where: { purpose, retiredAt: null, id: { not: keep } }, select: { id: true } });
  await db.serverSecret.updateMany({ where: { id: { in: live.map((row) => row.id) }, retiredAt: null }, data: { retiredAt: new Date(at) } });
  return live.map((row) => row.id);
}

export async function deleteServerSecrets(db: Tx, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const { count } = await db.serverSecret.deleteMany({ where: { id: { in: [...ids] } } });
  return count;
}
