import type { Instance, MachineDefinition } from '../engine/definition.js';
import { checkedInstance } from '../engine/stored-context.js';
import { join } from '../storage/sql.js';
import type { Tx } from '../storage/prisma.js';
import { CREDENTIAL_COLUMNS, type CredentialTypes, credentialRows, slotKey, toCredentialInstance } from './credential-repository.js';
import { forUpdate, type ReadScope } from './read-scope.js';

// Passkeys among the credential rows (kind `passkey`, src/flows/webauthn/): a user holds any number
// for an app, each live under its own slot (`<app>:passkey:<hash of its credential id>`: a login's
// assertion finds its row by one indexed equality, and one authenticator credential is registered
// once per app), and each keeps the WebAuthn user handle of its username (`lookup_key`), by which a
// login that names a username finds that username's passkeys.

const PASSKEY = 'passkey';

/** The app's live passkey with this credential key (locked on PostgreSQL in a locking scope). */
export async function findPasskey<T extends CredentialTypes>(read: ReadScope, machine: MachineDefinition<T>, appId: string, credentialKey: string): Promise<Instance<T> | null> {
  const rows = credentialRows.all(await read.tx.$queryRaw`SELECT ${CREDENTIAL_COLUMNS} FROM "credential" WHERE "live_key" = ${slotKey(appId, PASSKEY, credentialKey)} ${forUpdate(read)}`);
  return rows[0] === undefined ? null : checkedInstance(machine, 'credential', toCredentialInstance(rows[0]));
}

/** The user's live passkeys for the app, oldest first. */
export async function listPasskeys<T extends CredentialTypes>(db: Tx, machine: MachineDefinition<T>, appId: string, userId: string): Promise<Instance<T>[]> {
  const rows = credentialRows.all(
    await db.$queryRaw`SELECT ${CREDENTIAL_COLUMNS} FROM "credential"
    WHERE "user_id" = ${userId} AND "app_id" = ${appId} AND "kind" = ${PASSKEY} AND "live_key" IS NOT NULL ORDER BY "created_at", "id"`,
  );
  return rows.map((row) => checkedInstance(machine, 'credential', toCredentialInstance(row)));
}

/** The app's live passkeys registered under a username, by the user handles it may be kept under
 * (one per HMAC key of the ring). */
export async function passkeysOfHandles<T extends CredentialTypes>(db: Tx, machine: MachineDefinition<T>, appId: string, handles: readonly string[]): Promise<Instance<T>[]> {
  const rows = credentialRows.all(
    await db.$queryRaw`SELECT ${CREDENTIAL_COLUMNS} FROM "credential"
    WHERE "lookup_key" IN (${join([...handles])}) AND "app_id" = ${appId} AND "kind" = ${PASSKEY} AND "live_key" IS NOT NULL ORDER BY "created_at", "id"`,
  );
  return rows.map((row) => checkedInstance(machine, 'credential', toCredentialInstance(row)));
}
