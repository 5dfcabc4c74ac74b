import type { DeliveryFault } from '../../machines/shared/shapes.js';
import { DeliveryError } from './delivery-error.js';

// A delivery that failed is reported to its flow as `challenge.undeliverable` with whose fault it
// was; the flow's answers table turns that into Mosaic's error (the operator's fault is
// `external_provider_configuration_error`, an outage is worth retrying later).

function faultOf(error: DeliveryError): DeliveryFault {
  if (error.configuration) return 'configuration';
  return error.transient ? 'outage' : 'recipient';
}

/** The event a failed delivery reports, or rethrows what is not a delivery failure. */
export function undeliverable(error: unknown): { type: 'challenge.undeliverable'; reason: string; fault: DeliveryFault } {
  if (!(error instanceof DeliveryError)) throw error;
  return { type: 'challenge.undeliverable', reason: error.reason, fault: faultOf(error) };
}
