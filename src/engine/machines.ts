import type { Config } from '../config.js';
import { createPasswordCredentials, type PasswordCredentials } from '../flows/password/effects.js';
import type { PasswordTypes } from '../flows/password/definition.js';
import { createPasswordStandIn } from '../flows/password/stand-in.js';
import type { DecoyBudget } from '../credentials/decoy-budget.js';
import type { PasswordHasher } from '../credentials/password-hasher.js';
import type { Shadowed } from '../credentials/credential-types.js';
import { createTotpCredentials, type TotpCredentials } from '../flows/totp/effects.js';
import type { TotpTypes } from '../flows/totp/definition.js';
import { createTotpStandIn } from '../flows/totp/stand-in.js';
import { createMagicLinkFlows, type MagicLinkFlows } from '../flows/magic-link/effects.js';
import { createOtpFlows, type OtpFlows } from '../flows/otp/effects.js';
import { createPasskeys, createWebauthnCeremonies, type Passkeys, type WebauthnCeremonies } from '../flows/webauthn/effects.js';
import { createPasscodeLocks, type PasscodeLocks } from '../flows/otp/lock.js';
import type { DeliveringFlow } from '../delivery/delivery-worker.js';
import type { FlowKind } from '../repositories/flow-repository.js';
import type { DeliveryDeps } from '../delivery/kept-messages.js';
import { createRefreshFamilies, type RefreshFamilies } from '../flows/refresh/effects.js';
import type { SecretHasher } from '../secrets/secret-hasher.js';
import type { Provider } from '../storage/migrate.js';
import { createSessions, type Sessions } from '../flows/session/effects.js';
import type { TokenService } from '../tokens/token-service.js';
import type { MachineRegistration, RegisteredMachine } from './definition.js';
import { checkedInstance } from './stored-context.js';
import { assertRegistrations } from './effect-check.js';

// Every machine the server runs, registered with the runner: its definition, the store of its
// instances and the handlers of its effects. Checked here, before the first request: a missing
// handler, an unanswered state or an undeclared action stops the start.

export interface Machines {
  readonly families: RefreshFamilies;
  readonly sessions: Sessions;
  readonly otp: OtpFlows;
  /** Each user's lock out of passcodes for an app. */
  readonly passcodeLocks: PasscodeLocks;
  readonly magicLink: MagicLinkFlows;
  readonly totp: TotpCredentials;
  readonly passwords: PasswordCredentials;
  /** WebAuthn ceremonies (one per `webauthn_session_id`) and the passkeys they register and use. */
  readonly webauthn: WebauthnCeremonies;
  readonly passkeys: Passkeys;
  /** The same credential machines, answering logins that name no credential (stand-ins:
   * src/credentials/shadow-credentials.ts). */
  readonly standIns: { readonly password: RegisteredMachine<Shadowed<PasswordTypes>>; readonly totp: RegisteredMachine<Shadowed<TotpTypes>> };
  /** The flows whose machines keep messages, by kind (a flow row's `kind`): the delivery worker
   * hands each its messages that are due and the outcomes it holds (src/delivery/delivery-worker.ts). */
  readonly delivering: Readonly<Partial<Record<FlowKind, DeliveringFlow>>>;
  /** Every registration, its types erased (each is a MachineRegistration as it is: nothing asserted). */
  readonly all: readonly MachineRegistration[];
}

export function createMachines(deps: {
  config: Pick<Config, 'publicUrl'>;
  hasher: SecretHasher;
  /** Argon2id, for the password machine's comparisons. */
  passwordHasher: PasswordHasher;
  /** The decoy comparisons of password stand-ins, within each app's budget. */
  decoys: DecoyBudget;
  tokens: TokenService;
  /** How flows keep and send their messages. */
  delivery: DeliveryDeps;
  provider: Provider;
}): Machines {
  const { config, hasher, tokens, delivery, provider } = deps;
  const families = createRefreshFamilies({ hasher, tokens, provider });
  const sessions = createSessions({ provider });
  const otp = createOtpFlows({ hasher, delivery, provider });
  const passcodeLocks = createPasscodeLocks({ provider });
  const magicLink = createMagicLinkFlows({ config, hasher, delivery, provider });
  const totp = createTotpCredentials({ sealer: delivery.sealer, hasher, provider });
  const passwords = createPasswordCredentials({ passwords: deps.passwordHasher, provider });
  const webauthn = createWebauthnCeremonies({ hasher, provider });
  const passkeys = createPasskeys({ provider });
  const standIns = { password: createPasswordStandIn({ decoys: deps.decoys, provider }), totp: createTotpStandIn({ hasher, sealer: delivery.sealer, provider }) };
  const all: readonly MachineRegistration[] = [families, sessions, otp, passcodeLocks, magicLink, totp, passwords, webauthn, passkeys];
  // Stand-ins run machines of `all` under other registrations: checked alike, drawn once.
  assertRegistrations([...all, standIns.password, standIns.totp]);
  return {
    families,
    sessions,
    otp,
    passcodeLocks,
    magicLink,
    totp,
    passwords,
    webauthn,
    passkeys,
    standIns,
    delivering: {
      otp: (steps, flow, event, request) => steps.send(otp, checkedInstance(otp.definition, 'flow', flow), event, request),
      'magic-link': (steps, flow, event, request) => steps.send(magicLink, checkedInstance(magicLink.definition, 'flow', flow), event, request),
    },
    all,
  };
}
