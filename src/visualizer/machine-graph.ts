import type { AnyStateMachine } from 'xstate';
import type { Answer } from '../../machines/shared/answers.js';
import type { Chart } from '../engine/definition.js';
import { leafStates } from '../engine/effect-check.js';
import { fieldOf } from '../fields.js';

// A statechart as nodes and edges, read from the machine definition itself (the same object the
// runner runs): change a machine and its picture changes. What the visualizer lays out and draws,
// and what `GET /visualizer/machines/{name}.json` exports.

export interface GraphNode {
  /** Dotted path from the root ("pending.verifying"). */
  readonly id: string;
  /** The state's own name ("verifying"). */
  readonly key: string;
  readonly parent: string | null;
  readonly kind: 'atomic' | 'compound' | 'final';
  /** The child a compound state starts in. */
  readonly initial: string | null;
  /** Passed through at once by an unguarded eventless transition: never where an instance rests. */
  readonly transient: boolean;
  /** Actions performed on entry: effects (the runner performs them) and context updates. */
  readonly entry: readonly string[];
  /** What a request that ends here answers (resting states only); null for compound and transient states. */
  readonly answer: AnswerLabel | null;
}

type AnswerLabel = { readonly kind: 'ok' } | { readonly kind: 'refused'; readonly error: string } | { readonly kind: 'depends' };

export interface GraphEdge {
  readonly id: string;
  readonly source: string;
  /** Where the transition leads; the source itself for a transition without a target. */
  readonly target: string;
  /** The event type; "always" for an eventless transition. */
  readonly event: string;
  readonly guard: string | null;
  readonly actions: readonly string[];
}

export interface MachineGraph {
  readonly name: string;
  readonly version: number;
  /** The top-level state an instance starts in. */
  readonly initial: string;
  /** The actions the runner performs (the rest are context updates inside the machine). */
  readonly effects: readonly string[];
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

type StateNode = AnyStateMachine['root'];

const descendants = (node: StateNode): StateNode[] => Object.values(node.states).flatMap((child) => [child, ...descendants(child)]);
const pathOf = (node: StateNode) => node.path.join('.');

/** The name of an action as the chart refers to it; inline context updates read "assign". */
function actionName(action: unknown): string {
  const type = typeof action === 'string' ? action : fieldOf(action, 'type');
  if (typeof type !== 'string') return 'inline';
  return type === 'xstate.assign' ? 'assign' : type;
}

function guardName(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  const type = fieldOf(guard, 'type');
  return typeof type === 'string' ? type : 'inline';
}

function answerLabel(answer: Answer | ((context: never) => Answer) | undefined): AnswerLabel | null {
  if (answer === undefined) return null;
  if (typeof answer === 'function') return { kind: 'depends' };
  return answer.kind === 'ok' ? { kind: 'ok' } : { kind: 'refused', error: answer.error };
}

export function machineGraph(definition: Chart): MachineGraph {
  const machine = definition.machine;
  const resting = new Set(leafStates(machine));
  const answers = definition.answers;
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (const node of descendants(machine.root)) {
    const id = pathOf(node);
    const hasChildren = Object.keys(node.states).length > 0;
    const transient = !hasChildren && !resting.has(id);
    const initialChild = hasChildren ? node.initial?.target[0] : undefined;
    nodes.push({
      id,
      key: node.key,
      parent: node.parent === undefined || node.parent === machine.root ? null : pathOf(node.parent),
      kind: node.type === 'final' ? 'final' : hasChildren ? 'compound' : 'atomic',
      initial: initialChild === undefined ? null : pathOf(initialChild),
      transient,
      entry: node.entry.map(actionName),
      answer: hasChildren || transient ? null : answerLabel(Object.hasOwn(answers, id) ? answers[id] : undefined),
    });
    const outgoing = [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
    for (const transition of outgoing) {
      const targets = transition.target ?? [node];
      for (const target of targets) {
        edges.push({
          id: `${id}:${edges.length}`,
          source: id,
          target: pathOf(target),
          event: transition.eventType === '' ? 'always' : transition.eventType,
          guard: guardName(transition.guard),
          actions: (transition.actions ?? []).map(actionName),
        });
      }
    }
  }
  const initial = machine.root.initial?.target[0];
  return { name: definition.name, version: definition.version, initial: initial === undefined ? '' : pathOf(initial), effects: [...definition.effects], nodes, edges };
}
