import { describe, expect, it } from 'vitest';
import type { TxSteps } from '../../src/engine/definition.js';
import { createRunner } from '../../src/engine/runner.js';
import { type RefreshFamilies, refreshFamilyDefinition } from '../../src/flows/refresh/effects.js';
import { createSessions, sessionDefinition } from '../../src/flows/session/effects.js';
import { findPresentedToken, keepRotatedOutToken, readFamily, refreshFamilyStore } from '../../src/repositories/refresh-family-repository.js';
import { findSessionById, readSession } from '../../src/repositories/session-repository.js';
import { login, server, useSessionsFixture } from '../helpers/sessions-fixture.js';

// runner.step (issue 17): the work reads plainly and its writes go out after it as one batch. Here
// another step of the same session commits between the read and the batch, every time on purpose:
// the batch must roll back whole (nothing of the lost attempt stays), and the work runs again in
// the locked transaction, on the state the winner left.

useSessionsFixture();

async function loggedInSession() {
  const { userId } = await login();
  const row = await server.storage.db.session.findFirst({ where: { userId } });
  if (row === null) throw new Error('no session');
  return { id: row.id, tenantId: row.tenantId, app: { id: row.createdByAppId } };
}

describe('runner.step', () => {
  it('a race lost between the read and the batch writes nothing and runs the work again, locked', async () => {
    const session = await loggedInSession();
    const runner = createRunner({ storage: server.storage, clock: server.clock });
    const sessions = createSessions({ provider: server.storage.provider });
    const request = { app: session.app } as never;
    const silent = { type: 'session.silentAuthenticate', mfa: null, userStatus: 'Active', resource: null, allowedResources: [] } as const;
    const read = (steps: TxSteps) => findSessionById(steps, sessionDefinition, session.tenantId, session.id);
    const attempts: boolean[] = [];
    const step = await runner.step(async (steps) => {
      attempts.push(steps.locks);
      const loaded = await read(steps);
      if (loaded === null) throw new Error('lost the session');
      // The first attempt is overtaken: another request's step commits after this one's read.
      if (attempts.length === 1) await runner.transaction(async (other) => other.send(sessions, (await read(other)) ?? loaded, silent, request));
      return steps.send(sessions, loaded, { type: 'session.logout' }, request);
    });
    expect(attempts).toEqual([false, true]);
    expect(step.state).toBe('terminated.loggedOut');
    const stored = await readSession(server.storage.db, session.id);
    // init, the winner's silent authentication, the logout: the lost attempt left nothing.
    expect(stored?.events.map((event) => event.type)).toEqual(['xstate.init', 'session.silentAuthenticate', 'session.logout']);
    expect(stored?.version).toBe(3);
  });

  it('the after-commit effects of a lost attempt never run, and the statements its effects returned are not sent', async () => {
    const { userId } = await login();
    const family = await server.storage.db.refreshFamily.findFirst({ where: { userId } });
    if (family === null) throw new Error('no family');
    const provider = server.storage.provider;
    const signed: string[] = [];
    // The real store; handlers that keep the rotated-out hash as the real one does (a statement it
    // returns) and record each signing.
    const families: RefreshFamilies = {
      definition: refreshFamilyDefinition,
      store: refreshFamilyStore(refreshFamilyDefinition, provider),
      handlers: {
        rotateToken: {
          phase: 'inline',
          run: (_params, { tx, instanceId, row, context, at }) => ({
            patch: { currentHash: `${row?.currentHash}+` },
            writes: [keepRotatedOutToken(tx, provider, { tokenHash: row?.currentHash ?? '', familyId: instanceId, generation: context.generation - 1, at })],
          }),
        },
        issueTokens: { phase: 'afterCommit', run: (_params, { instanceId }) => void signed.push(instanceId) },
      },
    };
    const runner = createRunner({ storage: server.storage, clock: server.clock });
    const request = { app: { id: family.appId }, user: {} } as never;
    const present = async (steps: TxSteps, hash: string) => {
      const found = await findPresentedToken(steps, refreshFamilyDefinition, family.appId, [hash]);
      if (found === null) return null;
      return steps.send(families, found.family, { type: 'token.presented', token: found.token, sessionEnded: found.sessionEnded }, request);
    };
    let attempts = 0;
    const step = await runner.step(async (steps) => {
      attempts++;
      const presented = await present(steps, family.currentHash);
      // Overtaken once: the same token rotated by another request between this read and its batch.
      if (attempts === 1) await runner.transaction((other) => present(other, family.currentHash));
      return presented;
    });
    expect(attempts).toBe(2);
    // The retry, locked, found the token rotated out: reuse, the family revoked, nothing signed for it.
    expect(step?.state).toBe('revoked.reuseDetected');
    expect(signed).toEqual([family.id]);
    const stored = await readFamily(server.storage.db, family.id);
    expect(stored?.events.map((event) => event.type)).toEqual(['xstate.init', 'token.presented', 'token.presented']);
    // One rotated-out hash kept, the winner's: the lost attempt's batch wrote nothing.
    expect(await server.storage.db.refreshToken.count({ where: { familyId: family.id } })).toBe(1);
  });
});
