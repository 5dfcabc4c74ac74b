import type { KeyKind, KeyStore, RotationReport } from './key-store.js';
import { isOneOf } from '../fields.js';

// Key rotation as the operator asks for it: POST /admin/v1/keys/rotate, or
// `npm run keys:rotate [-- signing|hmac]` at a shell. Without a choice both keys rotate.

export const KEY_KINDS: readonly KeyKind[] = ['signing', 'hmac'];

export function parseKeyKinds(args: readonly string[]): KeyKind[] | null {
  if (args.length === 0) return [...KEY_KINDS];
  return args.every((arg) => isOneOf(KEY_KINDS, arg)) ? [...new Set(args)] : null;
}

/** What rotation did, in the admin API's words (the same JSON the endpoint answers). */
function rotationView(report: RotationReport) {
  return {
    ...(report.signing ? { signing: { kid: report.signing.kid, alg: report.signing.alg, activates_at: new Date(report.signing.activatesAt).toISOString(), retiring: report.signing.retiring } } : {}),
    ...(report.hmac ? { hmac: { key_id: report.hmac.keyId, activates_at: new Date(report.hmac.activatesAt).toISOString(), retiring: report.hmac.retiring } } : {}),
  };
}

export async function rotateKeys(keys: KeyStore, kinds: readonly KeyKind[]) {
  return rotationView(await keys.rotate(kinds));
}
