import { type Static, Type } from 'typebox';

// The parts of machine contexts several machines share, as schemas: each machine's context schema
// (machines/<name>.context.ts) is built from them, and its type is derived from it, so the shape a
// machine reasons about and the shape a stored row is checked against are one declaration.
// Schemas are data: they do no I/O and read no clock, as everything under machines/.

/** A schema's type as machines read it: nothing of it is ever changed in place (a context changes
 * only by a transition's assign, which makes a new one). */
export type Frozen<T> = T extends readonly (infer U)[] ? readonly Frozen<U>[] : T extends object ? { readonly [K in keyof T]: Frozen<T[K]> } : T;

/** The user's status as stored (mirrors the `User.status` column; machines import nothing of src/). */
export const UserStatusShape = Type.Union([Type.Literal('Pending'), Type.Literal('Active'), Type.Literal('Disabled')]);
export type UserStatus = Static<typeof UserStatusShape>;

/** Whose fault an undelivered message was: the operator's (provider missing or misconfigured), the
 * recipient's (a refused address or number), or nobody's yet (an outage worth retrying later). */
const DeliveryFaultShape = Type.Union([Type.Literal('configuration'), Type.Literal('recipient'), Type.Literal('outage')]);
export type DeliveryFault = Static<typeof DeliveryFaultShape>;

/** A time, ms since the epoch (every time a context keeps). */
export const Millis = Type.Number();
/** A time, or none. */
export const MaybeMillis = Type.Union([Millis, Type.Null()]);

/** In a sending flow's input: the waits before each retry (their number is the number of retries). */
export const DeliveryInputShape = Type.Object({ retryDelaysMs: Type.Array(Type.Number()) });

/** In a sending flow's context: the attempts that failed so far, when the message was delivered,
 * and why its latest attempt failed. */
export const DeliveryProgressShape = Type.Object({ deliveryAttempts: Type.Number(), deliveredAt: MaybeMillis, deliveryFault: Type.Union([DeliveryFaultShape, Type.Null()]) });
