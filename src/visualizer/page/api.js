// Talks to the visualizer's data endpoints. Outside development they want the admin token: on the
// first 401 the page asks for it once, keeps it in sessionStorage (this tab only, gone when the
// tab closes) and sends it as a bearer token on every call after that.

import { byId } from './dom.js';

const TOKEN_KEY = 'keystate.visualizer.adminToken';
let prompt = null;

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Escape would close the form and leave every caller waiting: it stays open until answered. */
const keepOpen = (event) => event.preventDefault();

/** Shows the token form; every caller refused at the same time waits for the same answer. */
function askForToken(refused) {
  prompt ??= new Promise((resolve) => {
    const dialog = byId('token-dialog');
    const input = byId('token-input');
    byId('token-error').textContent = refused === null ? '' : 'The server refused that token.';
    input.value = '';
    const submit = (event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (token === '') return;
      sessionStorage.setItem(TOKEN_KEY, token);
      byId('token-form').removeEventListener('submit', submit);
      dialog.removeEventListener('cancel', keepOpen);
      dialog.close();
      prompt = null;
      resolve();
    };
    byId('token-form').addEventListener('submit', submit);
    dialog.addEventListener('cancel', keepOpen);
    dialog.showModal();
    input.focus();
  });
  return prompt;
}

/** fetch() with the admin token; on a 401 asks for a token (once) and tries again. */
async function request(path, init = {}) {
  for (;;) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers = new Headers(init.headers);
    if (token !== null) headers.set('authorization', `Bearer ${token}`);
    const response = await fetch(path, { ...init, headers, cache: 'no-store' });
    if (response.status !== 401) return response;
    // Another call may have been answered while this one was in flight: retry with its token.
    if (sessionStorage.getItem(TOKEN_KEY) !== token) continue;
    if (token !== null) sessionStorage.removeItem(TOKEN_KEY);
    await askForToken(token);
  }
}

async function parsed(response) {
  const text = await response.text();
  let body = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = text;
  }
  if (!response.ok) {
    const message = body !== null && typeof body === 'object' && 'message' in body ? [body.message].flat().join('; ') : `HTTP ${response.status}`;
    throw new ApiError(response.status, message);
  }
  return body;
}

export async function getJson(path) {
  return parsed(await request(path));
}

export async function postJson(path, body) {
  return parsed(await request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
}

/** Saves a server file as a download; through fetch so the admin token goes with it. */
export async function download(path, filename) {
  const response = await request(path);
  if (!response.ok) await parsed(response);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser reads the blob after click() returns: release it a little later.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const graphs = new Map();
let machineList = null;

/** The machines the server runs (fetched once per page). */
export function listMachines() {
  machineList ??= getJson('/visualizer/machines').catch((error) => {
    machineList = null;
    throw error;
  });
  return machineList;
}

/** One machine's graph (nodes and edges), fetched once per page. */
export function machineGraph(name) {
  if (!graphs.has(name)) {
    graphs.set(
      name,
      getJson(`/visualizer/machines/${encodeURIComponent(name)}.json`).catch((error) => {
        graphs.delete(name);
        throw error;
      }),
    );
  }
  return graphs.get(name);
}
