import { Type } from 'typebox';
import { TOTP_METHOD } from '../../../machines/totp.machine.js';
import type { Sealer } from '../../secrets/sealer.js';
import { matchTotp, newTotpSeed, otpauthUri, type TotpParams } from './codes.js';
import type { CredentialStrategy, StoredCredential } from '../../credentials/strategy.js';
import { reader } from '../../repositories/row-reader.js';

// Authenticator apps (RFC 6238) as a kind of credential: the row keeps the seed sealed under the
// key-encryption key, bound to its credential (a seed moved to another row does not open), with
// the algorithm, digits and period fixed at enrolment (the authenticator app holds them too). The
// seed is shown once, as itself, as the `otpauth://` URI apps scan and as that URI's QR code.

interface TotpEnrollment {
  readonly params: TotpParams;
  readonly issuer: string;
  readonly label: string;
}

export interface TotpReveal {
  readonly secret: string;
  readonly uri: string;
  /** The URI as a QR code, a PNG data URL (our extension: the spec names no field for it). */
  readonly qr_code: string;
}

/** The time step whose code matched, or null. */
export type TotpStrategy = CredentialStrategy<TotpEnrollment, TotpReveal, { readonly at: number; readonly window: number }, number | null>;

export const totpSeedAad = (credentialId: string): string => `credential:${credentialId}:totp`;

// Checked at each read: the column is every credential kind's, typed as a plain record.
const totpParams = reader(
  'credential',
  'totp params',
  Type.Object({ algorithm: Type.Union([Type.Literal('sha1'), Type.Literal('sha256'), Type.Literal('sha512')]), digits: Type.Integer(), period: Type.Integer() }),
);
/** The algorithm, digits and period the row keeps (written from `TotpParams` at enrolment). */
export const storedTotpParams = (stored: StoredCredential): TotpParams => totpParams.one(stored.params);

export function totpStrategy(sealer: Sealer): TotpStrategy {
  return {
    kind: 'totp',
    method: TOTP_METHOD,
    async enroll(credentialId, { params, issuer, label }) {
      const seed = newTotpSeed(params.algorithm);
      const uri = otpauthUri({ issuer, label, seed, params });
      // Loaded at the first registration (about 8 MB a server without authenticators never maps).
      const { default: QRCode } = await import('qrcode');
      return { secret: sealer.seal(seed, totpSeedAad(credentialId)), params: { ...params }, reveal: { secret: seed, uri, qr_code: await QRCode.toDataURL(uri) } };
    },
    async verify(stored, proof, { at, window }) {
      const seed = sealer.open(stored.secret, totpSeedAad(stored.id));
      return matchTotp(seed, storedTotpParams(stored), proof, at, window);
    },
    revoke: () => ({ secret: '' }),
  };
}
