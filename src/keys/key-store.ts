import type { Clock } from '../clock.js';
import type { SigningAlg } from '../config.js';
import {
  insertServerSecret,
  insertSigningKey,
  listServerSecrets,
  listSigningKeys,
  retireServerSecrets,
  retireSigningKeys,
  type SigningKeyRow,
} from '../repositories/key-repository.js';
import { newId } from '../secrets/random.js';
import type { Sealer } from '../secrets/sealer.js';
import { createSecretHasher, type HmacKey, type SecretHasher } from '../secrets/secret-hasher.js';
import type { Db, Tx } from '../storage/prisma.js';
import { buildSigningKeyring, generateSigningKey, importSigningKey, type SigningKey, type SigningKeyring } from '../tokens/keys.js';
import { HMAC_PURPOSE, newHmacSecret, openHmacKey, openPrivateJwk, sealHmacKey, sealPrivateJwk } from './key-sealing.js';

// The keys of one server instance: the signing keyring and the HMAC key ring, loaded from the
// database (unsealed with the key-encryption key), re-read every `refreshMs` so a rotation made on
// any instance reaches all of them, and rotated with overlap: a new key is published at once but
// only starts signing/hashing after two refresh periods, when every instance knows it.

export type KeyKind = 'signing' | 'hmac';

export interface RotationReport {
  readonly signing?: { readonly kid: string; readonly alg: SigningAlg; readonly activatesAt: number; readonly retiring: readonly string[] };
  readonly hmac?: { readonly keyId: string; readonly activatesAt: number; readonly retiring: readonly string[] };
}

export interface KeyStore {
  readonly hasher: SecretHasher;
  signing(): SigningKeyring;
  /** Re-reads the keys from the database. */
  refresh(): Promise<void>;
  /** Re-reads now, unless that happened within the last second (a token naming an unknown kid). */
  refreshIfIdle(): Promise<boolean>;
  rotate(kinds: readonly KeyKind[]): Promise<RotationReport>;
  /** Starts the periodic re-read (the timer does not keep the process alive). */
  startRefreshing(onError: (error: unknown) => void): void;
  stop(): void;
}

export interface KeyStoreDeps {
  readonly db: Db;
  readonly sealer: Sealer;
  readonly clock: Clock;
  readonly alg: SigningAlg;
  readonly refreshMs: number;
}

const IDLE_REFRESH_MS = 1000;

export async function openKeyStore(deps: KeyStoreDeps): Promise<KeyStore> {
  const { db, sealer, clock, alg, refreshMs } = deps;
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
          : await importSigningKey({ ...row, alg: row.alg as SigningAlg, privateJwk: openPrivateJwk(sealer, row) });
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
      const at = clock.now();
      const activatesAt = at + activationDelay;
      const report = await db.$transaction(async (tx) => {
        let signing: RotationReport['signing'];
        let hmac: RotationReport['hmac'];
        if (kinds.includes('signing')) {
          const generated = await generateSigningKey(alg);
          await insertSigningKey(tx, { kid: generated.kid, alg, privateKeySealed: sealPrivateJwk(sealer, generated.kid, generated.privateJwk), publicJwk: generated.publicJwk, createdAt: at, activatesAt });
          signing = { kid: generated.kid, alg, activatesAt, retiring: await retireSigningKeys(tx, generated.kid, activatesAt) };
        }
        if (kinds.includes('hmac')) {
          const id = newId();
          await insertServerSecret(tx, { id, purpose: HMAC_PURPOSE, value: sealHmacKey(sealer, id, newHmacSecret()), createdAt: at, activatesAt });
          hmac = { keyId: id, activatesAt, retiring: await retireServerSecrets(tx, HMAC_PURPOSE, id, activatesAt) };
        }
        return { ...(signing ? { signing } : {}), ...(hmac ? { hmac } : {}) };
      });
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
  if (!keys.some((key) => key.alg === alg && (key.retiredAt === null || key.retiredAt > at))) {
    const generated = await generateSigningKey(alg);
    await insertSigningKey(db, { kid: generated.kid, alg, privateKeySealed: sealPrivateJwk(sealer, generated.kid, generated.privateJwk), publicJwk: generated.publicJwk, createdAt: at, activatesAt: at });
  }
  const secrets = await listServerSecrets(db, HMAC_PURPOSE);
  if (!secrets.some((secret) => secret.retiredAt === null || secret.retiredAt > at)) {
    const id = newId();
    await insertServerSecret(db, { id, purpose: HMAC_PURPOSE, value: sealHmacKey(sealer, id, newHmacSecret()), createdAt: at, activatesAt: at });
  }
}

