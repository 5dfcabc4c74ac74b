import type { KeyKind, KeyStore, RotationReport } from '../keys/key-store.js';

// `npm run keys:rotate [-- signing|hmac]`: the same rotation as POST /admin/v1/keys/rotate, for an
// operator at a shell. Without an argument both the signing key and the HMAC key rotate.

export const KEY_KINDS: readonly KeyKind[] = ['signing', 'hmac'];

export function parseKeyKinds(args: readonly string[]): KeyKind[] | null {
  if (args.length === 0) return [...KEY_KINDS];
  return args.every((arg): arg is KeyKind => (KEY_KINDS as readonly string[]).includes(arg)) ? [...new Set(args as KeyKind[])] : null;
}

/** What rotation did, in the admin API's words (the same JSON the endpoint answers). */
export function rotationView(report: RotationReport) {
  return {
    ...(report.signing
      ? { signing: { kid: report.signing.kid, alg: report.signing.alg, activates_at: new Date(report.signing.activatesAt).toISOString(), retiring: report.signing.retiring } }
      : {}),
    ...(report.hmac ? { hmac: { key_id: report.hmac.keyId, activates_at: new Date(report.hmac.activatesAt).toISOString(), retiring: report.hmac.retiring } } : {}),
  };
}

export async function rotateKeys(keys: KeyStore, kinds: readonly KeyKind[]) {
  return rotationView(await keys.rotate(kinds));
}
