// The passkeys sample page (GET /dev/passkeys, development only). It plays an app's backend in the
// browser to show every call of issue 18 end to end; in a real app the client secret, the client
// token and these API calls live on the app's server, and only the helper module runs in the page.
import { authenticate, isSupported, register } from '/cis/v1/webauthn/client.js';

const $ = (id) => document.getElementById(id);

/** What the page has signed in with: the user token and the session of the email-code login. */
const state = { userToken: null, sessionId: null };

// The client credentials stay in this tab only (sessionStorage), never in localStorage or the URL.
const remembered = ['client-id', 'client-secret'];
for (const id of remembered) {
  $(id).value = sessionStorage.getItem(id) ?? '';
  $(id).addEventListener('input', () => sessionStorage.setItem(id, $(id).value));
}
const fromQuery = new URLSearchParams(location.search).get('client_id');
if (fromQuery) {
  $('client-id').value = fromQuery;
  sessionStorage.setItem('client-id', fromQuery);
}
$('support').textContent = isSupported() ? 'This browser supports passkeys here.' : 'Passkeys are not available here (WebAuthn needs a secure context: https: or http://localhost).';

// ---- showing answers

/** Tokens and session ids are bearer secrets: the result area shows their start only. */
const shorten = (key, value) => (typeof value === 'string' && (key === 'session_id' || /token$/.test(key)) && value.length > 24 ? `${value.slice(0, 16)}…` : value);

function log(line, failed = false) {
  const item = document.createElement('li');
  item.textContent = line;
  if (failed) item.className = 'failed';
  $('log').prepend(item);
}

function showError(text) {
  $('error').textContent = text;
  log(text, true);
}

/** The ID token's payload, unverified: a demo shows what the server put in it, a backend verifies it (JWKS). */
function claimsOf(idToken) {
  const payload = idToken.split('.')[1] ?? '';
  const json = atob(
    payload
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(payload.length / 4) * 4, '='),
  );
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (char) => char.charCodeAt(0))));
}

/** A token response: its user token becomes the page's and its claims are shown. Only the
 * email-code login sets the session a step-up names, so that the passkey adds a second factor. */
function signedIn(body, { ownSession = false } = {}) {
  state.userToken = body.access_token;
  if (ownSession) state.sessionId = body.session_id;
  const claims = claimsOf(body.id_token);
  $('sub').textContent = claims.sub ?? '–';
  $('amr').textContent = JSON.stringify(claims.amr ?? []);
}

// ---- calling the server

/** One API call; its answer is logged, and a failure (status, error_code, message) thrown. */
async function call(method, path, { json, form, token } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (json !== undefined) headers['content-type'] = 'application/json';
  const body = json !== undefined ? JSON.stringify(json) : form;
  const response = await fetch(path, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  const answer = text === '' ? null : JSON.parse(text);
  $('result').textContent = `${method} ${path} → ${response.status}\n${JSON.stringify(answer, shorten, 2) ?? ''}`;
  if (!response.ok) {
    const message = Array.isArray(answer?.message) ? answer.message.join('; ') : answer?.message;
    throw new Error(`${method} ${path} → ${response.status} ${answer?.error_code ?? ''} ${message ?? ''}`.trim());
  }
  log(`${method} ${path} → ${response.status}`);
  return answer;
}

async function clientToken() {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: $('client-id').value.trim(), client_secret: $('client-secret').value });
  return (await call('POST', '/oidc/token', { form })).access_token;
}

function needUser() {
  if (state.userToken === null) throw new Error('Sign in with an email code first: this step needs the user token.');
  return state.userToken;
}

// ---- the steps

async function sendCode() {
  const identifier = $('email').value.trim();
  const token = await clientToken();
  // A user that already exists answers 409: the code goes to it all the same.
  await call('POST', '/cis/v1/users', { json: { email: identifier }, token }).catch((error) => log(error.message));
  await call('POST', '/cis/v1/auth/otp/send', { json: { channel: 'email', identifier_type: 'email', identifier }, token });
  const [message] = await call('GET', `/dev/outbox?to=${encodeURIComponent(identifier)}&limit=1`);
  // The code is a paragraph of its own in the email's text part (src/delivery/templates/otp-email.ts).
  const code = message?.text.split('\n\n').find((paragraph) => /^[A-Za-z0-9-]{4,32}$/.test(paragraph.trim()));
  if (code === undefined) throw new Error('No code in the dev outbox: type the one you received.');
  $('code').value = code.trim();
}

