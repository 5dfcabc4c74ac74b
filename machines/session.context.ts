import { type Static, Type } from 'typebox';
import { Millis, type Frozen } from './shared/shapes.js';

// What a session is opened with, and what it keeps, as schemas: the machine's types are derived
// from them, and a session's stored context is checked against them before the machine sees it
// (src/engine/stored-context.ts).

export const SessionInputShape = Type.Object({
  tenantId: Type.String(),
  userId: Type.String(),
  method: Type.String(),
  at: Millis,
  ttlMs: Type.Number(),
});
export type SessionInput = Frozen<Static<typeof SessionInputShape>>;

export const SessionContextShape = Type.Object({
  tenantId: Type.String(),
  userId: Type.String(),
  /** Distinct methods, in the order first used. */
  methods: Type.Array(Type.String()),
  /** Latest interactive authentication (the ID token's auth_time). */
  authTime: Millis,
  expiresAt: Millis,
  ttlMs: Type.Number(),
  /** Whether the session met the policy of the app of the latest silent authentication. */
  stepUpRequired: Type.Boolean(),
});
export type SessionContext = Frozen<Static<typeof SessionContextShape>>;
