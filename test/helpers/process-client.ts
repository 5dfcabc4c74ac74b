// A client app of a server running in its own process, as a backend would set one up: created
// through the admin API, then a client access token from /oidc/token. `call` POSTs JSON with that
// token, to the server it was created on or to another instance on the same database (`base`).

export type ProcessCall = (path: string, body: object, base?: string) => Promise<{ status: number; body: Record<string, unknown> }>;

export async function processClient(url: string, adminToken: string, name: string): Promise<ProcessCall> {
  const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const created = (await (
    await fetch(`${url}/admin/v1/applications`, { method: 'POST', headers: admin, body: JSON.stringify({ name, redirect_uris: ['https://app.example/verify'] }) })
  ).json()) as Record<string, string>;
  const token = (await (
    await fetch(`${url}/oidc/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: created.client_id ?? '', client_secret: created.client_secret ?? '' }),
    })
  ).json()) as { access_token: string };
  return async (path, body, base = url) => {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
}
