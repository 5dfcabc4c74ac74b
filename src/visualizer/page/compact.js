// Folds a machine's transitions into fewer, smaller wires, so a chart fits its pane at a readable
// size (issue 19 point 4). The guarded alternatives of one event from one state meet at a small
// choice junction (the statechart notation), the event written once and each alternative's guard
// on its own short wire; transitions between the same two states share one wire, the events one a
// line; actions leave the labels for the wire's title. Every wire lists the transitions it stands
// for (`members`), so a taken transition still lights up everything that draws it.

const guardText = (edge) => (edge.guard === null ? '' : ` [${edge.guard}]`);
const actionText = (edge) => (edge.actions.length === 0 ? '' : ` / ${edge.actions.join(', ')}`);
/** One transition in full, for a wire's title: what the label leaves out is still one hover away. */
const fullText = (edge) => `${edge.event}${guardText(edge)}${actionText(edge)}`;

function groupBy(items, keyOf) {
  const groups = new Map();
  for (const item of items) {
    const key = keyOf(item);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return [...groups.values()];
}

const unique = (lines) => [...new Set(lines)];

function wire(id, source, target, members, lines) {
  return {
    id,
    source,
    target,
    members: members.map((edge) => edge.id),
    lines: unique(lines),
    notes: members.map(fullText),
    eventless: members.every((edge) => edge.event === 'always'),
    guarded: members.some((edge) => edge.guard !== null),
  };
}

/** A branch's guards, one a line; past two, the first and how many more (a collapsed box can draw
 * six alternatives into one wire, and a six-line label costs the chart its readability). */
function guardLines(group) {
  const lines = unique(group.map((edge) => (edge.guard === null ? '[else]' : `[${edge.guard}]`)));
  return lines.length <= 2 ? lines : [lines[0], `… +${lines.length - 1} more`];
}

/** The junction of one event's alternatives from one state: the trunk carries the event, each
 * branch the guards that lead to its target (the unguarded fallback reads "[else]"). */
function choice(source, event, members, parentOf) {
  const id = `(choice)${source}|${event}`;
  const junction = { id, parent: parentOf(source), source, event };
  const trunk = wire(`${id}(in)`, source, id, members, [event]);
  const branches = groupBy(members, (edge) => edge.target).map((group) => wire(group[0].id, id, group[0].target, group, guardLines(group)));
  return { junction, wires: [trunk, ...branches] };
}

/** The graph's transitions as junctions and wires; each transition is in exactly one wire that
 * reaches its target (and, when it has alternatives, in its junction's trunk too). */
export function compact(graph) {
  const parents = new Map(graph.nodes.map((node) => [node.id, node.parent]));
  const parentOf = (id) => parents.get(id) ?? null;
  const junctions = [];
  const wires = [];
  const direct = [];
  for (const group of groupBy(graph.edges, (edge) => `${edge.source}\n${edge.event}`)) {
    // Alternatives that all lead to one place are no choice to draw.
    if (new Set(group.map((edge) => edge.target)).size === 1) {
      direct.push(...group);
      continue;
    }
    const folded = choice(group[0].source, group[0].event, group, parentOf);
    junctions.push(folded.junction);
    wires.push(...folded.wires);
  }
  for (const group of groupBy(direct, (edge) => `${edge.source}\n${edge.target}`)) {
    const lines = group.map((edge) => (group.filter((other) => other.event === edge.event).length > 1 ? edge.event : `${edge.event}${guardText(edge)}`));
    wires.push(wire(group[0].id, group[0].source, group[0].target, group, lines));
  }
  return { junctions, wires };
}
