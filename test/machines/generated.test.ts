import { afterAll, describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import type { Instance, MachineRegistration, MachineTypes, RegisteredMachine } from '../../src/engine/definition.js';
import type { InstanceStore } from '../../src/engine/instance-store.js';
import { createMachines } from '../../src/engine/machines.js';
import { createRunner } from '../../src/engine/runner.js';
import { apply, restore, start, stateOf } from '../../src/engine/transitions.js';
import type { Storage } from '../../src/storage/prisma.js';
import { type ChartCoverage, walkChart } from '../helpers/chart-walk.js';
import { manualClock } from '../helpers/clock.js';
import { MACHINE_SAMPLES, SAMPLE_T0, type SampleEvent } from '../../src/visualizer/samples.js';

// Issue 8 §5: tests generated from the charts. Each machine is walked breadth first from sample
// inputs with sample events until every state and every transition of its chart is reached (the
// suite prints a coverage line per machine, and requires 100 %). Then each walk is run through the
// runner itself, with recording effect handlers and an in-memory store: at every step the effects
// the runner performed must be exactly those the machine's transition declared, in order, with
// their params, and the state reached must be the chart's.

const T0 = SAMPLE_T0;

// Built only to read each machine's registration (its handlers' phases); nothing here runs them.
const stub = {} as never;
const machines = createMachines({ config: { publicUrl: 'http://keystate.test' }, hasher: stub, passwordHasher: stub, decoys: stub, tokens: stub, delivery: stub, provider: 'sqlite' });

interface Sample {
  readonly registered: MachineRegistration;
  readonly inputs: readonly unknown[];
  readonly events: readonly SampleEvent[];
}

// The samples the simulator offers (src/visualizer/samples.ts), for every registered machine.
const SAMPLES: Readonly<Record<string, Sample>> = Object.fromEntries(
  machines.all.map((registered) => {
    const samples = MACHINE_SAMPLES.get(registered.definition.name);
    if (samples === undefined) throw new Error(`no samples for ${registered.definition.name}`);
    return [registered.definition.name, { registered, ...samples }];
  }),
);

/** An in-memory store and recording handlers (with the real handlers' phases) for one machine. */
function recording(registered: MachineRegistration) {
  const instances = new Map<string, Instance<MachineTypes>>();
  const performed: { type: string; params: unknown }[] = [];
  // Every context the machine keeps fits its schema (machines/<name>.context.ts): what a row stores
  // is what the repositories' check lets through.
  const fits = (context: object) => expect(registered.definition.context.problems(context), `${registered.definition.name} context`).toEqual([]);
  const store: InstanceStore<MachineTypes> = {
    async insert(_tx, created) {
      fits(created.context);
      expect(registered.definition.input.problems(created.input), `${registered.definition.name} input`).toEqual([]);
      instances.set(created.id, {
        id: created.id,
        machineVersion: created.machineVersion,
        version: created.events.length,
        stateValue: created.stateValue,
        context: created.context,
        row: { events: created.events },
      });
    },
    async update(_tx, instance, next) {
      fits(next.context);
      const current = instances.get(instance.id);
      if (current === undefined || current.version !== instance.version) return false;
      instances.set(instance.id, { ...current, version: current.version + next.events.length, stateValue: next.stateValue, context: next.context });
      return true;
    },
    reload: async (_read, id) => instances.get(id) ?? null,
  };
  const handlers = Object.fromEntries(Object.entries(registered.handlers).map(([type, handler]) => [type, { phase: handler.phase, run: (params: unknown) => void performed.push({ type, params }) }]));
  // The registration as the runner takes it back (its definition is the full one: machines.all erased only its type).
  const machine = { definition: registered.definition, store, handlers } as unknown as RegisteredMachine<MachineTypes>;
  return { machine, instances, performed };
}

const memoryStorage = { db: { $transaction: (work: (tx: never) => Promise<unknown>) => work({} as never) }, provider: 'sqlite' } as unknown as Storage;
const coverage: string[] = [];

afterAll(() => {
  // The per-machine coverage lines the issue asks the suite to print.
  console.log(`\nchart coverage (states and transitions reached / total):\n${coverage.join('\n')}`);
});

describe('tests generated from the charts', () => {
  for (const [name, sample] of Object.entries(SAMPLES)) {
    const machine: AnyStateMachine = sample.registered.definition.machine;
    let walked: ChartCoverage;

    it(`${name}: the walk reaches every state and every transition of the chart`, () => {
      walked = walkChart(machine, sample.inputs, sample.events);
      coverage.push(
        `  ${name.padEnd(15)} states ${walked.states.reached}/${walked.states.total}, transitions ${walked.transitions.reached}/${walked.transitions.total} (${Math.round((100 * walked.transitions.reached) / walked.transitions.total)} %)`,
      );
      expect(walked.states.missing).toEqual([]);
      expect(walked.transitions.missing).toEqual([]);
    });

    it(`${name}: run through the runner, every step performs exactly the effects its transition declared`, async () => {
      const clock = manualClock(T0);
      const { machine: registered, instances, performed } = recording(sample.registered);
      const runner = createRunner({ storage: memoryStorage, clock });
      const request = { app: { id: 'app-1' } };
      for (const walk of walked.walks) {
        performed.length = 0;
        const id = `instance-${instances.size}`;
        const initial = start(machine, walk.input);
        clock.set(T0);
        await runner.transaction((steps) => steps.start(registered, { id, appId: 'app-1', input: walk.input as never, create: {}, request: request as never }));
        expect(performed, `${name} start`).toEqual(initial.effects);
        for (const step of walk.steps) {
          const before = instances.get(id);
          if (before === undefined) throw new Error('lost the instance');
          const expected = apply(machine, restore(machine, before.stateValue, before.context), step.event);
          performed.length = 0;
          clock.set(step.event.at);
          const { type, at: _at, ...fields } = step.event;
          const result = await runner.transaction((steps) => steps.send(registered, before, { type, ...fields } as never, request as never));
          expect(result.state, `${name}: ${step.from} --${type}-->`).toBe(step.to);
          expect(stateOf(expected.snapshot)).toBe(step.to);
          expect(performed, `${name}: effects of ${step.from} --${type}--> ${step.to}`).toEqual(expected.effects);
        }
      }
    });
  }
});
