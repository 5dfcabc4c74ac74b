import { describe, expect, it } from 'vitest';
import { createMachines } from '../../src/engine/machines.js';
import { type MachineGraph, machineGraph } from '../../src/visualizer/machine-graph.js';
import { toMermaid } from '../../src/visualizer/mermaid.js';

// The graph the visualizer draws, extracted from each registered machine: every state of the chart
// is a node, every transition an edge; every state is reachable from the initial one, and every
// state that is not final accepts some event (no instance can be stranded where nothing moves it).

const stub = {} as never;
const machines = createMachines({ config: { publicUrl: 'http://keystate.test' }, hasher: stub, passwordHasher: stub, decoys: stub, tokens: stub, delivery: stub, provider: 'sqlite' });
const graphs = machines.all.map((machine) => machineGraph(machine.definition));

const ancestorsOf = (graph: MachineGraph, id: string): string[] => {
  const parent = graph.nodes.find((node) => node.id === id)?.parent ?? null;
  return parent === null ? [] : [parent, ...ancestorsOf(graph, parent)];
};

/** States an instance can be in, starting from the initial state and following every edge. */
function reachable(graph: MachineGraph): Set<string> {
  const seen = new Set<string>();
  const pending = [graph.initial];
  while (pending.length > 0) {
    const id = pending.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = graph.nodes.find((candidate) => candidate.id === id);
    if (node?.initial) pending.push(node.initial);
    // Being in a state means being in its ancestors: their transitions apply too.
    const active = [id, ...ancestorsOf(graph, id)];
    for (const edge of graph.edges) if (active.includes(edge.source)) pending.push(edge.target);
  }
  // A state is also reached when one of its children is.
  return new Set([...seen].flatMap((id) => [id, ...ancestorsOf(graph, id)]));
}

describe('machine graphs', () => {
  it('covers every registered machine', () => {
    expect(graphs.map((graph) => graph.name).sort()).toEqual(['magic-link', 'otp', 'passcode-lock', 'passkey', 'password', 'refresh-family', 'session', 'totp', 'webauthn']);
  });

  for (const graph of graphs) {
    describe(graph.name, () => {
      it('reaches every state from the initial one', () => {
        const unreached = graph.nodes.map((node) => node.id).filter((id) => !reachable(graph).has(id));
        expect(unreached).toEqual([]);
      });

      it('leaves no state that is not final without an event it accepts', () => {
        const stuck = graph.nodes.filter((node) => node.kind === 'atomic').filter((node) => !graph.edges.some((edge) => edge.source === node.id || ancestorsOf(graph, node.id).includes(edge.source)));
        expect(stuck.map((node) => node.id)).toEqual([]);
      });

      it('has well-formed nodes and edges: unique ids, parents and targets that exist, an answer for every resting state', () => {
        const ids = new Set(graph.nodes.map((node) => node.id));
        expect(ids.size).toBe(graph.nodes.length);
        expect(ids.has(graph.initial)).toBe(true);
        for (const node of graph.nodes) {
          if (node.parent !== null) expect(ids.has(node.parent)).toBe(true);
          if (node.kind === 'compound') expect(node.initial !== null && ids.has(node.initial)).toBe(true);
          expect(node.answer === null).toBe(node.kind === 'compound' || node.transient);
        }
        for (const edge of graph.edges) expect([ids.has(edge.source), ids.has(edge.target)]).toEqual([true, true]);
        expect(new Set(graph.edges.map((edge) => edge.id)).size).toBe(graph.edges.length);
      });

      it('exports as Mermaid stateDiagram-v2 with every state and every transition', () => {
        const text = toMermaid(graph);
        expect(text).toContain('stateDiagram-v2');
        for (const node of graph.nodes) expect(text).toContain(`state "${node.key}" as s_${node.id.replace(/\./g, '_')}`);
        expect(text.split('\n').filter((line) => / --> s_/.test(line) && line.includes(' : '))).toHaveLength(graph.edges.length);
      });
    });
  }

  it('labels edges with their event, guard and actions, and nodes with their entry effects and answers', () => {
    const otp = graphs.find((graph) => graph.name === 'otp') as MachineGraph;
    expect(otp.initial).toBe('checking');
    expect(otp.nodes.find((node) => node.id === 'checking')).toMatchObject({ transient: true, answer: null });
    expect(otp.edges.filter((edge) => edge.source === 'checking').map((edge) => [edge.event, edge.guard, edge.target])).toEqual([
      ['always', 'isUserDisabledAtSend', 'userDisabled'],
      ['always', 'isLockedOutAtSend', 'lockedOut'],
      ['always', 'isHandedToCaller', 'pending'],
      ['always', null, 'sending'],
    ]);
    expect(otp.nodes.find((node) => node.id === 'pending.verifying')).toMatchObject({ key: 'verifying', parent: 'pending', entry: ['countAttempt', 'comparePasscode'] });
    expect(otp.nodes.find((node) => node.id === 'pending.requestIdRefused')?.answer).toEqual({ kind: 'refused', error: 'REQUEST_ID_MISMATCH' });
    expect(otp.nodes.find((node) => node.id === 'pending.wrongCode')?.answer).toEqual({ kind: 'depends' });
    expect(otp.edges).toContainEqual(expect.objectContaining({ source: 'pending', event: 'code.submit', guard: 'isSessionRefused', target: 'pending.sessionRefused' }));
    expect(otp.effects).toContain('comparePasscode');
  });
});
