// Entry point: the three views (charts, live instances, simulator) share one chart and one
// detail column; the tabs switch which view owns them.

import { createChart } from './chart.js';
import { chartsView } from './charts-view.js';
import { say } from './dom.js';
import { liveView } from './live.js';
import { simulatorView } from './simulator.js';

const chart = createChart();
const views = { charts: chartsView(chart), live: liveView(chart), simulator: simulatorView(chart) };
let current = null;

async function show(name) {
  if (!(name in views) || name === current) return;
  views[current]?.deactivate();
  current = name;
  document.body.dataset.view = name;
  for (const tab of document.querySelectorAll('[data-view]')) tab.setAttribute('aria-selected', String(tab.dataset.view === name));
  for (const panel of document.querySelectorAll('[data-panel]')) panel.hidden = panel.dataset.panel !== name;
  if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
  await views[name].activate();
}

for (const tab of document.querySelectorAll('[data-view]')) {
  tab.addEventListener('click', () => show(tab.dataset.view).catch((error) => say(error.message, 'error')));
}
show(location.hash.slice(1) in views ? location.hash.slice(1) : 'charts').catch((error) => say(error.message, 'error'));
