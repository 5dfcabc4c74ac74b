// Turns a machine graph into positions with ELK (the layered algorithm, hierarchy included, so a
// compound state is laid out around its children). Every label gets its real size, measured with
// the font the chart draws it in, so ELK reserves room for it and no two labels overlap. The
// transitions are drawn folded (compact.js), and each chart is laid out both ways (left to right,
// top to bottom) so the page can open the one that fits its pane best.

import { compact } from './compact.js';

const FONT = { name: '600 13px sans-serif', small: '11px sans-serif', note: 'italic 11px sans-serif', edge: '11px sans-serif' };
const LINE = 15;
const PAD = 8;
const LABEL_LINE = 13;

const canvas = document.createElement('canvas');
const pen = canvas.getContext('2d');

function textWidth(text, font) {
  pen.font = font;
  return Math.ceil(pen.measureText(text).width);
}

function answerText(answer) {
  if (answer === null) return null;
  if (answer.kind === 'ok') return '↳ ok';
  if (answer.kind === 'refused') return `↳ ${answer.error}`;
  return '↳ depends on context';
}

/** A collapsed state's summary of what it hides (detail.js): its states, and the errors they answer. */
function hiddenLines({ count, errors }) {
  const lines = [{ text: `⊕ ${count} states`, font: FONT.note, role: 'note' }];
  // One error and a count: a box as wide as all its codes would undo the room collapsing saves (the title lists them).
  if (errors.length > 0) lines.push({ text: `↳ ${errors[0]}${errors.length > 1 ? ` +${errors.length - 1}` : ''}`, font: FONT.small, role: 'answer' });
  return lines;
}

/** The text lines a state shows: its name, what it does on entry, and what a request ending there answers. */
function stateLines(node) {
  const lines = [{ text: node.key, font: FONT.name, role: 'name' }];
  if (node.transient) lines.push({ text: 'transient', font: FONT.note, role: 'note' });
  if (node.kind === 'collapsed') return [...lines, ...hiddenLines(node.hidden)];
  if (node.entry.length > 0) lines.push({ text: `entry / ${node.entry.join(', ')}`, font: FONT.small, role: 'entry' });
  const answer = answerText(node.answer);
  if (answer !== null) lines.push({ text: answer, font: FONT.small, role: 'answer' });
  return lines;
}

const boxOf = (lines) => ({
  width: Math.max(...lines.map((line) => textWidth(line.text, line.font))) + 2 * PAD,
  height: lines.length * LINE + 2 * PAD - 2,
});

const JUNCTION = 10;

const ROOT_OPTIONS = {
  'elk.algorithm': 'layered',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.edgeLabels.placement': 'CENTER',
  'elk.spacing.nodeNode': '20',
  'elk.spacing.edgeEdge': '6',
  'elk.spacing.edgeNode': '10',
  'elk.spacing.edgeLabel': '3',
  'elk.layered.spacing.nodeNodeBetweenLayers': '20',
  'elk.layered.spacing.edgeNodeBetweenLayers': '10',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '5',
  'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
};

/** The ELK input in one direction ('RIGHT' or 'DOWN'): states (compound ones with their children),
 * one initial dot per level, the choice junctions, and the wires with sized labels. */
