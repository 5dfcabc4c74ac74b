import { randomBytes } from 'node:crypto';
import type { LoadJob, Principal } from './job.js';

// What one autocannon connection sends, scenario by scenario. Each connection gets its own Flow
// (its own user, session or refresh-token family) and walks through the scenario's steps in a
// loop; the state lives here, in a closure, because autocannon resets a connection's `context`
// every time its request list wraps around.

interface Request {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
  readonly form?: boolean;
  /** Send the client access token (every /cis endpoint wants it). */
  readonly bearer: boolean;
}

type Verdict = 'next' | 'again' | { readonly fail: string };
type Headers = Readonly<Record<string, string | string[] | undefined>>;

interface Step {
  readonly build: () => Request;
  /** The status this step must answer: 200, or 302 for the emailed link; the flood's logins, 400
   * (nobody by that name) or 503 (turned away while password hashing is saturated). */
  readonly expect: number | readonly number[];
  /** Reads what the next steps need from a response with the expected status. */
  readonly accept?: (body: string, headers: Headers) => Verdict;
}

export interface Tally {
  sequences: number;
  unexpected: number;
  stalePolls: number;
  readonly statuses: Record<string, number>;
  readonly samples: string[];
  /** Milliseconds from building each request (autocannon writes it at once) to its response. */
  readonly latencies: number[];
}

export interface Flow {
  request(): Request;
  response(status: number, body: string, headers: Headers): void;
}

const json = (value: unknown): string => JSON.stringify(value);
const post = (path: string, body: unknown): Request => ({ method: 'POST', path, body: json(body), bearer: true });
const field = (body: string, name: string): string | undefined => {
  try {
    const value: unknown = (JSON.parse(body) as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
};
const header = (headers: Headers, name: string): string | undefined => {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value[0] : value;
};
/** Stores what a step read, or fails the step when the answer lacks it. */
const keep = (value: string | undefined | null, what: string, set: (value: string) => void): Verdict => {
  if (value === undefined || value === null || value === '') return { fail: `no ${what} in the answer` };
  set(value);
  return 'next';
};

/** The passcode in a dev-outbox email: the one paragraph of the text that is a single code. */
function codeInEmail(text: string): string | undefined {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .find((paragraph) => /^[A-Za-z0-9-]{4,32}$/.test(paragraph));
}

function stepsOf(job: LoadJob, who: Principal): Step[] {
  const asUser = { identifier_type: 'user_id', identifier: who.userId };
  let code = '';
  switch (job.scenario) {
    case 'client-token': {
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: job.client.id, client_secret: job.client.secret }).toString();
      return [{ build: () => ({ method: 'POST', path: '/oidc/token', body: form, form: true, bearer: false }), expect: 200 }];
    }
    case 'silent-auth':
      return [{ build: () => post('/cis/v1/auth/session/authenticate', { session_id: who.sessionId }), expect: 200 }];
    case 'refresh': {
      // Each answer rotates the family: the next request must present the token just returned.
      let token = who.refreshToken ?? '';
      return [
        { build: () => post('/cis/v1/auth/token/refresh', { refresh_token: token }), expect: 200, accept: (body) => keep(field(body, 'refresh_token'), 'refresh_token', (value) => (token = value)) },
      ];
    }
    case 'otp-login':
      return [
        { build: () => post('/cis/v1/auth/otp/send', { channel: 'direct', ...asUser }), expect: 200, accept: (body) => keep(field(body, 'code'), 'code', (value) => (code = value)) },
        { build: () => post('/cis/v1/auth/otp/authenticate', { passcode: code, ...asUser }), expect: 200 },
      ];
    case 'otp-login-outbox': {
      // The newest message to this address; one we have already used means the new one is not
      // there yet (delivery may finish after the answer), so the read is repeated.
      let lastMessage = '';
      const outboxPath = `/dev/outbox?to=${encodeURIComponent(who.email)}&limit=1`;
      const read = (body: string): Verdict => {
        const [message] = JSON.parse(body) as { id: string; text: string }[];
        if (message === undefined || message.id === lastMessage) return 'again';
        lastMessage = message.id;
        return keep(codeInEmail(message.text), 'passcode in the email', (value) => (code = value));
      };
      return [
        { build: () => post('/cis/v1/auth/otp/send', { channel: 'email', ...asUser }), expect: 200 },
        { build: () => ({ method: 'GET', path: outboxPath, bearer: false }), expect: 200, accept: read },
        { build: () => post('/cis/v1/auth/otp/authenticate', { passcode: code, ...asUser }), expect: 200 },
      ];
    }
    case 'magic-link-login': {
      let linkPath = '';
      const send = { identifier: who.email, identifier_type: 'email', redirect_uri: job.redirectUri, channel: 'direct' };
      const linkOf = (link: string | undefined) => (link === undefined ? undefined : `${new URL(link).pathname}${new URL(link).search}`);
      const codeOf = (location: string | undefined) => (location === undefined ? undefined : new URL(location).searchParams.get('code'));
      return [
        { build: () => post('/cis/v1/auth/link/email/send', send), expect: 200, accept: (body) => keep(linkOf(field(body, 'link')), 'link', (value) => (linkPath = value)) },
        // The link is public (a browser follows it); it goes to this connection's server.
        {
          build: () => ({ method: 'GET', path: linkPath, bearer: false }),
          expect: 302,
          accept: (_body, headers) => keep(codeOf(header(headers, 'location')), 'code in Location', (value) => (code = value)),
        },
        { build: () => post('/cis/v1/auth/link/email/authenticate', { code }), expect: 200 },
      ];
    }
    case 'password-flood': {
      // An attacker's flood: every login names a new random username, so each costs a comparison
      // (against the decoy) and no limit per user ever applies.
      const login = () => post('/cis/v1/auth/password/authenticate', { username: `nobody-${randomBytes(8).toString('hex')}`, password: 'Wrong-Horse-42-battery' });
      return [{ build: login, expect: [400, 503] }];
    }
  }
}

const expected = (step: Step, status: number): boolean => (typeof step.expect === 'number' ? status === step.expect : step.expect.includes(status));

/** One connection's walk through the scenario; an unexpected answer starts the sequence over. */
export function createFlow(job: LoadJob, who: Principal, tally: Tally): Flow {
  const steps = stepsOf(job, who);
  let index = 0;
  let sent: Request | undefined;
  let sentAt = 0;
  const current = (): Step => steps[index] ?? (steps[0] as Step);
  const fail = (why: string) => {
    tally.unexpected++;
    const sample = `${sent?.method} ${sent?.path.split('?')[0]}: ${why}`;
    if (tally.samples.length < 3 && !tally.samples.includes(sample)) tally.samples.push(sample);
    index = 0;
  };
  return {
    request() {
      sent = current().build();
      sentAt = performance.now();
      return sent;
    },
    response(status, body, headers) {
      tally.latencies.push(performance.now() - sentAt);
      tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
      const step = current();
      if (!expected(step, status)) return fail(`${status} ${body.slice(0, 160)}`);
      let verdict: Verdict;
      try {
        verdict = step.accept?.(body, headers) ?? 'next';
      } catch (error) {
        verdict = { fail: `unreadable answer (${(error as Error).message})` };
      }
      if (verdict === 'again') tally.stalePolls++;
      else if (verdict !== 'next') fail(verdict.fail);
      else if (++index === steps.length) {
        index = 0;
        tally.sequences++;
      }
    },
  };
}
