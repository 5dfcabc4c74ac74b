import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { listServerSecrets, insertServerSecret, insertSigningKey, listSigningKeys } from './repositories/key-repository.js';
import { DEFAULT_TENANT_NAME, findTenantByName, insertTenant, type TenantRecord } from './repositories/tenant-repository.js';
import { newId, newSecret } from './secrets/random.js';
import { createSecretHasher, type SecretHasher } from './secrets/secret-hasher.js';
import type { Storage } from './storage/prisma.js';
import { buildKeyring, generateSigningKey, type SigningKeyring } from './tokens/keys.js';

// What must exist before the first request: the default tenant, a signing key for the configured
// algorithm and the HMAC key for stored secrets. Each is created once and shared through the
// database; instances that start together converge on the oldest row, so they agree.

const HMAC_PURPOSE = 'secret-hmac';

export interface Bootstrapped {
  readonly defaultTenant: TenantRecord;
  readonly keyring: SigningKeyring;
  readonly hasher: SecretHasher;
}

export async function bootstrap(storage: Storage, config: Pick<Config, 'tokenSigningAlg'>, clock: Clock): Promise<Bootstrapped> {
  const { db } = storage;
  const at = clock.now();

  const defaultTenant =
    (await findTenantByName(db, DEFAULT_TENANT_NAME)) ??
    (await insertTenant(db, { id: newId(), name: DEFAULT_TENANT_NAME })) ??
    (await findTenantByName(db, DEFAULT_TENANT_NAME));
  if (defaultTenant === null) throw new Error('the default tenant could not be created');

  let keys = await listSigningKeys(db);
  if (!keys.some((key) => key.alg === config.tokenSigningAlg && !key.retired)) {
    await insertSigningKey(db, await generateSigningKey(config.tokenSigningAlg), at);
    keys = await listSigningKeys(db);
  }

  let secrets = await listServerSecrets(db, HMAC_PURPOSE);
  if (secrets.length === 0) {
    await insertServerSecret(db, { id: newId(), purpose: HMAC_PURPOSE, value: newSecret() }, at);
    secrets = await listServerSecrets(db, HMAC_PURPOSE);
  }

  return {
    defaultTenant,
    keyring: await buildKeyring(keys, config.tokenSigningAlg),
    hasher: createSecretHasher(secrets.map((secret) => Buffer.from(secret, 'base64url'))),
  };
}
