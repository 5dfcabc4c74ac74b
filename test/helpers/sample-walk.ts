import type { TSchema } from 'typebox';
import type { AnyStateMachine } from 'xstate';
import { expect } from 'vitest';
import { schemaCheck } from '../../src/corrupt-row.js';
import { contextSchema } from '../../src/engine/stored-context.js';
import { apply, start } from '../../src/engine/transitions.js';
import { walkChart } from './chart-walk.js';

// For a machine not yet registered (the generated walk covers the registered ones): its samples
// must walk every state and every transition, every input and context reached must fit the schemas
// its rows are checked against, and the effects the chart names must be exactly those it declares
// (what the start-time check will hold its handlers to).

export function expectSamplesWalkTheChart(
  machine: AnyStateMachine,
  samples: { readonly inputs: readonly unknown[]; readonly events: Parameters<typeof walkChart>[2] },
  shapes: { readonly context: TSchema; readonly input: TSchema; readonly effects: readonly string[] },
): void {
  const walked = walkChart(machine, samples.inputs, samples.events);
  expect(walked.states.missing).toEqual([]);
  expect(walked.transitions.missing).toEqual([]);
  const context = contextSchema(shapes.context);
  const inputs = schemaCheck(shapes.input);
  const named = new Set<string>();
  for (const walk of walked.walks) {
    expect(inputs.problems(walk.input)).toEqual([]);
    let applied = start(machine, walk.input);
    expect(context.problems(applied.snapshot.context)).toEqual([]);
    for (const { event } of walk.steps) {
      applied = apply(machine, applied.snapshot, event);
      expect(context.problems(applied.snapshot.context)).toEqual([]);
      for (const effect of applied.effects) named.add(effect.type);
    }
  }
  expect([...named].sort()).toEqual([...shapes.effects].sort());
}
