import { schemaCheck } from '../../corrupt-row.js';
import { contextSchema } from '../../engine/stored-context.js';
import { passcodeLockAnswers, type PasscodeLockState } from '../../../machines/passcode-lock.answers.js';
import { PASSCODE_LOCK_EFFECTS, type PasscodeLockEffects, type PasscodeLockEvent, passcodeLockMachine } from '../../../machines/passcode-lock.machine.js';
import { type PasscodeLockContext, type PasscodeLockInput, PasscodeLockContextShape, PasscodeLockInputShape } from '../../../machines/passcode-lock.context.js';
import type { Instance, MachineDefinition, RegisteredMachine, TxSteps } from '../../engine/definition.js';
import { type CredentialTypes, credentialStore, findLiveCredential } from '../../repositories/credential-repository.js';
import { newId } from '../../secrets/random.js';
import type { Provider } from '../../storage/database-url.js';

// A user's lock out of passcodes for one app, as the runner runs it: a long-lived instance kept in
// the credential table (kind `passcode-lock`, one live per user and app by its `live_key`, no
// secret), as the password's and the authenticator's locks are the state of their instances.

interface PasscodeLockTypes extends CredentialTypes {
  readonly input: PasscodeLockInput;
  readonly context: PasscodeLockContext;
  readonly event: PasscodeLockEvent;
  readonly effects: PasscodeLockEffects;
  readonly state: PasscodeLockState;
  /** The app whose passcode flow locks (the log names it). */
  readonly request: { readonly app: { readonly id: string } };
  readonly outputs: Record<string, never>;
}

const passcodeLockDefinition: MachineDefinition<PasscodeLockTypes> = {
  name: 'passcode-lock',
  machine: passcodeLockMachine,
  version: 1,
  effects: PASSCODE_LOCK_EFFECTS,
  logged: { lock: ['until'] },
  answers: passcodeLockAnswers,
  context: contextSchema(PasscodeLockContextShape),
  input: schemaCheck(PasscodeLockInputShape),
};

export type PasscodeLocks = RegisteredMachine<PasscodeLockTypes>;

export function createPasscodeLocks(deps: { provider: Provider }): PasscodeLocks {
  return { definition: passcodeLockDefinition, store: credentialStore(passcodeLockDefinition, 'passcode-lock', deps.provider), handlers: {} };
}

/** Locks the user out of passcodes for the app until `until`, with the step that counted the last
 * wrong code: the user's lock instance takes `lock` (started first when the user has none). */
export async function lockPasscodes(steps: TxSteps, locks: PasscodeLocks, scope: { tenantId: string; appId: string; userId: string }, until: number): Promise<void> {
  const key = { appId: scope.appId, userId: scope.userId, kind: 'passcode-lock' } as const;
  const request = { app: { id: scope.appId } };
  const instance = (await findLiveCredential(steps, passcodeLockDefinition, key)) ?? (await startLock(steps, locks, scope));
  await steps.send(locks, instance, { type: 'lock', until }, request);
}

/** A new lock instance, as its row stands once written (not read back: on an optimistic step its
 * INSERT is queued, sent with the step's other writes). Two first locks at once collide on the
 * credential's `live_key`: the loser's step runs again and finds the winner's. */
async function startLock(steps: TxSteps, locks: PasscodeLocks, scope: { tenantId: string; appId: string; userId: string }): Promise<Instance<PasscodeLockTypes>> {
  const create = { tenantId: scope.tenantId, userId: scope.userId, secret: '', params: {}, label: null };
  const started = await steps.start(locks, { id: newId(), appId: scope.appId, input: {}, create, request: { app: { id: scope.appId } } });
  return {
    id: started.id,
    machineVersion: passcodeLockDefinition.version,
    // Its creation logs one event (the machine has no effects to report more): version 1.
    version: 1,
    stateValue: started.state,
    context: started.context,
    row: { tenantId: scope.tenantId, appId: scope.appId, userId: scope.userId, kind: 'passcode-lock', secret: '', params: {}, label: null, miss: null },
  };
}
