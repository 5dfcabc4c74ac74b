// What every SMS sender takes and checks, apart from any provider: the dev outbox uses it without
// loading the Twilio client (src/delivery/senders.ts loads that only when Twilio is configured).

import { DeliveryError } from './delivery-error.js';

export interface SmsMessage {
  /** E.164, e.g. `+447700900123`. */
  readonly to: string;
  readonly body: string;
  /** Alphanumeric sender (≤ 11 characters, custom_sms_input.sender_id); replaces TWILIO_FROM. */
  readonly senderId?: string | null;
}

export interface SmsSender {
  readonly kind: 'twilio' | 'outbox' | 'unconfigured';
  send(message: SmsMessage): Promise<void>;
  close(): Promise<void>;
}

/** A bare E.164 number or DeliveryError 'sms_invalid_number' (checked before anything is sent). */
export function checkPhoneNumber(to: string): string {
  if (!/^\+[1-9]\d{6,14}$/.test(to)) throw new DeliveryError('sms_invalid_number', false);
  return to;
}

/**
 * A sender ID by Twilio's alphanumeric sender rules (≤ 11 of letters, digits and spaces, at least
 * one letter), null when none is given, or DeliveryError 'sms_invalid_sender_id'.
 */
export function checkSenderId(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const senderId = value.trim();
  if (!/^[A-Za-z0-9 ]{1,11}$/.test(senderId) || !/[A-Za-z]/.test(senderId)) {
    throw new DeliveryError('sms_invalid_sender_id', false);
  }
  return senderId;
}
