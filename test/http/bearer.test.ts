import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerCredential, clientBearerToken, isCanonicalBase64url } from '../../src/http/bearer.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// A client access token is a JWS compact serialization. Lenient base64 decoding would let many
// spellings of one signed token through (padding, the unused low bits of a segment's last
// character); each such spelling is refused with 401 before the token reaches jose. The admin token
// is an opaque configured secret, compared exactly as presented.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const ADMIN_TOKEN = 'Adm1n+Token/With-Padding==';

let db: TestDatabase;
let server: TestServer;
let token: string;
let userPath: string;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url, env: { KEYSTATE_ADMIN_TOKEN: ADMIN_TOKEN } });
  const client = await server.createApp();
  token = await client.token();
  const created = await client.call('POST', '/cis/v1/users', { email: 'bearer@example.com' });
  userPath = `/cis/v1/users/${created.body.result.user_id}`;
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const withAuthorization = (path: string, authorization: string) => fetch(`${server.url}${path}`, { headers: { authorization } });

/** Every other spelling of `segment` that decodes to the same bytes: its last character with
 * some of the unused low bits set. */
function nonCanonicalSpellings(segment: string): string[] {
  const unusedBits = { 0: 0, 2: 0b1111, 3: 0b11 }[segment.length % 4] ?? 0;
  const last = ALPHABET.indexOf(segment.charAt(segment.length - 1));
  const spellings: string[] = [];
  for (let bits = 1; bits <= unusedBits; bits++) spellings.push(`${segment.slice(0, -1)}${ALPHABET.charAt(last | bits)}`);
  return spellings;
}

const replaceSegment = (jws: string, index: number, segment: string) =>
  jws
    .split('.')
    .map((part, at) => (at === index ? segment : part))
    .join('.');

