import { isIPv4 } from 'node:net';
import ajvFormats from 'ajv-formats';

// Which redirect URIs an app may register (keystate-server.md §4). Magic-link codes are delivered
// to these addresses, so a registered URI must be one a browser can only follow to the app itself:
// - `https:` with a host;
// - `http:` only to a loopback host (RFC 8252 §7.3: native apps listening on the device);
// - a private-use scheme in reverse-DNS form (RFC 8252 §7.1, `com.example.app:/callback`): a
//   dotted name is one the app's owner controls, a bare `myapp:` could be claimed by any app.
// Never a scheme that runs or embeds content (`javascript:`, `data:`, `vbscript:`, `file:`), never
// userinfo (`https://trusted.example@evil.example/` reads as the wrong host), never a fragment
// (RFC 6749 §3.1.2: the code is added to the query; a fragment would survive into the page).

const SCRIPT_SCHEMES = new Set(['javascript', 'data', 'vbscript', 'file']);
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const REVERSE_DNS_SCHEME = /^[a-z][a-z0-9+-]*(?:\.[a-z0-9+-]+)+$/i;
/** The raw authority of a `scheme://authority…` URI, before any parser normalises it. */
const AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i;
// Space, C0 controls and DEL: browsers strip or skip them, so `\tjavascript:` still runs.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's job
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f]/;
const EVERY_CONTROL_OR_SPACE = new RegExp(CONTROL_OR_SPACE.source, 'g');

// RFC 3986 syntax (ajv-formats' `uri` check; if it is missing, every URI is refused): the WHATWG
// parser alone would quietly repair `https:evil.example` or `https:\\evil.example` into another address.
// (`.default`: ajv-formats is CommonJS, and its module object carries the plugin under `default` too.)
const uriFormat = ajvFormats.default.get('uri');
const isRfc3986Uri = (value: string): boolean => typeof uriFormat === 'function' && uriFormat(value) === true;

const isLoopbackHost = (hostname: string): boolean => hostname === 'localhost' || hostname === '[::1]' || (isIPv4(hostname) && hostname.startsWith('127.'));

/** Why `uri` may not be registered as a redirect URI, or null when it may. */
export function redirectUriProblem(uri: string): string | null {
  const scheme = SCHEME.exec(uri.replace(EVERY_CONTROL_OR_SPACE, ''))?.[1]?.toLowerCase();
  if (scheme !== undefined && SCRIPT_SCHEMES.has(scheme)) return `must not use the ${scheme}: scheme`;
  if (CONTROL_OR_SPACE.test(uri)) return 'must not contain spaces or control characters';
  if (scheme === undefined) return 'must be an absolute URI with a scheme';
  if (uri.includes('#')) return 'must not have a fragment';
  if (!isRfc3986Uri(uri) || !URL.canParse(uri)) return 'is not a valid URI';
  const authority = AUTHORITY.exec(uri)?.[1];
  if (authority?.includes('@')) return 'must not contain userinfo (user@)';

  if (scheme === 'https' || scheme === 'http') {
    if (authority === undefined || authority === '') return `must be ${scheme}://host/…`;
    if (scheme === 'http' && !isLoopbackHost(new URL(uri).hostname)) {
      return 'may use http: only for a loopback host (localhost, 127.0.0.0/8, [::1]); use https:';
    }
    return null;
  }
  if (!REVERSE_DNS_SCHEME.test(scheme)) {
    return 'must use https:, http: on a loopback host, or a private-use scheme in reverse-DNS form (com.example.app:/callback)';
  }
  return null;
}