function elkGraph(graph, folded, direction) {
  const items = new Map();
  const root = { id: '(root)', layoutOptions: { ...ROOT_OPTIONS, 'elk.direction': direction }, children: [], edges: [] };
  // ELK 0.11 swaps a compound node's minimum width and height when the direction is DOWN with
  // INCLUDE_CHILDREN: hand it swapped, so it comes out right.
  const minimum = (width, height) => (direction === 'DOWN' ? `(${height}, ${width})` : `(${width}, ${height})`);
  const addInitial = (container, parentId, target) => {
    if (target === null || target === '') return;
    const id = `(initial)${parentId}`;
    container.children.push({ id, width: 12, height: 12, layoutOptions: { 'elk.layered.layering.layerConstraint': 'FIRST' } });
    root.edges.push({ id: `${id}->`, sources: [id], targets: [target] });
  };
  for (const node of graph.nodes) {
    const lines = stateLines(node);
    const box = boxOf(lines);
    const item =
      node.kind === 'compound'
        ? {
            id: node.id,
            children: [],
            layoutOptions: {
              'elk.padding': `[top=${box.height + 6},left=14,bottom=14,right=14]`,
              'elk.nodeSize.constraints': 'MINIMUM_SIZE',
              'elk.nodeSize.minimum': minimum(box.width + 8, box.height + 20),
            },
          }
        : { id: node.id, width: Math.max(box.width, 64), height: Math.max(box.height, 34) };
    items.set(node.id, { item, node, lines });
  }
  for (const { item, node } of items.values()) {
    const parent = node.parent === null ? root : (items.get(node.parent)?.item ?? root);
    parent.children.push(item);
  }
  addInitial(root, '', graph.initial);
  for (const { item, node } of items.values()) if (node.kind === 'compound') addInitial(item, node.id, node.initial);
  for (const junction of folded.junctions) {
    const parent = junction.parent === null ? root : (items.get(junction.parent)?.item ?? root);
    parent.children.push({ id: junction.id, width: JUNCTION, height: JUNCTION });
  }
  for (const wire of folded.wires) {
    const width = Math.max(...wire.lines.map((line) => textWidth(line, FONT.edge))) + 6;
    const label = { id: `${wire.id}(label)`, text: wire.lines.join('\n'), width, height: wire.lines.length * LABEL_LINE + 2 };
    root.edges.push({ id: wire.id, sources: [wire.source], targets: [wire.target], labels: [label] });
  }
  return { root, items };
}

/** Absolute boxes for every state, junction and initial dot, absolute points and label boxes for every wire. */
function flatten(laidOut, folded, items) {
  const offsets = new Map([[laidOut.id, { x: 0, y: 0 }]]);
  const states = [];
  const initials = [];
  const junctions = [];
  const junctionIds = new Set(folded.junctions.map((junction) => junction.id));
  const walk = (parent, base) => {
    for (const child of parent.children ?? []) {
      const at = { x: base.x + child.x, y: base.y + child.y };
      offsets.set(child.id, at);
      const box = { x: at.x, y: at.y, width: child.width, height: child.height };
      const known = items.get(child.id);
      if (junctionIds.has(child.id)) junctions.push({ id: child.id, ...box });
      else if (known === undefined) initials.push({ id: child.id, ...box });
      else states.push({ ...box, node: known.node, lines: known.lines });
      walk(child, at);
    }
  };
  walk(laidOut, { x: 0, y: 0 });
  const byId = new Map(folded.wires.map((wire) => [wire.id, wire]));
  const edges = (laidOut.edges ?? []).map((edge) => {
    // ELK gives an edge's coordinates relative to the node that contains it.
    const base = offsets.get(edge.container ?? laidOut.id) ?? { x: 0, y: 0 };
    const points = (edge.sections ?? []).flatMap((section) => [section.startPoint, ...(section.bendPoints ?? []), section.endPoint]).map((point) => ({ x: base.x + point.x, y: base.y + point.y }));
    const label = edge.labels?.[0];
    return {
      id: edge.id,
      wire: byId.get(edge.id) ?? null,
      points,
      label: label === undefined ? null : { lines: label.text.split('\n'), x: base.x + label.x, y: base.y + label.y, width: label.width, height: label.height },
    };
  });
  return { width: laidOut.width, height: laidOut.height, states, initials, junctions, edges };
}

let elk = null;

/** Lays a machine graph out left to right and top to bottom; resolves to both, each what render.js draws. */
export async function layouts(graph) {
  // ELK's bundle (served by this server) defines the global ELK; it runs in this thread.
  elk ??= new globalThis.ELK();
  const folded = compact(graph);
  const laid = [];
  for (const direction of ['RIGHT', 'DOWN']) {
    const { root, items } = elkGraph(graph, folded, direction);
    laid.push(flatten(await elk.layout(root), folded, items));
  }
  return laid;
}

export { LABEL_LINE, LINE, PAD };
