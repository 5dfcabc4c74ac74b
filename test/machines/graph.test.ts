import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { toDirectedGraph } from 'xstate/graph';
import { ALL_MACHINES } from '../../machines/index.js';

// Every statechart's shape (states, transitions and the effects entered), pinned as a file next
// to this test: a machine change shows up in review as a graph diff (what the visualizer draws).

interface Node {
  id: string;
  children: Node[];
  edges: { source: { id: string }; target: { id: string }; transition: { eventType: string; guard?: unknown; actions?: readonly unknown[] } }[];
}

function describeGraph(node: Node): string[] {
  const lines: string[] = [];
  for (const edge of node.edges) {
    const { guard: raw } = edge.transition;
    const name = typeof raw === 'string' ? raw : (raw as { type?: string } | undefined)?.type;
    const guard = name ? ` [${name}]` : '';
    const actions = (edge.transition.actions ?? []).map((action) => (typeof action === 'string' ? action : ((action as { type?: string }).type ?? 'inline')));
    const effects = actions.length === 0 ? '' : ` / ${actions.join(', ')}`;
    lines.push(`${edge.source.id} --${edge.transition.eventType || '(always)'}${guard}${effects}--> ${edge.target.id}`);
  }
  for (const child of node.children) lines.push(...describeGraph(child));
  return lines;
}

type StateNode = AnyStateMachine['root'];
const allStates = (node: StateNode): StateNode[] => Object.values(node.states).flatMap((child) => [child, ...allStates(child)]);

describe('statechart graphs', () => {
  for (const [name, machine] of Object.entries(ALL_MACHINES)) {
    it(`${name} has the pinned shape`, async () => {
      const graph = toDirectedGraph(machine) as unknown as Node;
      // Every state node, nested ones included ("pending.verifying").
      const nodes = allStates(machine.root);
      const entries = nodes.map((node) => {
        const entry = node.entry.map((action) => (typeof action === 'string' ? action : ((action as { type?: string }).type ?? 'inline')));
        return `${node.path.join('.')}${node.type === 'final' ? ' (final)' : ''}: entry [${entry.join(', ')}]`;
      });
      // Eventless (`always`) transitions are not edges of the directed graph: list them too.
      const eventless = nodes.flatMap((node) =>
        (node.always ?? []).map((transition) => {
          const guard = typeof transition.guard === 'string' ? ` [${transition.guard}]` : '';
          return `${node.id} --(always)${guard}--> ${transition.target?.map((target) => target.id).join(',') ?? node.id}`;
        }),
      );
      await expect([`# ${name}`, ...entries, '', ...describeGraph(graph), ...eventless, ''].join('\n')).toMatchFileSnapshot(`./__graphs__/${name}.txt`);
    });
  }
});
