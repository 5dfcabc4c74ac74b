import { isIP } from 'node:net';
import { Type, type Static } from 'typebox';

// Which relying party an app may declare for passkeys (issue 18). A passkey is bound by the browser
// to its RP id, a registrable domain the page's origin is on; the server accepts a ceremony only from
// the app's listed origins, and only for its RP id. So:
// - the RP id is a lower-case DNS name (never an IP literal: browsers refuse those), without port;
// - each origin is `scheme://host[:port]` and nothing more (no path, query, fragment or userinfo),
//   `https:`, or `http:` on a loopback name (`localhost`, `*.localhost`: a secure context in browsers);
// - every origin's host is the RP id or one of its subdomains (the browser refuses any other pair).

/** Whether the authenticator must verify the user (WebAuthn L3 `UserVerificationRequirement`). */
const UserVerificationShape = Type.Union([Type.Literal('required'), Type.Literal('preferred'), Type.Literal('discouraged')]);
export type UserVerification = Static<typeof UserVerificationShape>;

/** As the app row keeps it (`app.webauthn`) and the admin API shows it (`rp_id`, `origins`,
 * `user_verification`: 'preferred' when unset). */
export const RelyingPartyShape = Type.Object({ rpId: Type.String(), origins: Type.Array(Type.String()), userVerification: Type.Optional(UserVerificationShape) });
export type RelyingParty = Static<typeof RelyingPartyShape>;

const DNS_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const isLoopbackName = (host: string): boolean => host === 'localhost' || host.endsWith('.localhost');

function rpIdProblem(rpId: string): string | null {
  if (isIP(rpId) !== 0) return 'must be a domain name, not an IP address';
  if (!DNS_NAME.test(rpId)) return 'must be a lower-case domain name (no scheme, port or path)';
  return null;
}

function originProblem(origin: string, rpId: string): string | null {
  if (!URL.canParse(origin)) return 'is not a valid origin';
  const url = new URL(origin);
  // An origin is only its scheme, host and port: `new URL(o).origin` gives that back unchanged.
  if (url.origin !== origin) return 'must be scheme://host[:port] only (no path, query, fragment or trailing slash)';
  if (url.protocol === 'http:' && !isLoopbackName(url.hostname)) return 'may use http: only on localhost; use https:';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https: (or http: on localhost)';
  if (url.hostname !== rpId && !url.hostname.endsWith(`.${rpId}`)) return `must be on the RP id's domain (${rpId} or a subdomain)`;
  return null;
}

/** What is wrong with a relying party, as `<field> <problem>` lines (none when it may be declared). */
export function relyingPartyProblems(party: RelyingParty, field: string): string[] {
  const rpId = rpIdProblem(party.rpId);
  if (rpId !== null) return [`${field}.rp_id ${rpId}`];
  if (party.origins.length === 0) return [`${field}.origins must list at least one origin`];
  return party.origins.flatMap((origin, index) => {
    const problem = originProblem(origin, party.rpId);
    return problem === null ? [] : [`${field}.origins.${index} ${problem}`];
  });
}
