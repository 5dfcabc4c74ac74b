// Level of detail: a chart too big to read whole in its pane opens with some compound states
// collapsed into one box each (name, how many states it holds, what they answer), so it opens both
// whole and readable (issue 19 point 4); clicking a box or "Expand all" brings the states back.
// The choice is deterministic (same graph and pane, same boxes), so what is drawn can be tested.

/** Chart units per screen pixel at which an 11 px label still reads at 10 px. */
const READABLE_UNITS = 1.1;

/** The outermost collapsed state containing this one (null when it is drawn itself). */
export function ownerOf(graph, collapsed, id) {
  const parents = new Map(graph.nodes.map((node) => [node.id, node.parent]));
  let owner = null;
  for (let at = parents.get(id); at; at = parents.get(at)) if (collapsed.has(at)) owner = at;
  return owner;
}

const within = (ancestor, id) => id.startsWith(`${ancestor}.`);

/** What a collapsed box says of the states it hides: how many, and the errors they answer. */
function summary(graph, id) {
  const inner = graph.nodes.filter((node) => within(id, node.id));
  const errors = [...new Set(inner.flatMap((node) => (node.answer?.kind === 'refused' ? [node.answer.error] : [])))];
  return { count: inner.length, errors };
}

/** The graph as drawn with these states collapsed: their descendants gone, each a box of kind
 * 'collapsed', transitions into or out of them re-attached to the box, transitions inside dropped. */
export function reduce(graph, collapsed) {
  if (collapsed.size === 0) return graph;
  const shown = (id) => ownerOf(graph, collapsed, id) ?? id;
  const nodes = graph.nodes
    .filter((node) => ownerOf(graph, collapsed, node.id) === null)
    .map((node) => (collapsed.has(node.id) ? { ...node, kind: 'collapsed', initial: null, hidden: summary(graph, node.id) } : node));
  const edges = graph.edges.map((edge) => ({ ...edge, source: shown(edge.source), target: shown(edge.target) })).filter((edge) => !(edge.source === edge.target && collapsed.has(edge.source)));
  return { ...graph, nodes, edges, initial: graph.initial === null ? null : shown(graph.initial) };
}

/** The largest compound state drawn (ties by id), or null: collapsing it saves the most room. */
function largest(laid, keep) {
  const candidates = laid.states.filter((box) => box.node.kind === 'compound' && !keep.has(box.node.id));
  candidates.sort((a, b) => b.width * b.height - a.width * a.height || (a.node.id < b.node.id ? -1 : 1));
  return candidates[0]?.node.id ?? null;
}

/**
 * Collapses compound states, largest first, until the chart fits its pane readably or none is
 * left. `lay(collapsed)` resolves to the best layout for the pane with those states collapsed;
 * `unitsOf(laid)` is its fit scale.
 */
export async function fitReadable(lay, unitsOf) {
  const collapsed = new Set();
  let laid = await lay(collapsed);
  while (unitsOf(laid) > READABLE_UNITS) {
    const next = largest(laid, collapsed);
    if (next === null) break;
    collapsed.add(next);
    laid = await lay(collapsed);
  }
  return collapsed;
}
