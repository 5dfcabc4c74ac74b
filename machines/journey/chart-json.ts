// The compiled form of a journey (compile.ts) as the JSON it is stored as: states, transitions, and
// the runtime's guards and actions named with their params (runtime.ts). No function, no class:
// what is written to the database is exactly what rebuilds the machine.

import type { Condition } from './document.js';
import type { OptionParams } from './runtime.js';

/** A guard as the config names it: a runtime implementation (runtime.ts) and its params. */
export type GuardJson =
  | 'isExpired'
  | { readonly type: 'fact'; readonly params: { readonly when: Condition } }
  | { readonly type: 'offered'; readonly params: { readonly step: string; readonly option: string; readonly when?: Condition } }
  | { readonly type: 'offersOnly'; readonly params: { readonly option: string; readonly options: readonly OptionParams[] } }
  | { readonly type: 'offersNone'; readonly params: { readonly options: readonly OptionParams[] } }
  | { readonly type: 'isStep'; readonly params: { readonly step: string } }
  | { readonly type: 'isOtherUser'; readonly params: { readonly step: string } }
  | { readonly type: 'visitsLeft'; readonly params: { readonly step: string; readonly max: number } };

/** An action as the config names it. */
type ActionJson = 'recordProof' | 'keepFlow' | 'keepRefusal' | { readonly type: 'countVisit'; readonly params: { readonly step: string } };
export interface TransitionJson {
  readonly target?: string;
  readonly guard?: GuardJson;
  readonly actions?: ActionJson;
  readonly reenter?: boolean;
}
export interface StateJson {
  readonly initial?: string;
  readonly entry?: readonly ActionJson[];
  readonly always?: readonly TransitionJson[];
  readonly on?: Readonly<Record<string, readonly TransitionJson[] | TransitionJson | string>>;
  readonly states?: Readonly<Record<string, StateJson>>;
}
