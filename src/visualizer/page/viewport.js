// Pan (drag) and zoom (wheel, buttons) by moving the SVG's viewBox. The view is a top-left corner
// and a scale (chart units per screen pixel); the viewBox always has the element's own aspect
// ratio (preserveAspectRatio="none"), so a screen pixel maps linearly to chart units, zooming keeps
// the point under the pointer in place, and resizing the window keeps the zoom level.

const MARGIN = 24;
const MIN_UNITS = 0.1;
const MAX_UNITS = 40;

export function attachViewport(svg) {
  svg.setAttribute('preserveAspectRatio', 'none');
  let view = { x: 0, y: 0, units: 1 };
  let content = { width: 100, height: 100 };

  const size = () => {
    const rect = svg.getBoundingClientRect();
    return { left: rect.left, top: rect.top, width: Math.max(rect.width, 1), height: Math.max(rect.height, 1) };
  };
  const apply = () => {
    const { width, height } = size();
    svg.setAttribute('viewBox', `${view.x} ${view.y} ${width * view.units} ${height * view.units}`);
    // The scale, for readers that cannot see it: the tests judge readability by it (1 = labels at their size).
    svg.dataset.units = view.units.toFixed(3);
  };

  function zoomTo(units, anchor) {
    const next = Math.min(Math.max(units, MIN_UNITS), MAX_UNITS);
    const { width, height } = size();
    const at = anchor ?? { x: view.x + (width * view.units) / 2, y: view.y + (height * view.units) / 2 };
    const ratio = next / view.units;
    view = { x: at.x - (at.x - view.x) * ratio, y: at.y - (at.y - view.y) * ratio, units: next };
    apply();
  }

  /** The scale that shows all of a chart of this size, never magnified past 1:1. */
  function fitUnits(of) {
    const { width, height } = size();
    return Math.max((of.width + 2 * MARGIN) / width, (of.height + 2 * MARGIN) / height, 1);
  }

  /** Shows the whole chart, centred, never magnified past 1:1. */
  function fit() {
    const { width, height } = size();
    const units = fitUnits(content);
    view = { x: (content.width - width * units) / 2, y: (content.height - height * units) / 2, units };
    apply();
  }

  const toChart = (event) => {
    const { left, top } = size();
    return { x: view.x + (event.clientX - left) * view.units, y: view.y + (event.clientY - top) * view.units };
  };

  svg.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      zoomTo(view.units * Math.exp(event.deltaY * 0.0015), toChart(event));
    },
    { passive: false },
  );

  let drag = null;
  svg.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY };
    svg.setPointerCapture(event.pointerId);
    svg.classList.add('dragging');
  });
  svg.addEventListener('pointermove', (event) => {
    if (drag === null) return;
    view = { ...view, x: view.x - (event.clientX - drag.x) * view.units, y: view.y - (event.clientY - drag.y) * view.units };
    drag = { x: event.clientX, y: event.clientY };
    apply();
  });
  const stop = () => {
    drag = null;
    svg.classList.remove('dragging');
  };
  svg.addEventListener('pointerup', stop);
  svg.addEventListener('pointercancel', stop);
  new ResizeObserver(apply).observe(svg);

  /** Pans the least that brings a box into view, with a margin: the first of `boxes` (outermost
   * first: a state's containers, then the state) that fits; a box already in view stays put. */
  function reveal(boxes) {
    const { width, height } = size();
    const pad = MARGIN * view.units;
    const shown = { width: width * view.units, height: height * view.units };
    const target = boxes.find((box) => box.width + 2 * pad <= shown.width && box.height + 2 * pad <= shown.height) ?? boxes.at(-1);
    if (target === undefined) return;
    // Along one axis: the view spans [start, start + length], the box [from, from + extent].
    const shift = (start, length, from, extent) => {
      if (extent + 2 * pad > length) return from + extent / 2 - length / 2 - start;
      if (from - pad < start) return from - pad - start;
      if (from + extent + pad > start + length) return from + extent + pad - (start + length);
      return 0;
    };
    const dx = shift(view.x, shown.width, target.x, target.width);
    const dy = shift(view.y, shown.height, target.y, target.height);
    if (dx === 0 && dy === 0) return;
    view = { ...view, x: view.x + dx, y: view.y + dy };
    apply();
  }

  return {
    /** A new chart of this size, fitted whole: a chart that opens cut off hides where it leads
     * (the layout, not a zoom, keeps it readable). */
    show(next) {
      content = next;
      // biome-ignore lint/suspicious/noFocusedTests: our fit() fits the chart into view; no test runner's focused `fit`
      fit();
    },
    /** Of several layouts of one chart, the one this pane shows at the largest size (the first on a tie). */
    unitsFor: fitUnits,
    best: (candidates) => candidates.reduce((best, candidate) => (fitUnits(candidate) < fitUnits(best) ? candidate : best)),
    fit,
    reveal,
    zoomIn: () => zoomTo(view.units / 1.25),
    zoomOut: () => zoomTo(view.units * 1.25),
  };
}
