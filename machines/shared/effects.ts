// Effects are actions a machine names but does not perform: the runner (src/engine/runner.ts)
// performs them, by name, with the params the machine gives. Declaring them through this helper
// keeps the list of names in one place per machine, so the server can check at start that a
// handler exists for every one of them (a missing handler stops the start).

/** An effect's declared implementation: nothing (the machine stays pure). */
type Declared<P> = (_: unknown, params: P) => void;

export type DeclaredEffects<TParams extends Record<string, unknown>> = { readonly [K in keyof TParams]: Declared<TParams[K]> };

export function declareEffects<TParams extends Record<string, unknown>>(names: readonly (keyof TParams & string)[]): DeclaredEffects<TParams> {
  // The one assertion: a record built from a list of names cannot be typed per name (every entry
  // is the same empty function, whatever its params).
  const declared: Readonly<Record<string, Declared<never>>> = Object.fromEntries(names.map((name) => [name, () => {}]));
  return declared as DeclaredEffects<TParams>;
}

/** Effects without params declare `undefined`. */
export type NoParams = undefined;
