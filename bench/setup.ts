import type { Prepared, Principal, ScenarioName } from './load/job.js';

// What a scenario needs, made over the real server's HTTP API as an app would: an app (admin API),
// a client access token, one user per connection, and for silent-auth and refresh one session and
// refresh-token family per connection from a complete passcode login (`channel: "direct"`).

export const REDIRECT_URI = 'http://127.0.0.1/bench/callback';
const SETUP_PARALLELISM = 8;

/** Which scenarios start from a logged-in user. */
export const needsSessions = (scenario: ScenarioName): boolean => scenario === 'silent-auth' || scenario === 'refresh';

/** A request that must answer `expected`; anything else stops the run with the answer. */
export async function call(url: string, path: string, expected: number, init: { body?: unknown; form?: Record<string, string>; bearer?: string }): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {};
  if (init.bearer !== undefined) headers.authorization = `Bearer ${init.bearer}`;
  let body: string | undefined;
  if (init.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  } else if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  const response = await fetch(`${url}${path}`, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  if (response.status !== expected) throw new Error(`setup: POST ${path} answered ${response.status} (expected ${expected}): ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

export const text = (value: unknown, what: string): string => {
  if (typeof value !== 'string') throw new Error(`setup: no ${what} in the answer`);
  return value;
};

/** Runs `work` over the items, at most `limit` at a time, keeping their order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

export const benchEmail = (index: number): string => `bench-${index}@example.com`;

export async function prepareReal(url: string, adminToken: string, scenario: ScenarioName, count: number): Promise<Prepared> {
  const app = await call(url, '/admin/v1/applications', 201, { bearer: adminToken, body: { name: 'Bench', redirect_uris: [REDIRECT_URI] } });
  const client = { id: text(app.client_id, 'client_id'), secret: text(app.client_secret, 'client_secret') };
  const token = await call(url, '/oidc/token', 200, { form: { grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret } });
  const clientToken = text(token.access_token, 'access_token');
  const principals = await mapLimit(
    Array.from({ length: count }, (_, index) => index),
    SETUP_PARALLELISM,
    async (index): Promise<Principal> => {
      const email = benchEmail(index);
      const created = await call(url, '/cis/v1/users', 201, { bearer: clientToken, body: { email } });
      const userId = text((created.result as Record<string, unknown> | undefined)?.user_id, 'user_id');
      if (!needsSessions(scenario)) return { userId, email };
      const asUser = { identifier_type: 'user_id', identifier: userId };
      const sent = await call(url, '/cis/v1/auth/otp/send', 200, { bearer: clientToken, body: { channel: 'direct', ...asUser } });
      const login = await call(url, '/cis/v1/auth/otp/authenticate', 200, { bearer: clientToken, body: { passcode: text(sent.code, 'code'), ...asUser } });
      return { userId, email, sessionId: text(login.session_id, 'session_id'), refreshToken: text(login.refresh_token, 'refresh_token') };
    },
  );
  return { clientToken, client, redirectUri: REDIRECT_URI, principals };
}
