import { isDeepStrictEqual } from 'node:util';
import type { Chart, LoggedEvent } from './definition.js';
import { replay, replaySteps, stateOf } from './transitions.js';

// A flow's log replays it: its input and its logged events, through its machine, rebuild its
// state and context (effects are not performed: what they reported is in the log as events).

export interface Replayed {
  readonly stateValue: string;
  readonly context: unknown;
}

export function replayLog(definition: Pick<Chart, 'machine'>, input: unknown, events: readonly LoggedEvent[]): Replayed {
  const snapshot = replay(definition.machine, input, events);
  return { stateValue: stateOf(snapshot), context: snapshot.context };
}

/** Whether the replay arrives where the instance is stored (contexts compared as stored: JSON). */
export function replayMatches(replayed: Replayed, stored: { stateValue: string; context: unknown }): boolean {
  return replayed.stateValue === stored.stateValue && isDeepStrictEqual(JSON.parse(JSON.stringify(replayed.context)), JSON.parse(JSON.stringify(stored.context)));
}

export interface ReplayedStep extends Replayed {
  readonly seq: number;
  readonly type: string;
  readonly at: number;
}

/** Where the instance stood after each event of its log, replayed through its machine (the
 * visualizer steps through these). */
export function replayLogSteps(definition: Pick<Chart, 'machine'>, input: unknown, events: readonly LoggedEvent[]): ReplayedStep[] {
  // One snapshot per logged event, in the log's order.
  const snapshots = replaySteps(definition.machine, input, events);
  return events.flatMap((event, index) => {
    const snapshot = snapshots[index];
    return snapshot === undefined ? [] : [{ seq: event.seq, type: event.type, at: event.at, stateValue: stateOf(snapshot), context: snapshot.context }];
  });
}
