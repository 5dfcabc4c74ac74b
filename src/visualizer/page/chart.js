// The one chart on the page, shared by the views: shows a machine (laid out once per machine and
// version, then reused) and highlights where an instance is and the way it came.

import { byId } from './dom.js';
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
  let shown = null;
  let drawn = null;
  let pending = Promise.resolve();

  byId('zoom-in').addEventListener('click', () => viewport.zoomIn());
  byId('zoom-out').addEventListener('click', () => viewport.zoomOut());
  byId('zoom-fit').addEventListener('click', () => viewport.fit());

  async function showNow(graph) {
    const key = `${graph.name}@${graph.version}`;
    if (shown === key) return;
    if (!laidOut.has(key)) laidOut.set(key, layouts(graph));
    // Of the two directions, the one that fits this pane at the larger size.
    const laid = viewport.best(await laidOut.get(key));
    drawn = draw(svg, graph, laid);
    shown = key;
    svg.dataset.current = '';
    byId('chart-title').textContent = `${graph.name} · version ${graph.version}`;
    viewport.show(laid);
  }

  return {
    /** Draws a machine (a no-op when it is already drawn); calls run one after another, so the
     * last view to ask is the one drawn. */
    show(graph) {
      pending = pending.catch(() => {}).then(() => showNow(graph));
      return pending;
    },
    highlight(marks) {
      if (drawn === null) return;
      highlight(drawn, marks);
      const current = marks?.current ?? '';
      // Follow the instance when it moves, but leave the view alone while it stays put.
      if (current !== '' && current !== svg.dataset.current) viewport.reveal(containers(drawn, current));
      svg.dataset.current = current;
    },
  };
}
