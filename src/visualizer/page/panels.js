// The detail panels the live view and the simulator share: a JSON block, and a list of events.

import { h, json, replaceChildren, timeOf } from './dom.js';

export function showJson(element, value) {
  element.textContent = value === undefined ? '—' : json(value);
}

/** The fields an event carried besides its type, on one line. */
export function fieldsText(fields) {
  if (fields === null || fields === undefined || typeof fields !== 'object') return '';
  const entries = Object.entries(fields).filter(([key]) => key !== 'type');
  return entries.map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`).join(', ');
}

/** An instance's event log; the row of the step shown is marked, and a click picks a step. */
export function showEvents(list, events, currentIndex, onPick) {
  replaceChildren(
    list,
    events.map((event, index) =>
      h(
        'li',
        { class: index === currentIndex ? 'current' : undefined, 'data-step': index },
        h('button', { type: 'button', 'data-step': index }, h('span', { class: 'seq' }, `#${event.seq}`), ' ', h('strong', {}, event.type), ' ', timeOf(event.at)),
        h('div', { class: 'meta' }, `→ ${event.state}`),
        fieldsText(event.fields) === '' ? null : h('div', { class: 'fields' }, fieldsText(event.fields)),
      ),
    ),
  );
  list.onclick = (click) => {
    const button = click.target.closest('button[data-step]');
    if (button !== null) onPick(Number(button.dataset.step));
  };
}
