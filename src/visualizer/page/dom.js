// Small DOM helpers shared by the views: build elements without innerHTML (data from the server is
// always text, never markup) and format what the panels show.

const SVG_NS = 'http://www.w3.org/2000/svg';

function fill(element, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return element;
}

/** An HTML element: h('li', { class: 'x' }, 'text', otherElement). */
export function h(tag, attrs, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** An SVG element, same shape as h(). */
export function s(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

export function byId(id) {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from the page`);
  return element;
}

export function replaceChildren(element, ...children) {
  element.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined));
}

/** "12:03:04.120" in the viewer's time zone, with the full ISO time as a tooltip. */
export function timeOf(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h('time', {}, String(iso));
  const text = `${date.toLocaleTimeString([], { hour12: false })}.${String(date.getMilliseconds()).padStart(3, '0')}`;
  return h('time', { datetime: iso, title: iso }, text);
}

export function json(value) {
  return JSON.stringify(value, null, 2) ?? 'undefined';
}

/** XState state values are strings ("idle") or objects ({ pending: "awaitingCode" }): the graph's
 * node ids are dotted paths ("pending.awaitingCode"). */
export function stateId(value) {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  const [key, child] = Object.entries(value)[0] ?? ['', ''];
  const rest = stateId(child);
  return rest === '' ? key : `${key}.${rest}`;
}

/** The one-line status under the header: what is loading, and what went wrong. */
export function say(text, kind = 'info') {
  const status = byId('status');
  status.textContent = text;
  status.dataset.kind = kind;
}
