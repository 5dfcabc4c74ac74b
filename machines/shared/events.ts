// Event shapes shared by the flow machines. Every event carries `at` (ms since epoch), stamped
// by the runner from the injected clock: machines never read a clock themselves.

export interface Timed {
  readonly at: number;
}

/** The outcome of a delivery effect, fed back by the runner. */
export type DeliveryEvent =
  | ({ readonly type: 'challenge.delivered' } & Timed)
  | ({ readonly type: 'challenge.undeliverable'; readonly reason: string } & Timed);

/** Method names recorded in a session (amr values, keystate-server.md §5 item 9). */
export type AuthMethod = 'eml' | 'eotp' | 'sms' | 'totp' | 'otp' | 'pwd';
