// The one chart on the page, shared by the views: shows a machine (laid out once per machine,
// version and level of detail, then reused) and highlights where an instance is and the way it came.

import { byId } from './dom.js';
import { fitReadable, ownerOf, reduce } from './detail.js';
import { layouts } from './layout.js';
import { draw, highlight } from './render.js';
import { attachViewport } from './viewport.js';

const within = (ancestor, id) => id === ancestor || id.startsWith(`${ancestor}.`);

/** The transitions a run took: for each step, the edge of that event from the state it left (or a
 * state containing it) to the state it reached (or one containing it). */
export function takenEdges(graph, steps) {
  const taken = [];
  for (let i = 1; i < steps.length; i++) {
    const from = steps[i - 1].state;
    const to = steps[i].state;
    const candidates = graph.edges.filter((candidate) => candidate.event === steps[i].type && within(candidate.source, from) && within(candidate.target, to));
    // As in XState, the deepest state's transition wins over its ancestors'.
    const edge = candidates.sort((a, b) => b.source.length - a.source.length)[0];
    if (edge !== undefined) taken.push(edge.id);
  }
  return taken;
}

/** The boxes of a state and the states containing it, outermost first. */
function containers(drawn, id) {
  const boxes = [];
  for (let at = id; at; at = drawn.parents.get(at)) if (drawn.boxes.has(at)) boxes.unshift(drawn.boxes.get(at));
  return boxes;
}

export function createChart() {
  const svg = byId('chart');
  const viewport = attachViewport(svg);
  const laidOut = new Map();
  /** Per machine, the states drawn collapsed: chosen at its first opening, then as the user expands. */
  const details = new Map();
  let shown = null; // { graph, key, collapsed }
  let drawn = null;
  let marks = {};
  let pending = Promise.resolve();
  const queue = (work) => {
    pending = pending.catch(() => {}).then(work);
    return pending;
  };

  function lay(graph, key, collapsed) {
    const id = `${key}|${[...collapsed].sort().join(' ')}`;
    if (!laidOut.has(id)) laidOut.set(id, layouts(reduce(graph, collapsed)));
    // Of the two directions, the one that fits this pane at the larger size.
    return laidOut.get(id).then((both) => viewport.best(both));
  }

  async function drawWith(graph, key, collapsed) {
    const laid = await lay(graph, key, collapsed);
    drawn = draw(svg, reduce(graph, collapsed), laid);
    shown = { graph, key, collapsed };
    details.set(key, collapsed);
    svg.dataset.current = '';
    svg.dataset.collapsed = String(collapsed.size);
    byId('chart-title').textContent = `${graph.name} · version ${graph.version}`;
    viewport.show(laid);
  }

  async function showNow(graph) {
    const key = `${graph.name}@${graph.version}`;
    if (shown?.key === key) return;
    if (!details.has(key)) details.set(key, await fitReadable((collapsed) => lay(graph, key, collapsed), viewport.unitsFor));
    marks = {};
    await drawWith(graph, key, details.get(key));
  }

  /** Draws the shown machine again with fewer states collapsed, keeping its marks. */
  function expand(ids) {
    return queue(async () => {
      if (shown === null || ids.length === 0) return;
      await drawWith(shown.graph, shown.key, new Set([...shown.collapsed].filter((id) => !ids.includes(id))));
      mark();
    });
  }

  function mark() {
    const { graph, collapsed } = shown;
    const current = marks.current ?? '';
    // A state inside a collapsed box marks the box.
    const visited = (marks.visited ?? []).map((id) => ownerOf(graph, collapsed, id) ?? id);
    highlight(drawn, { ...marks, visited });
    // Follow the instance when it moves, but leave the view alone while it stays put.
    if (current !== '' && current !== svg.dataset.current) viewport.reveal(containers(drawn, current));
    svg.dataset.current = current;
  }

  byId('zoom-in').addEventListener('click', () => viewport.zoomIn());
  byId('zoom-out').addEventListener('click', () => viewport.zoomOut());
  byId('zoom-fit').addEventListener('click', () => viewport.fit());
  byId('expand-all').addEventListener('click', () => expand([...(shown?.collapsed ?? [])]));
  // A click on a collapsed box expands it. Dragging captures the pointer (the click then lands on
  // the SVG itself), so the box is the one pressed, and a press that moved was a pan.
  let pressed = null;
  svg.addEventListener('pointerdown', (event) => {
    const box = event.target.closest?.('.state.collapsed');
    pressed = box ? { id: box.dataset.state, x: event.clientX, y: event.clientY } : null;
  });
  svg.addEventListener('click', (event) => {
    if (pressed !== null && Math.hypot(event.clientX - pressed.x, event.clientY - pressed.y) < 4) expand([pressed.id]);
    pressed = null;
  });

  return {
    /** Draws a machine (a no-op when it is already drawn); calls run one after another, so the
     * last view to ask is the one drawn. */
    show(graph) {
      return queue(() => showNow(graph));
    },
    /** Marks where an instance is; a current state inside a collapsed box is expanded to be seen. */
    highlight(next) {
      if (drawn === null) return;
      marks = next ?? {};
      const current = marks.current ?? '';
      const hidden = current === '' ? [] : [...shown.collapsed].filter((id) => current.startsWith(`${id}.`));
      if (hidden.length > 0) expand(hidden);
      else mark();
    },
  };
}
