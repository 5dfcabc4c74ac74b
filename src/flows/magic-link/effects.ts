import { schemaCheck } from '../../corrupt-row.js';
import { contextSchema } from '../../engine/stored-context.js';
import { MAGIC_LINK_EFFECTS, type MagicLinkEffects, type MagicLinkEvent, magicLinkMachine } from '../../../machines/magic-link.machine.js';
import { type MagicLinkContext, type MagicLinkInput, MagicLinkContextShape, MagicLinkStoredInputShape } from '../../../machines/magic-link.context.js';
import { magicLinkAnswers, type MagicLinkState } from '../../../machines/magic-link.answers.js';
import type { Config } from '../../config.js';
import { type DeliveryDeps, type KeptMessage, type KeptMessageRequest, keptMessageHandlers } from '../../delivery/kept-messages.js';
import { type EmailContent, renderMagicLinkEmail } from '../../delivery/templates/magic-link-email.js';
import type { EffectContext, MachineDefinition, RegisteredMachine } from '../../engine/definition.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import type { Provider } from '../../storage/database-url.js';
import { flowStore, type FlowTypes } from '../../repositories/flow-repository.js';
import { newSecret } from '../../secrets/random.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import { type AuthenticationRequest, type LoginVerdict, recordAuthenticationHandler } from '../session/post-login.js';

// The magic-link flow as the runner runs it: its definition, store and effect handlers.

/** The path of the emailed link: a GET there only redirects (keystate-server.md §5 item 4). */
const MAGIC_LINK_PATH = '/cis/v1/auth/link/email/redirect';

/** Request data the send step needs and the machine does not reason about. */
interface MagicLinkSendRequest {
  readonly to: string;
  readonly emailContent: EmailContent | null;
  /** Sender display name when the template sets none (app preference, else the app's name). */
  readonly fromName: string;
  readonly primaryColor: string | null;
}

interface MagicLinkRequest extends KeptMessageRequest {
  readonly app: AppRecord;
  readonly send?: MagicLinkSendRequest;
  readonly authentication?: AuthenticationRequest;
}

export interface MagicLinkTypes extends FlowTypes {
  readonly input: MagicLinkInput;
  readonly context: MagicLinkContext;
  readonly event: MagicLinkEvent;
  readonly effects: MagicLinkEffects;
  readonly state: MagicLinkState;
  readonly request: MagicLinkRequest;
  readonly outputs: {
    /** The link with its plaintext code: it lives only in this request, for the message (or the direct answer). */
    readonly issueChallenge: { readonly link: string };
    readonly holdDelivery: KeptMessage;
    readonly recordAuthentication: LoginVerdict;
  };
}

export const magicLinkDefinition: MachineDefinition<MagicLinkTypes> = {
  name: 'magic-link',
  machine: magicLinkMachine,
  // 4 (issue 16): the user's status (input, and on `code.submit` with the resource asked for) is a
  // fact the machine judges.
  version: 4,
  effects: MAGIC_LINK_EFFECTS,
  logged: {
    'challenge.delivered': [],
    'challenge.undeliverable': ['reason', 'fault'],
    'delivery.due': [],
    'code.submit': ['requestId', 'session', 'userStatus', 'resource', 'allowedResources'],
    'challenge.superseded': [],
  },
  answers: magicLinkAnswers,
  context: contextSchema(MagicLinkContextShape),
  input: schemaCheck(MagicLinkStoredInputShape),
};

export type MagicLinkFlows = RegisteredMachine<MagicLinkTypes>;

export function createMagicLinkFlows(deps: { config: Pick<Config, 'publicUrl'>; hasher: SecretHasher; delivery: DeliveryDeps; provider: Provider }): MagicLinkFlows {
  const linkFor = (code: string): string => `${deps.config.publicUrl}${MAGIC_LINK_PATH}?token=${encodeURIComponent(code)}`;
  /** The email of a send, as the send asked for it (the link only ever leaves sealed). */
  function render({ context, at, request, outputs }: EffectContext<MagicLinkTypes>): KeptMessage {
    const link = outputs.issueChallenge?.link;
    if (link === undefined || request.send === undefined) throw new Error('holdDelivery ran without issueChallenge');
    const { to, emailContent, fromName, primaryColor } = request.send;
    const message = renderMagicLinkEmail({ appName: request.app.name, link, expiresInMinutes: Math.max(1, Math.round((context.expiresAt - at) / 60_000)), content: emailContent, primaryColor });
    return { channel: 'email', email: { to, ...message, fromName: message.fromName ?? fromName } };
  }
  return {
    definition: magicLinkDefinition,
    store: flowStore(magicLinkDefinition, 'magic-link', deps.provider),
    handlers: {
      issueChallenge: {
        phase: 'inline',
        run() {
          const code = newSecret();
          return { patch: { secretHash: deps.hasher.hash(code) }, output: { link: linkFor(code) } };
        },
      },
      ...keptMessageHandlers<MagicLinkTypes>(deps.delivery, render),
      recordAuthentication: recordAuthenticationHandler<MagicLinkTypes>(),
    },
  };
}
