// The one error every sender (email, SMS) throws. It carries only a short reason and the
// provider's numeric codes: never the provider's message text (it may echo the recipient), never
// the message body, never credentials. Callers decide from two flags:
// - transient: the same message may go through later (outage, timeout, 4xx SMTP, HTTP 429/5xx);
// - configuration: the operator's fault (bad credentials, bad sender, misconfigured provider),
//   which the API reports as Mosaic's `external_provider_configuration_error`. A recipient's
//   fault (invalid number, rejected address) is neither transient nor configuration.

/** Short, non-secret reasons a delivery failed; safe to log and to put in error details. */
export type DeliveryFailureReason =
  | 'invalid_recipient'
  | 'sender_closed'
  | 'smtp_auth_failed'
  | 'smtp_unreachable'
  | 'smtp_timeout'
  | 'smtp_tls_failed'
  | 'smtp_unavailable'
  | 'smtp_rejected_sender'
  | 'smtp_rejected_recipient'
  | 'smtp_rejected_message'
  | 'smtp_temporary_failure'
  | 'smtp_misconfigured'
  | 'smtp_not_configured'
  | 'smtp_failed'
  | 'sms_auth_failed'
  | 'sms_invalid_number'
  | 'sms_invalid_sender_id'
  | 'sms_rejected'
  | 'sms_unavailable'
  | 'sms_timeout'
  | 'sms_unreachable'
  | 'sms_tls_failed'
  | 'sms_misconfigured'
  | 'sms_not_configured'
  | 'sms_failed';

/**
 * Reasons that, when not transient, are the operator's fault. Derived from the reason so every
 * sender classifies alike; a transient auth failure (SMTP 454) is an outage, not configuration.
 */
const CONFIGURATION_REASONS: ReadonlySet<DeliveryFailureReason> = new Set<DeliveryFailureReason>([
  'smtp_auth_failed',
  'smtp_tls_failed',
  'smtp_rejected_sender',
  'smtp_misconfigured',
  'smtp_not_configured',
  'sms_auth_failed',
  'sms_tls_failed',
  'sms_misconfigured',
  'sms_not_configured',
]);

export interface DeliveryErrorCodes {
  /** The provider's own error code (Twilio's `code`, e.g. 21211), when it sent one. */
  readonly providerCode?: number | null;
  /** The provider's HTTP status, for HTTP providers. */
  readonly httpStatus?: number | null;
}

export class DeliveryError extends Error {
  /** true: the same message may go through later (connection trouble, 4xx SMTP, HTTP 429/5xx).
   * false: a configuration or permanent fault (bad credentials, rejection, invalid recipient). */
  readonly transient: boolean;
  /** true: the operator's fault (credentials, sender, provider setup), not the recipient's. */
  readonly configuration: boolean;
  readonly reason: DeliveryFailureReason;
  /** The SMTP reply code, when the failure came with one. */
  readonly smtpCode: number | null;
  readonly providerCode: number | null;
  readonly httpStatus: number | null;

  constructor(reason: DeliveryFailureReason, transient: boolean, smtpCode: number | null = null, codes: DeliveryErrorCodes = {}) {
    const providerCode = codes.providerCode ?? null;
    const httpStatus = codes.httpStatus ?? null;
    super(`${reason.startsWith('sms_') ? 'SMS' : 'Email'} delivery failed: ${reason}${describeCodes(smtpCode, httpStatus, providerCode)}`);
    this.name = 'DeliveryError';
    this.reason = reason;
    this.transient = transient;
    this.configuration = !transient && CONFIGURATION_REASONS.has(reason);
    this.smtpCode = smtpCode;
    this.providerCode = providerCode;
    this.httpStatus = httpStatus;
  }
}

function describeCodes(smtpCode: number | null, httpStatus: number | null, providerCode: number | null): string {
  const parts: string[] = [];
  if (smtpCode !== null) parts.push(`SMTP ${smtpCode}`);
  if (httpStatus !== null) parts.push(`HTTP ${httpStatus}`);
  if (providerCode !== null) parts.push(`code ${providerCode}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}
