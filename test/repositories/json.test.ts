import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CorruptRowError } from '../../src/corrupt-row.js';
import { openMessage } from '../../src/delivery/kept-messages.js';
import { storedTotpParams } from '../../src/flows/totp/strategy.js';
import { toJson } from '../../src/repositories/json.js';
import { createSealer } from '../../src/secrets/sealer.js';

// Values cross the repository edge checked, not asserted: what a JSON column is written from is
// rebuilt as JSON (and refused, with its path, when JSON cannot hold it); what a sealed message or
// a credential's params column holds is parsed by a schema of its shape when it is read.

describe('toJson', () => {
  it('rebuilds a JSON value as it is, leaving out undefined fields as JSON.stringify does', () => {
    const value = { a: 1, b: 'two', c: [true, null, { d: 4 }], e: null, f: undefined };
    expect(toJson(value)).toEqual({ a: 1, b: 'two', c: [true, null, { d: 4 }], e: null });
    expect(JSON.stringify(toJson(value))).toBe(JSON.stringify(value));
  });

  it('keeps a value that says how it is written (a Date) for the client to write that way', () => {
    const at = new Date(0);
    expect(toJson({ at })).toEqual({ at });
  });

  it('refuses what JSON cannot hold, naming where it is', () => {
    expect(() => toJson({ profile: { id: 1n } })).toThrow('$.profile.id: bigint cannot be stored as JSON');
    expect(() => toJson([() => 1])).toThrow('$[0]: function cannot be stored as JSON');
  });
});

describe('values parsed when they are read', () => {
  const sealer = createSealer(randomBytes(32));
  const seal = (flowId: string, value: unknown) => sealer.seal(JSON.stringify(value), `delivery-job:${flowId}`);

  it('opens a kept message of either channel', () => {
    const email = { channel: 'email', email: { to: 'a@example.com', subject: 's', text: 't', html: '<p>t</p>', fromName: null } };
    const sms = { channel: 'sms', sms: { to: '+447700900123', body: 'code' } };
    expect(openMessage(sealer, 'f1', seal('f1', email))).toEqual(email);
    expect(openMessage(sealer, 'f2', seal('f2', sms))).toEqual(sms);
  });

  it('refuses a kept message of another shape, without its content in the error', () => {
    const open = () => openMessage(sealer, 'f3', seal('f3', { channel: 'sms', email: { to: 'secret@example.com' } }));
    expect(open).toThrow(CorruptRowError);
    expect(open).not.toThrow(/secret@example\.com/);
  });

  it("reads a TOTP credential's params, and refuses params of another shape", () => {
    expect(storedTotpParams({ id: 'c1', secret: 's', params: { algorithm: 'sha256', digits: 8, period: 30 } })).toEqual({ algorithm: 'sha256', digits: 8, period: 30 });
    expect(() => storedTotpParams({ id: 'c2', secret: 's', params: { algorithm: 'md5', digits: 6, period: 30 } })).toThrow(CorruptRowError);
  });
});
