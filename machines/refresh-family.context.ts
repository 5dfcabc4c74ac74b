import { type Static, Type } from 'typebox';
import { Millis, type Frozen } from './shared/shapes.js';

// What a refresh-token family is minted with, and what it keeps, as schemas: the machine's types
// are derived from them, and a family's stored context is checked against them before the machine
// sees it (src/engine/stored-context.ts).

export const RefreshFamilyInputShape = Type.Object({ expiresAt: Millis });
export type RefreshFamilyInput = Frozen<Static<typeof RefreshFamilyInputShape>>;

export const RefreshFamilyContextShape = Type.Object({
  ...RefreshFamilyInputShape.properties,
  /** The generation of the current token: 0 for the token the login minted. */
  generation: Type.Number(),
});
export type RefreshFamilyContext = Frozen<Static<typeof RefreshFamilyContextShape>>;
