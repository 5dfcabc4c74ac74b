import { schemaCheck } from '../../corrupt-row.js';
import { contextSchema } from '../../engine/stored-context.js';
import { randomInt } from 'node:crypto';
import { OTP_EFFECTS, type OtpEffects, type OtpEvent, otpMachine } from '../../../machines/otp.machine.js';
import { type OtpContext, type OtpInput, OtpContextShape, OtpStoredInputShape } from '../../../machines/otp.context.js';
import { otpAnswers, type OtpState } from '../../../machines/otp.answers.js';
import { type DeliveryDeps, type KeptMessage, type KeptMessageRequest, keptMessageHandlers } from '../../delivery/kept-messages.js';
import type { EmailContent } from '../../delivery/templates/magic-link-email.js';
import { renderOtpEmail } from '../../delivery/templates/otp-email.js';
import { renderOtpSms } from '../../delivery/templates/otp-sms.js';
import type { EffectContext, MachineDefinition, RegisteredMachine } from '../../engine/definition.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import type { Provider } from '../../storage/database-url.js';
import { flowStore, type FlowTypes } from '../../repositories/flow-repository.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import { type AuthenticationRequest, type LoginVerdict, recordAuthenticationHandler } from '../session/post-login.js';

// The passcode flow as the runner runs it: its definition, store and effect handlers.

/** Request data the send step needs and the machine does not reason about. */
interface OtpSendRequest {
  /** The address or number the code goes to (none for direct). */
  readonly to: string | null;
  readonly emailContent: EmailContent | null;
  readonly primaryColor: string | null;
  readonly sms: { readonly customMessage: string | null; readonly senderId: string | null };
}

interface OtpRequest extends KeptMessageRequest {
  readonly app: AppRecord;
  readonly send?: OtpSendRequest;
  readonly authentication?: AuthenticationRequest;
  /** The code the authenticate call submitted: only `comparePasscode` sees it. */
  readonly passcode?: string;
}

export interface OtpTypes extends FlowTypes {
  readonly input: OtpInput;
  readonly context: OtpContext;
  readonly event: OtpEvent;
  readonly effects: OtpEffects;
  readonly state: OtpState;
  readonly request: OtpRequest;
  readonly outputs: {
    /** The plaintext code: it lives only in this request, for the message (or the direct answer). */
    readonly issueChallenge: { readonly code: string };
    readonly holdDelivery: KeptMessage;
    readonly recordAuthentication: LoginVerdict;
    /** Until when the user is to be locked out of passcodes for the app. */
    readonly lockIdentifier: { readonly until: number };
  };
}

export const otpDefinition: MachineDefinition<OtpTypes> = {
  name: 'otp',
  machine: otpMachine,
  // 5 (issue 16): the user's status, the replaced code and the resource asked for are facts the
  // machine judges (input `userStatus`, `replaced`; `code.submit` carries status and resource).
  version: 5,
  effects: OTP_EFFECTS,
  logged: {
    'challenge.delivered': [],
    'challenge.undeliverable': ['reason', 'fault'],
    'delivery.due': [],
    'code.submit': ['subject', 'requestId', 'lockedOutUntil', 'session', 'userStatus', 'resource', 'allowedResources'],
    'code.accepted': [],
    'code.rejected': [],
    'challenge.superseded': [],
  },
  answers: otpAnswers,
  context: contextSchema(OtpContextShape),
  input: schemaCheck(OtpStoredInputShape),
};

export type OtpFlows = RegisteredMachine<OtpTypes>;

/** A passcode of `length` digits, each drawn uniformly by the CSPRNG (no modulo bias). */
function generatePasscode(length: number): string {
  return randomInt(0, 10 ** length)
    .toString()
    .padStart(length, '0');
}

/** Passcodes are few digits: the HMAC binds them to their flow, so equal codes of two users never
 * collide and a stored hash reveals nothing without the key. */
const passcodeHashInput = (flowId: string, code: string): string => `${flowId}:${code}`;

export function createOtpFlows(deps: { hasher: SecretHasher; delivery: DeliveryDeps; provider: Provider }): OtpFlows {
  const { hasher } = deps;

  /** The passcode message of a send, as the send asked for it (the code only ever leaves sealed). */
  function render({ context, at, request, outputs }: EffectContext<OtpTypes>): KeptMessage {
    const code = outputs.issueChallenge?.code;
    if (code === undefined || request.send === undefined) throw new Error('holdDelivery ran without issueChallenge');
    const { app, send } = request;
    const to = send.to ?? '';
    if (context.channel === 'sms') return { channel: 'sms', sms: { to, body: renderOtpSms({ appName: app.name, code, customMessage: send.sms.customMessage }), senderId: send.sms.senderId } };
    const expiresInMinutes = Math.max(1, Math.round((context.expiresAt - at) / 60_000));
    const message = renderOtpEmail({ appName: app.name, code, expiresInMinutes, content: send.emailContent, primaryColor: send.primaryColor });
    return { channel: 'email', email: { to, ...message, fromName: message.fromName ?? app.name } };
  }

  return {
    definition: otpDefinition,
    store: flowStore(otpDefinition, 'otp', deps.provider),
    handlers: {
      issueChallenge: {
        phase: 'inline',
        run(_params, { instanceId, context }) {
          const code = generatePasscode(context.codeLength);
          return { patch: { secretHash: hasher.hash(passcodeHashInput(instanceId, code)) }, output: { code } };
        },
      },
      ...keptMessageHandlers<OtpTypes>(deps.delivery, render),
      comparePasscode: {
        phase: 'inline',
        run(_params, { instanceId, row, request }) {
          // The attempt was counted by the transition into `verifying`, and that count is in the
          // same version-checked write as this comparison's verdict: a verdict is only ever answered
          // once the write that counted it committed (a step that lost its race answers nothing and
          // runs again on the fresh count), so no burst of guesses learns more than allowed.
          const matches = row?.secretHash != null && request.passcode !== undefined && hasher.matches(passcodeHashInput(instanceId, request.passcode), row.secretHash);
          return { event: { type: matches ? 'code.accepted' : 'code.rejected' } };
        },
      },
      lockIdentifier: {
        phase: 'inline',
        // The use case sends `lock` to the user's passcode lock (./lock.ts), written with this step.
        run: ({ until }) => ({ output: { until } }),
      },
      recordAuthentication: recordAuthenticationHandler<OtpTypes>(),
    },
  };
}
