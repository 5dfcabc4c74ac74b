import { clientSecretKeyIds } from '../repositories/app-repository.js';
import { deleteServerSecrets, deleteSigningKeys, listServerSecrets, listSigningKeys } from '../repositories/key-repository.js';
import type { PurgeStep } from '../maintenance/purge.js';
import { isPublishedAt } from '../tokens/keys.js';
import { HMAC_PURPOSE } from './key-sealing.js';

// Retired keys leave once nothing can depend on them any more:
// - a signing key once every token it signed has expired (it has left the JWKS by then);
// - an HMAC key once every secret hashed under it has expired (refresh-token families and codes
//   live at most 14 days; sessions and client secrets are re-hashed under the current key when
//   they are used) and no app's client secret still names it.

/** Refresh-token families and magic links live at most this long after their key retired. */
const HMAC_OVERLAP_MS = 14 * 24 * 60 * 60 * 1000;

export const keyPurgeStep: PurgeStep = {
  async run({ storage, at }) {
    const { db } = storage;
    const signing = (await listSigningKeys(db)).filter((key) => key.retiredAt !== null && !isPublishedAt(key, at)).map((key) => key.kid);
    const stillNamed = new Set(await clientSecretKeyIds(db));
    // A secret hashed before key ids were kept (null) could be under any key: keep them all.
    const hmac = stillNamed.has(null)
      ? []
      : (await listServerSecrets(db, HMAC_PURPOSE)).filter((key) => key.retiredAt !== null && key.retiredAt + HMAC_OVERLAP_MS < at && !stillNamed.has(key.id)).map((key) => key.id);
    return { signingKeys: await deleteSigningKeys(db, signing), hmacKeys: await deleteServerSecrets(db, hmac) };
  },
};
