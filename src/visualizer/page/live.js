// The "Live" view: open an instance (flow, session, refresh-token family or credential) by id or from the
// most recent ones, draw it on its machine's chart, and follow it: the page polls the instance
// every second and redraws when its version changes, without a reload.

import { ApiError, getJson, machineGraph } from './api.js';
import { byId, h, replaceChildren, say, stateId, timeOf } from './dom.js';
import { takenEdges } from './chart.js';
import { showEvents, showJson } from './panels.js';
import { createReplay } from './replay.js';

const KINDS = ['flow', 'session', 'refresh-family', 'credential'];
const POLL_MS = 1000;
const RECENT_MS = 5000;

const instancePath = (kind, id) => `/visualizer/instances/${encodeURIComponent(kind)}/${encodeURIComponent(id)}`;

/** Each step's state as a graph node id (the API may give XState's object form). */
function normalise(instance) {
  const steps = (instance.steps ?? []).map((step) => ({ ...step, state: stateId(step.state) }));
  return { ...instance, state: stateId(instance.state), steps };
}

export function liveView(chart) {
  let open = null; // { kind, id, instance, graph }
  let pollTimer = null;
  let recentTimer = null;
  let active = false;
  const replay = createReplay((index) => showStep(index).catch((error) => say(error.message, 'error')));

  async function showStep(index) {
    if (open === null) return;
    const { instance, graph } = open;
    const seen = instance.steps.slice(0, index + 1);
    await chart.show(graph);
    chart.highlight({ current: seen.at(-1)?.state ?? instance.state, visited: seen.map((step) => step.state), taken: takenEdges(graph, seen) });
    showJson(byId('instance-context'), seen.at(-1)?.context);
    showEvents(byId('instance-events'), instance.events, index, (picked) => replay.go(picked));
  }

  function describe(instance) {
    replaceChildren(
      byId('instance-facts'),
      h('dt', {}, 'Instance'),
      h('dd', {}, `${instance.kind} ${instance.id}`),
      h('dt', {}, 'Machine'),
      h('dd', {}, `${instance.machine} (started on version ${instance.machine_version})`),
      h('dt', {}, 'State now'),
      h('dd', { id: 'instance-state' }, instance.state),
      h('dt', {}, 'Version'),
      h('dd', { id: 'instance-version' }, String(instance.version)),
      h('dt', {}, 'Replays'),
      h('dd', {}, instance.replays ? 'yes: its log replays to the stored state' : 'no: its log does not replay to the stored state'),
    );
    showJson(byId('instance-input'), instance.input);
  }

  /** A newer version of the open instance: keep the step the viewer chose unless they were following the end. */
  async function update(instance) {
    const following = open.instance === null || replay.atEnd;
    open.instance = instance;
    open.graph = await machineGraph(instance.machine);
    describe(instance);
    replay.set(instance.steps, following ? instance.steps.length - 1 : replay.index);
    await showStep(replay.index);
  }

  async function fetchInstance(kind, id) {
    return normalise(await getJson(instancePath(kind, id)));
  }

  /** Opens by id; with kind "any", tries each kind in turn (the ids of different kinds never clash). */
  async function openInstance(kind, id) {
    stopPolling();
    say(`Opening ${id}…`);
    let found = null;
    for (const candidate of kind === 'any' ? KINDS : [kind]) {
      try {
        found = await fetchInstance(candidate, id);
        break;
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 404) throw error;
      }
    }
    if (found === null) throw new ApiError(404, `No ${kind === 'any' ? 'flow, session, refresh-token family or credential' : kind} has the id ${id}`);
    open = { kind: found.kind, id: found.id, instance: null, graph: null };
    await update(found);
    say('');
    schedulePoll();
  }

  function schedulePoll() {
    stopPolling();
    if (!active || open === null) return;
    pollTimer = setTimeout(async () => {
      const polled = open;
      try {
        const instance = await fetchInstance(polled.kind, polled.id);
        // Another view may own the chart by now: a change is drawn when this view is back.
        if (active && open === polled && instance.version !== polled.instance.version) await update(instance);
      } catch (error) {
        say(`Following ${polled.id}: ${error.message}`, 'error');
      }
      if (open === polled) schedulePoll();
    }, POLL_MS);
  }

  function stopPolling() {
    clearTimeout(pollTimer);
    pollTimer = null;
  }

  async function loadRecent() {
    const instances = await getJson('/visualizer/instances?limit=20');
    replaceChildren(
      byId('recent-list'),
      instances.length === 0
        ? [h('li', { class: 'meta' }, 'No instances yet.')]
        : instances.map((instance) =>
            h(
              'li',
              {},
              h(
                'button',
                { type: 'button', 'data-instance': `${instance.kind}:${instance.id}` },
                h('strong', {}, `${instance.kind} · ${instance.machine}`),
                h('span', { class: 'meta' }, stateId(instance.state), ' · ', timeOf(instance.updated_at)),
                h('span', { class: 'id' }, instance.id),
              ),
            ),
          ),
    );
  }

  function refreshRecent() {
    clearTimeout(recentTimer);
    if (!active) return;
    loadRecent()
      .catch((error) => say(`Recent instances: ${error.message}`, 'error'))
      .finally(() => {
        if (active) recentTimer = setTimeout(refreshRecent, RECENT_MS);
      });
  }

  byId('open-instance').addEventListener('submit', (event) => {
    event.preventDefault();
    const id = byId('instance-id').value.trim();
    if (id !== '') openInstance(byId('instance-kind').value, id).catch((error) => say(error.message, 'error'));
  });
  byId('recent-list').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-instance]');
    if (button === null) return;
    const [kind, ...rest] = button.dataset.instance.split(':');
    byId('instance-id').value = rest.join(':');
    byId('instance-kind').value = kind;
    openInstance(kind, rest.join(':')).catch((error) => say(error.message, 'error'));
  });

  return {
    async activate() {
      active = true;
      refreshRecent();
      if (open !== null && open.instance !== null) {
        replay.set(open.instance.steps, replay.index);
        await showStep(replay.index);
        schedulePoll();
      }
    },
    deactivate() {
      active = false;
      stopPolling();
      clearTimeout(recentTimer);
      replay.hide();
    },
  };
}
