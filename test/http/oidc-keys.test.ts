import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers/db.js';
import { answer, db, server, useOidcFixture, verifyClientToken } from '../helpers/oidc-fixture.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Discovery and the JWKS (mosaic-backend-api.md §2.13), and what keystate-server.md §2 adds: a
// configurable signing algorithm, and signing keys generated once and stored. The token endpoint
// itself: oidc.test.ts.

useOidcFixture();

describe('discovery and JWKS', () => {
  it('the discovery document names the issuer and a working jwks_uri', async () => {
    const discovery = await answer(await fetch(`${server.url}/cis/oidc/.well-known/openid-configuration`));
    expect(discovery.status).toBe(200);
    expect(discovery.body.issuer).toBe(server.config.issuer);
    expect(discovery.body.jwks_uri).toBe(`${server.config.publicUrl}/cis/oidc/jwks`);
    expect(discovery.body.token_endpoint).toBe(`${server.config.publicUrl}/oidc/token`);
    const jwks = await answer(await fetch(discovery.body.jwks_uri));
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys.length).toBeGreaterThan(0);
    for (const key of jwks.body.keys) expect(key).toMatchObject({ kid: expect.any(String), alg: expect.any(String), use: 'sig' });
  });
});

describe('signing keys', () => {
  for (const alg of ['ES256', 'EdDSA'] as const) {
    it(`TOKEN_SIGNING_ALG=${alg} signs client tokens with ${alg}, verifiable against the JWKS`, async () => {
      const algDb = await freshDatabase();
      const algServer = await startTestServer({ databaseUrl: algDb.url, env: { TOKEN_SIGNING_ALG: alg } });
      try {
        const app = await algServer.createApp({ name: `${alg} app` });
        const token = await app.token();
        expect(decodeProtectedHeader(token).alg).toBe(alg);
        const { payload, protectedHeader } = await verifyClientToken(algServer, token);
        expect(protectedHeader.alg).toBe(alg);
        expect(payload.client_id).toBe(app.clientId);
        const discovery = await answer(await fetch(`${algServer.url}/cis/oidc/.well-known/openid-configuration`));
        expect(discovery.body.id_token_signing_alg_values_supported).toEqual([alg]);
        // And the server accepts its own token.
        expect((await app.call('GET', '/cis/v1/users/nobody')).status).toBe(404);
      } finally {
        await algServer.close();
        await algDb.drop();
      }
    });
  }

  it('keys are generated once and stored: a restart on the same database keeps the same kid', async () => {
    const kidOf = async (target: TestServer) => decodeProtectedHeader(await (await target.createApp({ name: 'Restart' })).token()).kid;
    const expected = await kidOf(server);
    const first = await startTestServer({ databaseUrl: db.url });
    const firstKid = await kidOf(first);
    await first.close();
    const second = await startTestServer({ databaseUrl: db.url });
    try {
      expect(firstKid).toBe(expected);
      expect(await kidOf(second)).toBe(expected);
      // A token from the first run is still accepted after the restart.
      const jwks = await answer(await fetch(`${second.url}/cis/oidc/jwks`));
      expect(jwks.body.keys.filter((key: { alg: string }) => key.alg === 'RS256').map((key: { kid: string }) => key.kid)).toEqual([expected]);
      expect(await db.storage.db.signingKey.count({ where: { alg: 'RS256' } })).toBe(1);
    } finally {
      await second.close();
    }
  });
});
