import type { Tx } from '../storage/prisma.js';
import type { StoredKey } from '../tokens/keys.js';
import { fromJson, toJson } from './json.js';

// Signing keys and server secrets are created once and shared by every instance through the
// database. Readers order by creation so all instances pick the same active key.

export async function listSigningKeys(db: Tx): Promise<StoredKey[]> {
  const rows = await db.signingKey.findMany({ orderBy: [{ createdAt: 'asc' }, { kid: 'asc' }] });
  return rows.map((row) => ({
    kid: row.kid,
    alg: row.alg as StoredKey['alg'],
    privateJwk: fromJson<StoredKey['privateJwk']>(row.privateJwk),
    publicJwk: fromJson<StoredKey['publicJwk']>(row.publicJwk),
    retired: row.retiredAt !== null,
  }));
}

export async function insertSigningKey(db: Tx, key: Omit<StoredKey, 'retired'>, at: number): Promise<void> {
  await db.signingKey.create({
    data: { kid: key.kid, alg: key.alg, privateJwk: toJson(key.privateJwk), publicJwk: toJson(key.publicJwk), createdAt: new Date(at) },
  });
}

export async function listServerSecrets(db: Tx, purpose: string): Promise<string[]> {
  const rows = await db.serverSecret.findMany({
    where: { purpose, retiredAt: null },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { value: true },
  });
  return rows.map((row) => row.value);
}

export async function insertServerSecret(db: Tx, secret: { id: string; purpose: string; value: string }, at: number): Promise<void> {
  await db.serverSecret.create({ data: { ...secret, createdAt: new Date(at) } });
}
