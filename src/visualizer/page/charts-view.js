// The "Charts" view: every machine the server runs, the selected one drawn, and its exports.

import { download, listMachines, machineGraph } from './api.js';
import { byId, h, replaceChildren, say } from './dom.js';

export function chartsView(chart) {
  let selected = null;

  async function select(name) {
    selected = name;
    for (const button of byId('machine-list').querySelectorAll('button')) button.setAttribute('aria-pressed', String(button.dataset.machine === name));
    say(`Drawing ${name}…`);
    const graph = await machineGraph(name);
    await chart.show(graph);
    chart.highlight({});
    describe(graph);
    say('');
  }

  function describe(graph) {
    const compound = graph.nodes.filter((node) => node.kind === 'compound').length;
    replaceChildren(
      byId('machine-facts'),
      h('dt', {}, 'Starts in'),
      h('dd', {}, graph.initial),
      h('dt', {}, 'States'),
      h('dd', {}, `${graph.nodes.length} (${compound} compound)`),
      h('dt', {}, 'Transitions'),
      h('dd', {}, String(graph.edges.length)),
      h('dt', {}, 'Effects'),
      h('dd', {}, graph.effects.length === 0 ? 'none' : graph.effects.join(', ')),
    );
  }

  async function loadList() {
    const machines = await listMachines();
    replaceChildren(
      byId('machine-list'),
      machines.map((machine) =>
        h(
          'li',
          {},
          h(
            'button',
            { type: 'button', 'data-machine': machine.name, 'aria-pressed': 'false' },
            h('strong', {}, machine.name),
            h('span', { class: 'meta' }, `v${machine.version} · ${machine.states} states · ${machine.transitions} transitions`),
          ),
        ),
      ),
    );
    return machines;
  }

  byId('machine-list').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-machine]');
    if (button !== null) select(button.dataset.machine).catch((error) => say(error.message, 'error'));
  });
  const exporter = (extension) => () => {
    if (selected === null) return;
    download(`/visualizer/machines/${encodeURIComponent(selected)}.${extension}`, `${selected}.${extension}`).catch((error) => say(error.message, 'error'));
  };
  byId('export-json').addEventListener('click', exporter('json'));
  byId('export-mermaid').addEventListener('click', exporter('mmd'));

  return {
    async activate() {
      const machines = await loadList();
      const name = selected ?? machines[0]?.name ?? null;
      if (name !== null) await select(name);
    },
    deactivate() {},
  };
}
