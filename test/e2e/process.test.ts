import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, emptyDatabaseUrl, freePort, start } from '../helpers/process.js';

// The server as an operator runs it: the real entry point in its own process. It applies the
// migrations, bootstraps a dev app, serves, and on SIGTERM finishes and exits 0; a bad setting
// stops the start with a line naming the variable.

afterEach(cleanUp);

describe('the server process', () => {
  it('starts on an empty database, prints a ready dev app, serves, and exits 0 on SIGTERM', async () => {
    const databaseUrl = await emptyDatabaseUrl();
    const port = await freePort();
    const server = start({ PORT: String(port), DATABASE_URL: databaseUrl });
    await server.printed('Keystate listening');
    expect(server.output()).toMatch(/Dev App created: client_id=\S+ client_secret=\S+/);
    expect(server.output()).toMatch(/Development admin token/);

    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });

    const [, clientId, clientSecret] = /client_id=(\S+) client_secret=(\S+)/.exec(server.output()) ?? [];
    const token = await fetch(`http://127.0.0.1:${port}/oidc/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId ?? '', client_secret: clientSecret ?? '' }),
    });
    expect(token.status).toBe(200);
    // The secret was shown once on stdout; the structured logs never carry it.
    const logLines = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    expect(logLines.join('\n')).not.toContain(clientSecret);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    // A second start on the same database creates nothing new and prints no dev app.
    const again = start({ PORT: String(port), DATABASE_URL: databaseUrl });
    await again.printed('Keystate listening');
    expect(again.output()).not.toContain('Dev App created');
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  });

  it('refuses to start on an invalid setting, naming the variable', async () => {
    const server = start({ PORT: 'not-a-port', TOKEN_SIGNING_ALG: 'HS256' });
    expect(await server.exited).not.toBe(0);
    expect(server.output()).toContain('Configuration error: PORT');
    expect(server.output()).toContain('Configuration error: TOKEN_SIGNING_ALG');
  });
});
