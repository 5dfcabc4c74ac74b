import { type AnyStateMachine, initialTransition } from 'xstate';
import { stateValueToString } from '../../machines/index.js';

// Request-scoped decisions (silent authentication, refresh, logout) are statecharts that settle in
// one step: their initial state's eventless transitions judge the facts given as input. This runs
// one and returns where it settled and the effects it named, for the caller to perform.

export interface Decision<TContext> {
  readonly state: string;
  readonly context: TContext;
  readonly effects: readonly string[];
}

export function decide<TContext>(machine: AnyStateMachine, input: unknown): Decision<TContext> {
  const [snapshot, actions] = initialTransition(machine, input);
  return {
    state: stateValueToString(snapshot.value),
    context: snapshot.context as TContext,
    effects: actions.map((action) => action.type).filter((type) => !type.startsWith('xstate.')),
  };
}
