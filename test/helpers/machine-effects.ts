/** The effects a transition named (type and params), without XState's own built-in actions. */
export const effectsOf = (actions: readonly { type: string; params?: unknown }[]) =>
  actions.filter((action) => !action.type.startsWith('xstate.')).map((action) => ({ type: action.type, params: action.params }));
