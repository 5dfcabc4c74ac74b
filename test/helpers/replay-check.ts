import { instanceView } from '../../src/admin/instance-views.js';
import type { MachineDefinition, MachineTypes } from '../../src/engine/definition.js';
import { passwordDefinition } from '../../src/flows/password/definition.js';
import { totpDefinition } from '../../src/flows/totp/definition.js';
import { magicLinkDefinition } from '../../src/flows/magic-link/effects.js';
import { otpDefinition } from '../../src/flows/otp/effects.js';
import { refreshFamilyDefinition } from '../../src/flows/refresh/effects.js';
import { readCredential } from '../../src/repositories/credential-repository.js';
import { readFamily } from '../../src/repositories/refresh-family-repository.js';
import { readFlow } from '../../src/repositories/flow-repository.js';
import { readSession } from '../../src/repositories/session-repository.js';
import { readShadow } from '../../src/repositories/shadow-credential-repository.js';
import { sessionDefinition } from '../../src/flows/session/effects.js';
import type { Db } from '../../src/storage/prisma.js';

// Every test server, when it closes, replays every flow, session, refresh-token family and credential (stand-ins included) in its
// database from their input and logs alone, and fails the test file if one does not arrive where it
// is stored (issue 8: "a flow's log replays it"). So every instance the suites create is checked.

const definitions = {
  otp: otpDefinition,
  'magic-link': magicLinkDefinition,
  session: sessionDefinition,
  'refresh-family': refreshFamilyDefinition,
  password: passwordDefinition,
  totp: totpDefinition,
} as unknown as Readonly<Record<string, MachineDefinition<MachineTypes>>>;

export interface ReplayCount {
  flows: number;
  sessions: number;
  families: number;
  credentials: number;
  standIns: number;
}

export async function assertEveryInstanceReplays(db: Db): Promise<ReplayCount> {
  const failures: string[] = [];
  const count: ReplayCount = { flows: 0, sessions: 0, families: 0, credentials: 0, standIns: 0 };
  const check = (kind: string, id: string, stored: Parameters<typeof instanceView>[1] | null) => {
    const definition = definitions[kind];
    if (stored === null || definition === undefined || stored.machineVersion !== definition.version) return false;
    if (!instanceView(definition, stored).replays) failures.push(`${kind} ${id} in ${stored.stateValue}`);
    return true;
  };
  for (const { id, kind } of await db.flow.findMany({ select: { id: true, kind: true } })) {
    const flow = await readFlow(db, id);
    if (check(kind, id, flow === null ? null : flow)) count.flows++;
  }
  for (const { id } of await db.session.findMany({ select: { id: true } })) {
    if (check('session', id, await readSession(db, id))) count.sessions++;
  }
  for (const { id } of await db.refreshFamily.findMany({ select: { id: true } })) {
    const family = await readFamily(db, id);
    if (check('refresh-family', id, family)) count.families++;
  }
  for (const { id, kind } of await db.credential.findMany({ select: { id: true, kind: true } })) {
    if (check(kind, id, await readCredential(db, id))) count.credentials++;
  }
  for (const { id, kind } of await db.shadowCredential.findMany({ select: { id: true, kind: true } })) {
    if (check(kind, id, await readShadow(db, id))) count.standIns++;
  }
  if (failures.length > 0) throw new Error(`instances whose log does not replay to their stored state:\n${failures.join('\n')}`);
  return count;
}
