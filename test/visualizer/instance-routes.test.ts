import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/test-server.js';

// The visualizer's live data on a real server: the instances that moved last, one instance with its
// log replayed step by step (and its version moving as the flow does), and the simulator.

let db: TestDatabase;
let server: TestServer;
let client: TestClient;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url });
  client = await server.createApp({ name: 'Watched' });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const admin = { authorization: () => `Bearer ${server.config.adminToken}` };
const get = (path: string) => fetch(`${server.url}${path}`, { headers: { authorization: admin.authorization() } });
const simulate = (machine: string, events: unknown[]) =>
  fetch(`${server.url}/visualizer/simulate`, { method: 'POST', headers: { authorization: admin.authorization(), 'content-type': 'application/json' }, body: JSON.stringify({ machine, events }) });

interface Step {
  seq: number;
  type: string;
  state: string;
  context: Record<string, unknown>;
}
interface View {
  kind: string;
  machine: string;
  version: number;
  state: string;
  events: { seq: number; type: string; state: string }[];
  steps: Step[];
  replays: boolean;
}

describe('visualizer: live instances', () => {
  it('lists the instances that moved last and shows one replayed step by step, its version moving with the flow', async () => {
    const email = 'watched@example.com';
    await client.call('POST', '/cis/v1/users', { email });
    const sent = await client.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'email', identifier: email });
    server.clock.advance(1000);
    const recent = (await (await get('/visualizer/instances?limit=5')).json()) as { kind: string; id: string; machine: string; state: string }[];
    expect(recent[0]).toMatchObject({ kind: 'flow', machine: 'otp', state: 'pending.awaitingCode' });
    const flowId = recent[0]?.id ?? '';

    const before = (await (await get(`/visualizer/instances/flow/${flowId}`)).json()) as View;
    expect(before).toMatchObject({ kind: 'flow', machine: 'otp', state: 'pending.awaitingCode', replays: true });
    await client.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: sent.body.code, identifier_type: 'email', identifier: email });
    const after = (await (await get(`/visualizer/instances/flow/${flowId}`)).json()) as View;
    expect(after.version).toBeGreaterThan(before.version);
    expect(after.state).toBe('authenticated.redeemed');
    // One step per logged event, each where the log says the event led, replayed from the input.
    expect(after.steps.map((step) => [step.seq, step.type, step.state])).toEqual(after.events.map((event) => [event.seq, event.type, event.state]));
    expect(after.steps.at(-1)?.state).toBe(after.state);
    expect(after.steps[0]?.context.subject).toBe('[redacted]');
    expect(JSON.stringify(after)).not.toContain(email);

    const kinds = ((await (await get('/visualizer/instances')).json()) as { kind: string }[]).map((instance) => instance.kind);
    expect(new Set(kinds)).toEqual(new Set(['flow', 'session', 'refresh-family']));
  });

  it('answers 404 for an unknown instance and 400 for an unknown kind', async () => {
    expect((await get('/visualizer/instances/session/nope')).status).toBe(404);
    expect((await get('/visualizer/instances/user/nope')).status).toBe(400);
    expect((await get('/visualizer/instances?limit=lots')).status).toBe(400);
  });
});

describe('visualizer: simulator', () => {
  interface Simulation {
    state: string;
    history: { event: { type: string }; state: string; effects: { type: string }[] }[];
    choices: { label: string; event: object; guard: string | null; target: string }[];
  }
  const run = async (machine: string, events: object[]) => (await (await simulate(machine, events)).json()) as Simulation;

  it('walks a magic link from its send to its redemption, naming the effects of each step and the choices of each state', async () => {
    const started = await run('magic-link', []);
    expect(started.state).toBe('issuing');
    expect(started.history[0]?.effects.map((effect) => effect.type)).toEqual(['issueChallenge', 'holdDelivery', 'deliverChallenge']);
    const delivered = started.choices.find((choice) => choice.target === 'awaitingCode.waiting');
    expect(delivered?.label).toBe('challenge.delivered → awaitingCode.waiting');
    const waiting = await run('magic-link', [delivered?.event ?? {}]);
    expect(waiting.choices.map((choice) => choice.label)).toEqual(
      expect.arrayContaining([
        'code.submit → authenticated.redeemed',
        'code.submit [isRequestIdMismatch] → awaitingCode.requestIdRefused',
        'code.submit [isSessionRefused] → awaitingCode.sessionRefused',
        'code.submit [isExpired] → expired.lapsed',
      ]),
    );
    const redeem = waiting.choices.find((choice) => choice.target === 'authenticated.redeemed');
    const redeemed = await run('magic-link', [delivered?.event ?? {}, redeem?.event ?? {}]);
    expect(redeemed.state).toBe('authenticated.redeemed');
    expect(redeemed.history.map((step) => step.state)).toEqual(['issuing', 'awaitingCode.waiting', 'authenticated.redeemed']);
    expect(redeemed.history[2]?.effects.map((effect) => effect.type)).toEqual(['recordAuthentication']);
  });

  it('refuses events it did not offer, events the state does not accept, and unknown machines', async () => {
    expect((await simulate('magic-link', [{ type: 'code.submit', requestId: 'req-1', session: null, at: 0 }])).status).toBe(400);
    const started = await run('otp', []);
    const accepted = started.choices.find((choice) => choice.target === 'authenticated.redeemed');
    expect(accepted).toBeUndefined();
    const codeAccepted = { type: 'code.accepted', at: Date.UTC(2026, 10, 21, 12, 1, 0) };
    const refused = await simulate('otp', [codeAccepted]);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toContain('not accepted in sending');
    for (const machine of ['nope', 'constructor', '__proto__']) expect((await simulate(machine, [])).status).toBe(404);
  });
});
