import { DeliveryError } from '../delivery/delivery-error.js';
import { AuthError } from '../errors.js';

// A delivery effect that could not send leaves its DeliveryError under this output; the use case
// answers from it: the operator's fault (a provider missing or misconfigured) is Mosaic's
// `external_provider_configuration_error`, a refused recipient is bad input, anything else an
// outage to retry later.

export const DELIVERY_FAILURE = 'delivery.failure';

export function deliveryFailureError(outputs: ReadonlyMap<string, unknown>, flow: 'otp' | 'magic-link'): AuthError {
  const failure = outputs.get(DELIVERY_FAILURE);
  const error = failure instanceof DeliveryError ? failure : null;
  const details = { reason: error?.reason ?? 'unknown' };
  if (error?.configuration) return new AuthError(flow === 'otp' ? 'OTP_PROVIDER_CONFIGURATION' : 'MAGIC_LINK_PROVIDER_CONFIGURATION', { details });
  if (flow === 'magic-link') return new AuthError('DELIVERY_UNAVAILABLE', { details });
  if (error !== null && !error.transient) return new AuthError('OTP_RECIPIENT_REJECTED', { details });
  return new AuthError('OTP_PROVIDER_UNAVAILABLE', { details });
}
