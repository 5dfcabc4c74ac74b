import { listSigningKeys, listServerSecrets, sealServerSecret, sealSigningKey } from '../repositories/key-repository.js';
import { listUnsealedOutboxMessages, replaceOutboxMessageBodies } from '../repositories/outbox-repository.js';
import { isSealed, type Sealer } from '../secrets/sealer.js';
import type { Db } from '../storage/prisma.js';
import { outboxAad } from '../delivery/outbox.js';
import { HMAC_PURPOSE, openHmacKey, openPrivateJwk, sealHmacKey, sealPrivateJwk } from './key-sealing.js';

// Databases written before encryption at rest hold signing keys, HMAC keys and dev-outbox messages
// in plaintext. Each start seals whatever is still plaintext, so after one start a copy of the
// database alone holds nothing that signs a token or reveals a code. Idempotent; instances that
// start together may both seal a row (either ciphertext is valid).

const OUTBOX_BATCH = 200;

export interface SealedCounts {
  readonly signingKeys: number;
  readonly hmacKeys: number;
  readonly outboxMessages: number;
}

/** Opens every sealed key before anything is written: a wrong KEYSTATE_MASTER_KEY stops the start
 * before it could seal anything new under the wrong key. */
export async function assertKeysOpen(db: Db, sealer: Sealer): Promise<void> {
  for (const key of await listSigningKeys(db)) if (key.privateKeySealed !== null) openPrivateJwk(sealer, key);
  for (const secret of await listServerSecrets(db, HMAC_PURPOSE)) if (isSealed(secret.value)) openHmacKey(sealer, secret);
}

export async function sealLegacySecrets(db: Db, sealer: Sealer): Promise<SealedCounts> {
  let signingKeys = 0;
  for (const key of await listSigningKeys(db)) {
    if (key.privateKeySealed !== null || key.legacyPrivateJwk === null) continue;
    await sealSigningKey(db, key.kid, sealPrivateJwk(sealer, key.kid, key.legacyPrivateJwk));
    signingKeys++;
  }
  let hmacKeys = 0;
  for (const secret of await listServerSecrets(db, HMAC_PURPOSE)) {
    if (isSealed(secret.value)) continue;
    await sealServerSecret(db, secret.id, sealHmacKey(sealer, secret.id, secret.value));
    hmacKeys++;
  }
  let outboxMessages = 0;
  for (;;) {
    const batch = await listUnsealedOutboxMessages(db, OUTBOX_BATCH);
    for (const message of batch) {
      const aad = outboxAad(message.id);
      await replaceOutboxMessageBodies(db, message.id, {
        subject: message.subject === null ? null : sealer.seal(message.subject, aad),
        text: sealer.seal(message.text, aad),
        html: message.html === null ? null : sealer.seal(message.html, aad),
      });
    }
    outboxMessages += batch.length;
    if (batch.length < OUTBOX_BATCH) break;
  }
  return { signingKeys, hmacKeys, outboxMessages };
}
