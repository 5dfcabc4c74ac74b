// Draws a laid-out machine as SVG. Each state is a <g data-state="id">, each wire a <g data-edge="id"
// data-edges="the transitions it draws"> (a wire may draw several: compact.js), each choice junction
// a <g data-junction="id">: the views (and the tests) find them by those attributes, and highlight()
// only toggles classes, so following a live instance never re-lays the chart out.

import { s } from './dom.js';
import { LABEL_LINE, LINE, PAD } from './layout.js';

const ARROW_ID = 'keystate-arrow';

function defs() {
  return s(
    'defs',
    {},
    s('marker', { id: ARROW_ID, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' })),
  );
}

const path = (points) => points.map((point, i) => `${i === 0 ? 'M' : 'L'}${point.x.toFixed(1)},${point.y.toFixed(1)}`).join(' ');

function tooltip(node) {
  const parts = [node.id, `kind: ${node.kind}${node.transient ? ' (transient)' : ''}`];
  if (node.initial !== null) parts.push(`starts in: ${node.initial}`);
  if (node.entry.length > 0) parts.push(`entry: ${node.entry.join(', ')}`);
  if (node.hidden !== undefined) parts.push(`collapsed: ${node.hidden.count} states (click to expand)`, ...node.hidden.errors.map((error) => `inside answers: ${error}`));
  if (node.answer !== null) parts.push(`answers: ${node.answer.kind === 'refused' ? node.answer.error : node.answer.kind}`);
  return parts.join('\n');
}

function stateGroup(box) {
  const { node, lines } = box;
  const classes = ['state', node.kind, node.transient ? 'transient' : '', node.answer?.kind === 'refused' || node.hidden?.errors.length > 0 ? 'refusal' : ''].filter(Boolean).join(' ');
  const group = s(
    'g',
    { class: classes, 'data-state': node.id, transform: `translate(${box.x},${box.y})` },
    s('title', {}, tooltip(node)),
    s('rect', { class: 'box', width: box.width, height: box.height, rx: node.kind === 'compound' ? 10 : 8 }),
  );
  // A final state gets a second, inner border (the usual statechart mark).
  if (node.kind === 'final') group.append(s('rect', { class: 'final-ring', x: 3, y: 3, width: box.width - 6, height: box.height - 6, rx: 6 }));
  lines.forEach((line, i) => {
    const x = node.kind === 'compound' ? PAD + 2 : box.width / 2;
    group.append(s('text', { class: `line ${line.role}`, x, y: PAD + LINE * i + 11, 'text-anchor': node.kind === 'compound' ? 'start' : 'middle' }, line.text));
  });
  return group;
}

function edgeGroup(laid) {
  const wire = laid.wire;
  const group = s(
    'g',
    {
      class: `edge${wire.eventless ? ' eventless' : ''}${wire.guarded ? ' guarded' : ''}`,
      'data-edge': wire.id,
      'data-edges': wire.members.join(' '),
      'data-source': wire.source,
      'data-target': wire.target,
    },
    // The full transitions (guards and actions too): the label keeps only what finds the way.
    s('title', {}, `${wire.source} → ${wire.target}\n${wire.notes.join('\n')}`),
    s('path', { class: 'wire', d: path(laid.points), 'marker-end': `url(#${ARROW_ID})` }),
  );
  if (laid.label !== null) {
    const { x, y, width, height, lines } = laid.label;
    group.append(
      s('rect', { class: 'label-bg', x, y, width, height, rx: 3 }),
      s(
        'text',
        { class: 'label', 'text-anchor': 'middle' },
        lines.map((line, i) => s('tspan', { class: i === 0 ? 'event' : 'detail', x: x + width / 2, y: y + LABEL_LINE * (i + 1) - 2 }, line)),
      ),
    );
  }
  return group;
}

/** A choice junction: the small diamond where one event's guarded alternatives part. */
function junctionGroup(box) {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const r = box.width / 2;
  return s(
    'g',
    { class: 'junction', 'data-junction': box.id },
    s('title', {}, 'choice: the first alternative whose guard holds'),
    s('path', { d: `M${cx},${cy - r} L${cx + r},${cy} L${cx},${cy + r} L${cx - r},${cy} z` }),
  );
}

function initialGroup(dot, edges) {
  const wire = edges.find((edge) => edge.id === `${dot.id}->`);
  return s(
    'g',
    { class: 'initial', 'data-initial': dot.id.slice('(initial)'.length) || '(machine)' },
    s('circle', { cx: dot.x + dot.width / 2, cy: dot.y + dot.height / 2, r: dot.width / 2 }),
    wire === undefined ? null : s('path', { class: 'wire', d: path(wire.points), 'marker-end': `url(#${ARROW_ID})` }),
  );
}

/** Replaces the SVG's content with the chart; returns what highlight() needs. */
export function draw(svg, graph, laid) {
  const states = new Map();
  const edges = new Map();
  const stateLayer = s('g', { class: 'states' });
  // Parents come before their children in the graph, so children paint over their container.
  for (const box of laid.states) {
    const group = stateGroup(box);
    states.set(box.node.id, group);
    stateLayer.append(group);
  }
  const edgeLayer = s('g', { class: 'edges' });
  for (const laidEdge of laid.edges) {
    if (laidEdge.wire === null) continue;
    const group = edgeGroup(laidEdge);
    // A transition lights up every wire that draws part of it (a junction's trunk and its branch).
    for (const member of laidEdge.wire.members) edges.set(member, [...(edges.get(member) ?? []), group]);
    edgeLayer.append(group);
  }
  const initialLayer = s(
    'g',
    { class: 'initials' },
    laid.initials.map((dot) => initialGroup(dot, laid.edges)),
    laid.junctions.map(junctionGroup),
  );
  svg.replaceChildren(defs(), stateLayer, initialLayer, edgeLayer);
  svg.dataset.machine = graph.name;
  return { states, edges, boxes: new Map(laid.states.map((box) => [box.node.id, box])), parents: new Map(graph.nodes.map((node) => [node.id, node.parent])) };
}

/** Marks the current state (and the containers it is in), the states visited and the edges taken. */
export function highlight(drawn, { current = null, visited = [], taken = [] } = {}) {
  for (const group of drawn.states.values()) group.classList.remove('current', 'visited', 'inside');
  for (const groups of drawn.edges.values()) for (const group of groups) group.classList.remove('taken');
  for (const id of visited) drawn.states.get(id)?.classList.add('visited');
  for (const id of taken) for (const group of drawn.edges.get(id) ?? []) group.classList.add('taken');
  if (current === null) return;
  drawn.states.get(current)?.classList.add('current');
  for (let parent = drawn.parents.get(current); parent; parent = drawn.parents.get(parent)) drawn.states.get(parent)?.classList.add('inside');
}
