import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import Fastify, { type FastifyReply } from 'fastify';
import { type Alg, atHash, createSigner, hasher, newId, newPasscode, newSecret, sealer } from './crypto.js';
import { linkTarget, newestMessage, redeemLink, redeemPasscode, startChallenge } from './challenges.js';
import { type Ctx, type Issued, rotateRefreshToken, silentAuthenticate } from './logins.js';
import { schemaFor } from './schema.js';
import { APP_NAME, createTenantAndApp, seedPrincipals } from './seed.js';
import { prismaStore } from './prisma-store.js';
import { openStore, type Shape } from './store.js';

// The "ideal endpoint" each scenario is measured against: bare Fastify (no schemas, no plugins,
// no hooks), the scenario's reads and writes as hand-written SQL (./logins.ts, ./challenges.ts)
// and the same signatures with a key of the same algorithm. It answers the paths and shapes the
// load process uses, and does not verify the client access token (the real server may cache that
// verification; the ideal is the ceiling). `POST /bench/seed` makes a scenario's fixtures.
// `--driver prisma` sends the same SQL through Prisma instead, in the shape the server sends each
// request (SERVER_SHAPE below); `--driver prisma-one` sends one statement per request through
// Prisma and the rest on the plain driver (./prisma-store.ts).
//   node --import tsx bench/ideal/server.ts --port P --alg ES256 --database file:/tmp/x.db [--driver prisma|prisma-one]

const { values } = parseArgs({
  options: { port: { type: 'string' }, alg: { type: 'string', default: 'ES256' }, database: { type: 'string' }, redirect: { type: 'string' }, driver: { type: 'string', default: 'raw' } },
});
if (values.port === undefined || values.database === undefined || values.redirect === undefined)
  throw new Error('usage: server.ts --port P --alg ES256|RS256 --database URL --redirect URI [--driver raw|prisma|prisma-one]');
const publicUrl = `http://127.0.0.1:${values.port}`;
// The tables are made by the plain driver (a multi-statement script), whichever runs the load.
const schemaStore = openStore(values.database);
await schemaStore.script(schemaFor(schemaStore.dialect));
let store = schemaStore;
if (values.driver === 'prisma' || values.driver === 'prisma-one') {
  await schemaStore.close();
  store = await prismaStore(values.database, { oneStatement: values.driver === 'prisma-one' });
}

/** How the server sends each token-minting step (test/regressions/issue-8-statements.test.ts pins
 * its statements and transaction kind): the floor sends the ideal's SQL the same way. */
const SERVER_SHAPE: Readonly<Record<'silentAuthenticate' | 'refresh' | 'send' | 'redeem', Shape>> = {
  silentAuthenticate: 'optimistic',
  refresh: 'optimistic',
  // Passcode and link sends, and their redemptions (issue 17: every hot step is optimistic).
  send: 'optimistic',
  redeem: 'optimistic',
};
const signer = await createSigner(values.alg as Alg, publicUrl);
const { hash, matches } = hasher(randomBytes(32));
const seal = sealer(randomBytes(32));
const ctx: Ctx = { dialect: store.dialect, tenantId: newId(), appId: newId(), hash };
const clientId = newId();
await store.run(createTenantAndApp(ctx, clientId, values.redirect));

type Body = Record<string, unknown>;
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const refuse = (reply: FastifyReply, message: string) => reply.code(400).send({ message, error_code: 400 });
const signClientToken = () =>
  signer.sign(
    { sub: clientId, aud: 'userid-api', client_id: clientId, app_id: ctx.appId, app_name: APP_NAME, tid: ctx.tenantId, scope: 'openid offline_access', roles: [], sv: 1 },
    'client+jwt',
    3600,
  );

/** The two signatures of every login: the access token, then the ID token carrying its at_hash. */
async function tokenResponse(issued: Issued) {
  const accessToken = await signer.sign(
    { sub: issued.userId, aud: 'userid-api', scope: 'openid offline_access', roles: [], tid: ctx.tenantId, client_id: clientId, app_id: ctx.appId, app_name: APP_NAME },
    'at+jwt',
    3600,
  );
  const idToken = await signer.sign(
    { sub: issued.userId, tid: ctx.tenantId, aud: clientId, auth_time: Math.floor(issued.authTime / 1e6), amr: issued.methods, at_hash: atHash(accessToken) },
    'JWT',
    3600,
  );
  return {
    access_token: accessToken,
    id_token: idToken,
    refresh_token: issued.refreshToken,
    token_type: 'Bearer',
    expires_in: 3600,
    ...(issued.sessionId === undefined ? {} : { session_id: issued.sessionId }),
  };
}
const answer = async (reply: FastifyReply, issued: Issued | null, refusal: string) => (issued === null ? refuse(reply, refusal) : tokenResponse(issued));

