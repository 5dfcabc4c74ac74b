import type { DeliveryFault } from './shapes.js';

// Event shapes shared by the machines. Every event carries `at` (ms since epoch), stamped by the
// runner from the injected clock: machines never read a clock themselves.

export interface Timed {
  readonly at: number;
}

/** The outcome of a delivery effect, fed back by the runner. */
export type DeliveryEvent = ({ readonly type: 'challenge.delivered' } & Timed) | ({ readonly type: 'challenge.undeliverable'; readonly reason: string; readonly fault: DeliveryFault } & Timed);

/** The session an authentication names (MFA step-up), as the session machine judged it before the
 * flow was asked: it can take this factor, or it cannot (unknown, of another tenant or user, expired
 * or ended); null when the authentication names no session. */
export type NamedSessionVerdict = 'usable' | 'refused' | null;

/** Method names recorded in a session (amr values, keystate-server.md §5 item 9). */
export type AuthMethod = 'eml' | 'eotp' | 'sms' | 'totp' | 'otp' | 'pwd' | 'webauthn';
