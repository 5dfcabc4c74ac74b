import type { GraphEdge, GraphNode, MachineGraph } from './machine-graph.js';

// A machine graph as Mermaid `stateDiagram-v2` text (GET /visualizer/machines/{name}.mmd): nested
// states as composite states, `[*]` for initial states, each transition labelled with its event,
// guard and actions. Mermaid ids cannot hold dots, so each state gets an id from its path and
// shows its own name.

const mermaidId = (path: string) => `s_${path.replace(/[^A-Za-z0-9]/g, '_')}`;

/** Label text Mermaid cannot misread: no colons, semicolons or line breaks. */
const text = (value: string) => value.replace(/[:;\n\r]/g, ' ');

function edgeLabel(edge: GraphEdge): string {
  const guard = edge.guard === null ? '' : ` [${edge.guard}]`;
  const actions = edge.actions.length === 0 ? '' : ` / ${edge.actions.join(', ')}`;
  return text(`${edge.event}${guard}${actions}`);
}

function stateLines(graph: MachineGraph, parent: string | null, indent: string): string[] {
  const children = graph.nodes.filter((node) => node.parent === parent);
  const initial = parent === null ? graph.initial : graph.nodes.find((node) => node.id === parent)?.initial;
  const lines: string[] = [];
  if (initial) lines.push(`${indent}[*] --> ${mermaidId(initial)}`);
  for (const node of children) lines.push(...nodeLines(graph, node, indent));
  return lines;
}

function nodeLines(graph: MachineGraph, node: GraphNode, indent: string): string[] {
  const id = mermaidId(node.id);
  const lines = [`${indent}state "${text(node.key)}" as ${id}`];
  if (node.kind === 'compound') {
    lines.push(`${indent}state ${id} {`, ...stateLines(graph, node.id, `${indent}  `), `${indent}}`);
  }
  if (node.entry.length > 0) lines.push(`${indent}${id} : entry / ${text(node.entry.join(', '))}`);
  if (node.kind === 'final') lines.push(`${indent}${id} --> [*]`);
  return lines;
}

export function toMermaid(graph: MachineGraph): string {
  const transitions = graph.edges.map((edge) => `  ${mermaidId(edge.source)} --> ${mermaidId(edge.target)} : ${edgeLabel(edge)}`);
  return ['---', `title: ${text(graph.name)} (version ${graph.version})`, '---', 'stateDiagram-v2', ...stateLines(graph, null, '  '), ...transitions, ''].join('\n');
}
