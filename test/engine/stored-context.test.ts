import { describe, expect, it } from 'vitest';
import { CorruptRowError } from '../../src/corrupt-row.js';
import { storedContext } from '../../src/engine/stored-context.js';
import { instanceView } from '../../src/admin/instance-views.js';
import { AuthError } from '../../src/errors.js';
import { otpDefinition } from '../../src/flows/otp/effects.js';
import { passwordDefinition } from '../../src/flows/password/definition.js';

// A stored context reaches its machine only checked against the machine's context schema
// (machines/<name>.context.ts), by the version its row names (src/engine/stored-context.ts).

const SECRET = 'sk-do-not-log-0123456789';
const password = { userId: 'u1', setAt: 0, temporary: false, generation: 1, attempts: 0, submitted: 0, lastAttemptAt: null, lockedUntil: null, policy: null };
const row = (context: unknown, machineVersion = passwordDefinition.version) => ({ id: 'c1', machineVersion, context });

describe('a stored context', () => {
  it('that fits its machine version is handed on as it is', () => {
    expect(storedContext(passwordDefinition, 'credential', row(password))).toEqual(password);
  });

  it('that departs from the schema is a corrupt row, named by table, machine, version and path, never by value', () => {
    const error = (() => {
      try {
        storedContext(passwordDefinition, 'credential', row({ ...password, attempts: SECRET, policy: { maxFailures: 3 } }));
        return null;
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(CorruptRowError);
    expect(error).toMatchObject({ table: 'credential', shape: `a password context (version ${passwordDefinition.version})`, problems: expect.arrayContaining(['/attempts must be number']) });
    expect(String(error)).not.toContain(SECRET);
  });

  it('that lacks a field its machine needs is refused too', () => {
    const { attempts: _attempts, ...withoutAttempts } = password;
    expect(() => storedContext(passwordDefinition, 'credential', row(withoutAttempts))).toThrow(/must have required properties attempts/);
  });

  it('of another machine version is refused as the runner refuses to run it (410)', () => {
    const refused = (() => {
      try {
        return storedContext(passwordDefinition, 'credential', row(password, passwordDefinition.version - 1));
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(refused).toBeInstanceOf(AuthError);
    expect(refused).toMatchObject({ code: 'FLOW_VERSION_RETIRED', status: 410 });
  });

  it('of a passcode flow carried over from version 4 (no user status, no replaced code) fits', () => {
    const carried = {
      retryDelaysMs: [],
      userId: 'u1',
      channel: 'email',
      subject: 'email:ada@example.com',
      verifies: 'email',
      expiresAt: 1,
      codeLength: 6,
      maxFailures: 3,
      lockoutMs: 1,
      requestId: null,
      approvalData: null,
      requestedAt: 0,
      lockedOutUntil: null,
      carriedAttempts: 2,
      deliveryAttempts: 0,
      deliveredAt: null,
      deliveryFault: null,
      attempts: 2,
      lockedUntil: null,
    };
    expect(storedContext(otpDefinition, 'flow', { id: 'f1', machineVersion: otpDefinition.version, context: carried })).toEqual(carried);
  });

  it('is replayed from an input only when the input fits the machine: a misfit one is shown, not run', () => {
    const stored = { id: 'c1', version: 1, machineVersion: passwordDefinition.version, stateValue: 'active.ready', context: password, events: [] };
    const fitting = instanceView(passwordDefinition, { ...stored, input: { userId: 'u1', setAt: 0, temporary: false } });
    expect(fitting.replays).toBe(true);
    const misfit = instanceView(passwordDefinition, { ...stored, input: { userId: 'u1', setAt: SECRET, temporary: false } });
    expect(misfit).toMatchObject({ replays: false, steps: [] });
  });
});
