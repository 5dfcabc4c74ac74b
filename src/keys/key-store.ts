import type { Clock } from '../clock.js';
import type { SigningAlg } from '../config.js';
import { insertServerSecret, insertSigningKey, listServerSecrets, listSigningKeys, type SigningKeyRow } from '../repositories/key-repository.js';
import { retriedTransaction } from '../repositories/retried-transaction.js';
import type { Sealer } from '../secrets/sealer.js';
import { createSecretHasher, type HmacKey, type SecretHasher } from '../secrets/secret-hasher.js';
import type { Provider } from '../storage/database-url.js';
import type { Db, Tx } from '../storage/prisma.js';
import { buildSigningKeyring, importSigningKey, type SigningKey, type SigningKeyring } from '../tokens/keys.js';
import { HMAC_PURPOSE, openHmacKey, openPrivateJwk } from './key-sealing.js';
import { type KeyKind, prepareKeys, type RotationReport, type SigningKeyGenerator, writeRotation } from './rotate-keys.js';

export type { KeyKind, RotationReport } from './rotate-keys.js';

// The keys of one server instance: the signing keyring and the HMAC key ring, loaded from the
// database (unsealed with the key-encryption key), re-read every `refreshMs` so a rotation made on
// any instance reaches all of them, and rotated with overlap: a new key is published at once but
// only starts signing/hashing after two refresh periods, when every instance knows it.

export interface KeyStore {
  readonly hasher: SecretHasher;
  signing(): SigningKeyring;
  /** Re-reads the keys from the database. */
  refresh(): Promise<void>;
  /** Re-reads now, unless that happened within the last second (a token naming an unknown kid). */
  refreshIfIdle(): Promise<boolean>;
  /** Adds new keys and retires the ones they replace (see rotate-keys.ts for overlapping rotations);
   * DATABASE_BUSY (503) when the database could not start the transaction in time. */
  rotate(kinds: readonly KeyKind[]): Promise<RotationReport>;
  /** Starts the periodic re-read (the timer does not keep the process alive). */
  startRefreshing(onError: (error: unknown) => void): void;
  stop(): void;
}

export interface KeyStoreDeps {
  readonly db: Db;
  readonly provider: Provider;
  readonly sealer: Sealer;
  readonly clock: Clock;
  readonly alg: SigningAlg;
  readonly refreshMs: number;
  /** Makes a rotation's signing key (tests hold it to overlap rotations). */
  readonly generateSigningKey?: SigningKeyGenerator;
}

const IDLE_REFRESH_MS = 1000;

export async function openKeyStore(deps: KeyStoreDeps): Promise<KeyStore> {
  const { db, provider, sealer, clock, alg, refreshMs } = deps;
  const imported = new Map<string, { row: SigningKeyRow; key: SigningKey }>();
  let keyring: SigningKeyring;
  let hmacKeys: readonly HmacKey[] = [];
  let lastRefresh = 0;
  let timer: NodeJS.Timeout | null = null;

  async function load(): Promise<void> {
    const [rows, secrets] = await Promise.all([listSigningKeys(db), listServerSecrets(db, HMAC_PURPOSE)]);
    const keys: SigningKey[] = [];
    for (const row of rows) {
      const known = imported.get(row.kid);
      // Importing a private key is the expensive part: only new keys (or changed retirement) are re-imported.
      const key =
        known !== undefined && known.row.retiredAt === row.retiredAt && known.row.activatesAt === row.activatesAt
          ? known.key
          : await importSigningKey({ ...row, privateJwk: openPrivateJwk(sealer, row) });
      imported.set(row.kid, { row, key });
      keys.push(key);
    }
    for (const kid of imported.keys()) if (!rows.some((row) => row.kid === kid)) imported.delete(kid);
    keyring = buildSigningKeyring(keys, alg);
    hmacKeys = secrets.map((secret) => openHmacKey(sealer, secret));
    lastRefresh = clock.now();
  }

  await load();
  const activationDelay = 2 * refreshMs;

  const store: KeyStore = {
    hasher: createSecretHasher(() => hmacKeys, clock),
    signing: () => keyring,
    refresh: load,
    async refreshIfIdle() {
      if (Math.abs(clock.now() - lastRefresh) < IDLE_REFRESH_MS) return false;
      await load();
      return true;
    },
    async rotate(kinds) {
      const prepared = await prepareKeys(kinds, alg, sealer, deps.generateSigningKey);
      // A transaction that cannot start in time is a 503 to retry, having written nothing.
      const report = await retriedTransaction(db, (tx) => writeRotation(tx, provider, prepared, () => clock.now(), activationDelay));
      await load();
      return report;
    },
    startRefreshing(onError) {
      if (timer !== null) return;
      timer = setInterval(() => void load().catch(onError), refreshMs);
      timer.unref();
    },
    stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
  return store;
}

/** First start (or a new TOKEN_SIGNING_ALG): a signing key of the configured algorithm and an HMAC
 * key, active at once. Instances starting together may each add one; all of them stay valid. */
export async function ensureKeys(db: Tx, sealer: Sealer, alg: SigningAlg, at: number): Promise<void> {
  const keys = await listSigningKeys(db);
  const secrets = await listServerSecrets(db, HMAC_PURPOSE);
  const missing: KeyKind[] = [
    ...(keys.some((key) => key.alg === alg && (key.retiredAt === null || key.retiredAt > at)) ? [] : ['signing' as const]),
    ...(secrets.some((secret) => secret.retiredAt === null || secret.retiredAt > at) ? [] : ['hmac' as const]),
  ];
  const prepared = await prepareKeys(missing, alg, sealer);
  if (prepared.signing) await insertSigningKey(db, { ...prepared.signing, createdAt: at, activatesAt: at });
  if (prepared.hmac) await insertServerSecret(db, { ...prepared.hmac, purpose: HMAC_PURPOSE, createdAt: at, activatesAt: at });
}