const app = Fastify({ logger: false });
// Form bodies for /oidc/token, without @fastify/formbody.
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))));

app.get('/health', async () => ({ status: 'ok' }));

app.post('/bench/seed', async (request) => {
  const body = request.body as Body;
  const principals = await store.run(seedPrincipals(ctx, Number(body.count), body.sessions === true));
  return { clientToken: await signClientToken(), client: { id: clientId, secret: 'not-checked' }, redirectUri: values.redirect, principals };
});

// Client access token: a bare route that signs one token (issue 10's reference).
app.post('/oidc/token', async () => ({ access_token: await signClientToken(), token_type: 'Bearer', expires_in: 3600, scope: 'openid offline_access' }));

app.post('/cis/v1/auth/session/authenticate', async (request, reply) =>
  answer(reply, await store.run(silentAuthenticate(ctx, str((request.body as Body).session_id)), SERVER_SHAPE.silentAuthenticate), 'Session not found'),
);

app.post('/cis/v1/auth/token/refresh', async (request, reply) =>
  answer(reply, await store.run(rotateRefreshToken(ctx, str((request.body as Body).refresh_token)), SERVER_SHAPE.refresh), 'Invalid refresh token'),
);

app.post('/cis/v1/auth/otp/send', async (request, reply) => {
  const body = request.body as Body;
  const code = newPasscode();
  const channel = str(body.channel);
  const message = (user: Body) => {
    const id = newId();
    const text = `Your ${APP_NAME} code\n\nEnter this code to continue signing in to ${APP_NAME}:\n\n${code}\n\nThis code expires in 5 minutes and can only be used once.\n`;
    return { id, to: str(user.email), subject: seal.seal(`Your ${APP_NAME} code`, `delivery:${id}`), text: seal.seal(text, `delivery:${id}`) };
  };
  const sent = await store.run(
    startChallenge(ctx, body.identifier_type === 'email' ? 'email' : 'id', str(body.identifier), {
      kind: 'otp',
      secretHash: (flowId) => hash(`${flowId}:${code}`),
      context: { channel },
      ttlMinutes: 5,
      ...(channel === 'email' ? { message } : {}),
    }),
    SERVER_SHAPE.send,
  );
  return sent ? { message: 'OTP sent', ...(channel === 'direct' ? { code } : {}) } : refuse(reply, 'User not found');
});

app.post('/cis/v1/auth/otp/authenticate', async (request, reply) => {
  const body = request.body as Body;
  return answer(reply, await store.run(redeemPasscode(ctx, str(body.identifier), str(body.passcode), matches), SERVER_SHAPE.redeem), 'Invalid credentials');
});

app.post('/cis/v1/auth/link/email/send', async (request, reply) => {
  const body = request.body as Body;
  const token = newSecret();
  const context = { redirectUri: str(body.redirect_uri), state: null };
  const sent = await store.run(startChallenge(ctx, 'email', str(body.identifier), { kind: 'magic-link', secretHash: () => hash(token), context, ttlMinutes: 15 }), SERVER_SHAPE.send);
  return sent ? { message: 'Magic link sent', link: `${publicUrl}/cis/v1/auth/link/email/redirect?token=${token}` } : refuse(reply, 'User not found');
});

app.get('/cis/v1/auth/link/email/redirect', async (request, reply) => {
  const target = await store.run(linkTarget(ctx, str((request.query as Body).token)), 'alone');
  return target === null ? refuse(reply, 'Invalid code') : reply.header('cache-control', 'no-store').redirect(target, 302);
});

app.post('/cis/v1/auth/link/email/authenticate', async (request, reply) => answer(reply, await store.run(redeemLink(ctx, str((request.body as Body).code)), SERVER_SHAPE.redeem), 'Invalid code'));

app.get('/dev/outbox', async (request) => {
  const row = await store.run(newestMessage(str((request.query as Body).to)), 'alone');
  if (row === undefined) return [];
  const aad = `delivery:${String(row.id)}`;
  return [
    {
      id: row.id,
      channel: row.channel,
      to: row.to,
      subject: seal.open(String(row.subject), aad),
      text: seal.open(String(row.text), aad),
      created_at: new Date(Number(row.created_at) / 1000).toISOString(),
    },
  ];
});

process.once(
  'SIGTERM',
  () =>
    void app
      .close()
      .then(() => store.close())
      .then(() => process.exit(0)),
);
await app.listen({ host: '127.0.0.1', port: Number(values.port) });
