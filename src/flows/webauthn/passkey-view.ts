import type { Instance } from '../../engine/definition.js';
import type { PasskeyTypes } from './definition.js';
import { storedPasskeyParams } from './strategy.js';

// A passkey as its user and the app see it in a list: what the authenticator is, when it was
// registered and last used, and whether it is suspended as a possible clone. Never its public key.

export interface PasskeyView {
  readonly credential_id: string;
  readonly webauthn_username: string;
  readonly display_name: string | null;
  readonly authenticator_attachment: string | null;
  readonly aaguid: string;
  readonly transports: string[];
  readonly backed_up: boolean;
  /** 'clone_suspected': its counter went backwards once; it refuses every login until revoked. */
  readonly state: 'active' | 'clone_suspected';
  readonly created_at: string;
  readonly last_used_at: string | null;
}

export function passkeyView(passkey: Instance<PasskeyTypes>): PasskeyView {
  const params = storedPasskeyParams(passkey.row);
  const { registeredAt, lastUsedAt } = passkey.context;
  return {
    credential_id: params.credentialId,
    webauthn_username: params.webauthnUsername,
    display_name: passkey.row.label,
    authenticator_attachment: params.attachment,
    aaguid: params.aaguid,
    transports: params.transports,
    backed_up: params.backedUp,
    state: passkey.stateValue.startsWith('suspended') ? 'clone_suspected' : 'active',
    created_at: new Date(registeredAt).toISOString(),
    last_used_at: lastUsedAt === null ? null : new Date(lastUsedAt).toISOString(),
  };
}
