// The "Simulator" view: start a fresh instance of any machine with the server's sample input and
// click the events its current state accepts. The server keeps nothing: the page sends the whole
// list of chosen events each time and the server replays them through the machine, with effects
// named but never performed (nothing is sent).

import { listMachines, machineGraph, postJson } from './api.js';
import { byId, h, replaceChildren, say, stateId } from './dom.js';
import { takenEdges } from './chart.js';
import { fieldsText, showJson } from './panels.js';

function choiceLabel(choice) {
  return choice.label ?? `${choice.event.type}${choice.guard === null ? '' : ` [${choice.guard}]`} → ${choice.target}`;
}

function effectText(effect) {
  const params = fieldsText(effect.params);
  return params === '' ? effect.type : `${effect.type}(${params})`;
}

export function simulatorView(chart) {
  let machine = null;
  let events = [];
  let result = null;

  async function run() {
    say(`Simulating ${machine}…`);
    result = await postJson('/visualizer/simulate', { machine, events });
    await render();
    say('');
  }

  async function render() {
    if (result === null) return;
    const graph = await machineGraph(result.machine);
    const history = result.history.map((entry) => ({ type: entry.event.type, state: stateId(entry.state) }));
    const current = stateId(result.state);
    await chart.show(graph);
    chart.highlight({ current, visited: history.map((entry) => entry.state), taken: takenEdges(graph, history) });
    byId('sim-state').textContent = current;
    byId('sim-state').dataset.state = current;
    replaceChildren(
      byId('sim-choices'),
      result.choices.length === 0
        ? [h('p', { class: 'meta' }, 'No event is accepted here: the flow has ended.')]
        : result.choices.map((choice, index) =>
            h(
              'button',
              {
                type: 'button',
                class: 'choice',
                'data-choice': index,
                'data-event': choice.event.type,
                'data-guard': choice.guard ?? '',
                'data-target': choice.target,
              },
              choiceLabel(choice),
            ),
          ),
    );
    showJson(byId('sim-context'), result.context);
    showJson(byId('sim-input'), result.input);
    replaceChildren(
      byId('sim-history'),
      result.history.map((entry, index) =>
        h(
          'li',
          { 'data-step': index },
          h('strong', {}, entry.event.type),
          fieldsText(entry.event) === '' ? null : h('span', { class: 'fields' }, ` (${fieldsText(entry.event)})`),
          h('div', { class: 'meta' }, `→ ${stateId(entry.state)}`),
          entry.effects.length === 0
            ? null
            : h(
                'ul',
                { class: 'effects' },
                entry.effects.map((effect) => h('li', {}, `simulated: ${effectText(effect)}`)),
              ),
        ),
      ),
    );
    byId('sim-back').disabled = events.length === 0;
  }

  async function choose(index) {
    const choice = result?.choices[index];
    if (choice === undefined) return;
    events.push(choice.event);
    try {
      await run();
    } catch (error) {
      events.pop();
      throw error;
    }
  }

  const fail = (error) => say(error.message, 'error');
  byId('sim-start').addEventListener('submit', (event) => {
    event.preventDefault();
    machine = byId('sim-machine').value;
    events = [];
    run().catch(fail);
  });
  byId('sim-choices').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-choice]');
    if (button !== null) choose(Number(button.dataset.choice)).catch(fail);
  });
  byId('sim-back').addEventListener('click', () => {
    if (events.length === 0) return;
    events.pop();
    run().catch(fail);
  });

  return {
    async activate() {
      const select = byId('sim-machine');
      if (select.options.length === 0) {
        const machines = await listMachines();
        replaceChildren(
          select,
          machines.map((entry) => h('option', { value: entry.name }, entry.name)),
        );
      }
      if (result !== null) await render();
      else if (select.value !== '') await chart.show(await machineGraph(select.value)).then(() => chart.highlight({}));
    },
    deactivate() {},
  };
}