async function signIn() {
  const token = await clientToken();
  const json = { passcode: $('code').value.trim(), identifier_type: 'email', identifier: $('email').value.trim() };
  signedIn(await call('POST', '/cis/v1/auth/otp/authenticate', { json, token }), { ownSession: true });
  if ($('username').value === '') $('username').value = json.identifier;
}

async function registerPasskey() {
  const userToken = needUser();
  const displayName = $('display-name').value.trim();
  const start = { client_id: $('client-id').value.trim(), username: $('username').value.trim(), ...(displayName ? { display_name: displayName } : {}) };
  const { credential_creation_options: options } = await call('POST', '/cis/v1/auth/webauthn/register/start', { json: start });
  const encoded = await register(options);
  await call('POST', '/cis/v1/auth/webauthn/register', { json: { webauthn_encoded_result: encoded }, token: userToken });
}

/** Log in (no session) or step up (the email-code session gains the passkey as a second factor). */
async function passkeyLogin(stepUp) {
  const sessionId = stepUp ? state.sessionId : null;
  if (stepUp && sessionId === null) throw new Error('Sign in with an email code first: a step-up adds to its session.');
  const username = $('username').value.trim();
  const start = { client_id: $('client-id').value.trim(), ...(username ? { username } : {}) };
  const { credential_request_options: options } = await call('POST', '/cis/v1/auth/webauthn/authenticate/start', { json: start });
  const encoded = await authenticate(options);
  const token = await clientToken();
  const json = { webauthn_encoded_result: encoded, ...(sessionId === null ? {} : { session_id: sessionId }) };
  signedIn(await call('POST', '/cis/v1/auth/webauthn/authenticate', { json, token }));
}

async function listPasskeys() {
  const { credentials } = await call('GET', '/cis/v1/users/me/webauthn/credentials', { token: needUser() });
  const list = $('credentials');
  list.replaceChildren(...credentials.map(credentialItem));
  if (credentials.length === 0) list.textContent = 'No passkeys.';
}

function credentialItem(credential) {
  const item = document.createElement('li');
  item.dataset.testid = 'credential';
  item.dataset.credentialId = credential.credential_id;
  const label = credential.display_name || credential.webauthn_username;
  const used = credential.last_used_at ? `last used ${credential.last_used_at}` : 'never used';
  item.textContent = `${label} · ${credential.authenticator_attachment ?? 'unknown attachment'} · ${credential.state} · created ${credential.created_at} · ${used} `;
  const revoke = document.createElement('button');
  revoke.type = 'button';
  revoke.textContent = 'Revoke';
  revoke.dataset.testid = 'revoke';
  revoke.setAttribute('aria-label', `Revoke ${label} (${credential.credential_id})`);
  revoke.addEventListener('click', () => run(revokePasskey, credential.credential_id));
  item.append(revoke);
  return item;
}

async function revokePasskey(credentialId) {
  await call('POST', `/cis/v1/users/me/webauthn/credentials/${encodeURIComponent(credentialId)}/revoke`, { token: needUser() });
  await listPasskeys();
}

/** Runs a step: buttons wait while it runs, and its failure (an API error, or the browser's
 * DOMException such as NotAllowedError when the user cancels) is shown by name. */
async function run(step, ...args) {
  const buttons = [...document.querySelectorAll('button')];
  for (const button of buttons) button.disabled = true;
  $('error').textContent = '';
  try {
    await step(...args);
  } catch (error) {
    showError(error instanceof DOMException ? `${error.name}: ${error.message}` : String(error.message ?? error));
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}

$('send-code').addEventListener('click', () => run(sendCode));
$('sign-in').addEventListener('click', () => run(signIn));
$('register').addEventListener('click', () => run(registerPasskey));
$('login').addEventListener('click', () => run(passkeyLogin, false));
$('step-up').addEventListener('click', () => run(passkeyLogin, true));
$('list').addEventListener('click', () => run(listPasskeys));