describe('client access tokens over HTTP', () => {
  it('the token as issued is accepted', async () => {
    expect((await withAuthorization(userPath, `Bearer ${token}`)).status).toBe(200);
    expect((await withAuthorization(userPath, `bearer  ${token}`)).status).toBe(200);
  });

  it('the signature with its unused low bits set decodes to the same bytes, and is refused', async () => {
    const signature = token.split('.')[2] ?? '';
    // RS256: 256 bytes → 342 characters, the last carrying 4 unused bits → 15 other spellings.
    const spellings = nonCanonicalSpellings(signature);
    expect(spellings).toHaveLength(15);
    for (const spelling of spellings) {
      expect(Buffer.from(spelling, 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true);
      const answer = await withAuthorization(userPath, `Bearer ${replaceSegment(token, 2, spelling)}`);
      expect(answer.status, spelling.slice(-4)).toBe(401);
      expect(await answer.json()).toEqual({ message: 'Invalid token', error_code: 401 });
    }
  });

  // jose would refuse these anyway (the signature covers the segments as spelled); we refuse them
  // earlier, with the signature ones.
  it('non-canonical header and payload segments are refused too', async () => {
    const [header = '', payload = ''] = token.split('.');
    const variants = [...nonCanonicalSpellings(header).map((s) => replaceSegment(token, 0, s)), ...nonCanonicalSpellings(payload).map((s) => replaceSegment(token, 1, s))];
    for (const variant of variants) expect((await withAuthorization(userPath, `Bearer ${variant}`)).status).toBe(401);
  });

  it('padding with "=", anywhere, is refused', async () => {
    const segments = token.split('.');
    const padded = (segment: string) => `${segment}${'='.repeat((4 - (segment.length % 4)) % 4 || 1)}`;
    const variants = [`${token}=`, `${token}==`, ...segments.map((segment, index) => replaceSegment(token, index, padded(segment)))];
    for (const variant of variants) {
      const answer = await withAuthorization(userPath, `Bearer ${variant}`);
      expect(answer.status, variant.slice(-6)).toBe(401);
      expect(await answer.json()).toEqual({ message: 'Invalid token', error_code: 401 });
    }
  });

  it('the standard base64 alphabet, 4n+1-character segments and other shapes are refused', async () => {
    const [header = '', payload = '', signature = ''] = token.split('.');
    const variants = [
      token.replaceAll('-', '+').replaceAll('_', '/'),
      `${header}.${payload}.${signature}A`,
      `${header}.${payload}A.${signature}`,
      `${header}.${payload}`,
      `${header}.${payload}.${signature}.${signature}`,
      `${header}..${payload}.${signature}`,
    ];
    expect(variants[0]).not.toBe(token);
    for (const variant of variants) expect((await withAuthorization(userPath, `Bearer ${variant}`)).status).toBe(401);
  });
});

describe('the admin token over HTTP', () => {
  it('is accepted exactly as configured (any RFC 6750 b64token, its padding included)', async () => {
    expect((await withAuthorization('/admin/v1/applications/unknown', `Bearer ${ADMIN_TOKEN}`)).status).toBe(404);
  });

  it('a trimmed, re-padded or otherwise different spelling is refused', async () => {
    for (const variant of [ADMIN_TOKEN.replace(/=+$/, ''), `${ADMIN_TOKEN.replace(/=+$/, '')}=`, `${ADMIN_TOKEN}=`, ADMIN_TOKEN.replace('+', '-').replace('/', '_')]) {
      const answer = await withAuthorization('/admin/v1/applications/unknown', `Bearer ${variant}`);
      expect(answer.status, variant).toBe(401);
      expect(await answer.json()).toEqual({ message: 'Invalid admin token', error_code: 401 });
    }
  });
});

describe('parsing', () => {
  it('isCanonicalBase64url: the base64url alphabet, no padding, no 4n+1 length, unused bits zero', () => {
    for (const segment of ['', 'AA', 'AAA', 'AAAA', 'QQ', 'gw', 'wA', 'AAE', 'AAI', 'AA8', 'AAw', '-_-_', 'eyJhbGciOiJSUzI1NiJ9']) {
      expect(isCanonicalBase64url(segment), segment).toBe(true);
    }
    for (const segment of ['A', 'AAAAA', 'AB', 'AP', 'Af', 'AAB', 'AAF', 'AA_', 'AA==', 'AAA=', 'A+/A', 'AA AA', 'AA.A', 'ü']) {
      expect(isCanonicalBase64url(segment), segment).toBe(false);
    }
    // Every 1- and 2-byte value encodes canonically; every other last character is refused.
    for (let value = 0; value < 256; value++) expect(isCanonicalBase64url(Buffer.from([value]).toString('base64url'))).toBe(true);
    for (let value = 0; value < 65536; value += 257) expect(isCanonicalBase64url(Buffer.from([value >> 8, value & 255]).toString('base64url'))).toBe(true);
    expect(ALPHABET.split('').filter((last) => isCanonicalBase64url(`A${last}`))).toEqual(['A', 'Q', 'g', 'w']);
    expect(ALPHABET.split('').filter((last) => isCanonicalBase64url(`AA${last}`))).toHaveLength(16);
  });

  it('bearerCredential: the b64token after "Bearer", exactly as presented', () => {
    expect(bearerCredential('Bearer abc.DEF-_~+/==')).toBe('abc.DEF-_~+/==');
    expect(bearerCredential('bearer   token ')).toBe('token');
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a b', 'Bearer =abc', 'Bearer ab=c', 'Bearer a,b', 'Bearertoken']) {
      expect(bearerCredential(header), String(header)).toBeNull();
    }
  });

  it('clientBearerToken: three canonical base64url segments, or nothing', () => {
    expect(clientBearerToken('Bearer eyJh.eyJz.c2ln')).toBe('eyJh.eyJz.c2ln');
    for (const header of ['Bearer eyJh.eyJz.c2ln=', 'Bearer eyJh.eyJz', 'Bearer eyJh.eyJz.c2l+', 'Bearer eyJh.eyJz.c2B', 'Bearer eyJh.eyJz.c', 'Bearer a.b.c.d.e', undefined]) {
      expect(clientBearerToken(header), String(header)).toBeNull();
    }
  });
});
