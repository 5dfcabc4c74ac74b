import type { AuthMethod } from '../../machines/shared/events.js';
import type { CredentialKind } from '../repositories/credential-repository.js';

// A kind of credential as the server sees it, beside its machine: how one is enrolled (what its
// row keeps, what the user is shown once), how a proof is checked against what the row keeps (the
// verdict the machine then judges), what the row keeps once the credential is revoked, and the amr
// method a match proves. Counting attempts, locking, replays and step-up are the machine's.
// Passwords and authenticator apps are the two kinds today; WebAuthn plugs in as a third strategy
// with its own machine.

/** What a credential's row keeps of it. */
export interface StoredCredential {
  readonly id: string;
  readonly secret: string;
  readonly params: Readonly<Record<string, unknown>>;
}

interface Enrolled<Reveal> {
  /** Kept in the row: a hash, or a value sealed under the key-encryption key. */
  readonly secret: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Shown to the user once, never stored in clear (a TOTP seed and its URI; nothing for a password). */
  readonly reveal: Reveal;
}

export interface CredentialStrategy<Enrollment, Reveal, Check, Verdict> {
  readonly kind: CredentialKind;
  /** The amr value a successful verification adds to the session. */
  readonly method: AuthMethod;
  enroll(credentialId: string, enrollment: Enrollment): Promise<Enrolled<Reveal>>;
  /** Compares a submitted proof with the stored credential (constant time, or a slow hash). */
  verify(stored: StoredCredential, proof: string, check: Check): Promise<Verdict>;
  /** What the row keeps once the credential is revoked: nothing that could still prove anything. */
  revoke(stored: StoredCredential): { readonly secret: string };
}
