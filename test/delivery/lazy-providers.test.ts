import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// A server on its embedded defaults (dev outbox, counters in memory) does not load the clients of
// providers it was not given: nodemailer's transport, Twilio's SDK and ioredis cost tens of MB of
// memory (issue 10). Configured, each is loaded. Checked in a plain Node process of its own
// (test/fixtures/provider-clients.mjs, on the built dist/ as the server process runs), whose module
// cache holds only what the server code loaded;
// test/architecture.test.ts checks the imports of all three.

const run = async (...providers: string[]) => {
  const { stdout } = await promisify(execFile)(process.execPath, ['test/fixtures/provider-clients.mjs', ...providers], { timeout: 30_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { kinds: string[]; loaded: string[] };
};

describe('provider clients are loaded only when configured', () => {
  it('the embedded defaults load none of them', async () => {
    expect(await run()).toEqual({ kinds: ['outbox', 'outbox'], loaded: [] });
  });

  it('Twilio configured loads its SDK', async () => {
    expect(await run('smtp')).toEqual({ kinds: ['smtp', 'outbox'], loaded: [] });
    expect(await run('smtp', 'twilio')).toEqual({ kinds: ['smtp', 'twilio'], loaded: ['twilio'] });
  });
});
