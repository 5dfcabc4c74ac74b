import type { AppRecord } from '../repositories/app-repository.js';
import type { CredentialTypes } from '../repositories/credential-repository.js';
import type { ShadowTypes } from '../repositories/shadow-credential-repository.js';

// What every credential machine's types share (each kind's own are in its flow's folder:
// src/flows/password/definition.ts, src/flows/totp/definition.ts), and a kind's types as its
// stand-in runs them.

/** What a credential login hands its machine's effects. `Authentication` is what the login brings
 * besides the proof (user, named session, claims, resource): the session flow's
 * AuthenticationRequest, which the flows name, since a shared part knows no flow. */
export interface CredentialRequest<Authentication> {
  readonly app: AppRecord;
  readonly authentication?: Authentication;
  /** The password or code a login submitted: only the comparing effect sees it. */
  readonly proof?: string;
}

/** A credential kind's machine as a stand-in runs it (src/credentials/shadow-credentials.ts): the
 * same machine, events, states and requests, its own rows. */
export interface Shadowed<T extends CredentialTypes> extends ShadowTypes {
  readonly input: T['input'];
  readonly context: T['context'];
  readonly event: T['event'];
  readonly effects: T['effects'];
  readonly state: T['state'];
  readonly request: T['request'];
  readonly outputs: T['outputs'];
}
