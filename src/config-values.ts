import { isOneOf } from './fields.js';
// Parsers for single environment values, shared by loadConfig (src/config.ts). Each one records a
// problem naming its variable instead of throwing, so the start reports every problem at once.

export type Env = Readonly<Record<string, string | undefined>>;

export interface RateLimit {
  /** Requests allowed per window. */
  readonly max: number;
  readonly windowMs: number;
}

export interface ValueReader {
  text(name: string): string | undefined;
  integer(name: string, fallback: number, min: number, max: number): number;
  boolean(name: string, fallback: boolean): boolean;
  url(name: string, fallback: string, protocols: readonly string[]): string;
  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T;
}

export function valueReader(env: Env, problems: string[]): ValueReader {
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  return {
    text,
    integer(name, fallback, min, max) {
      const raw = text(name);
      if (raw === undefined) return fallback;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < min || value > max) {
        problems.push(`${name}: expected a whole number from ${min} to ${max}, got "${raw}"`);
        return fallback;
      }
      return value;
    },
    boolean(name, fallback) {
      const raw = text(name)?.toLowerCase();
      if (raw === undefined) return fallback;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      problems.push(`${name}: expected true or false, got "${raw}"`);
      return fallback;
    },
    url(name, fallback, protocols) {
      const raw = text(name) ?? fallback;
      try {
        const parsed = new URL(raw);
        if (!protocols.includes(parsed.protocol)) problems.push(`${name}: expected a ${protocols.join(' or ')} URL, got "${parsed.protocol}"`);
      } catch {
        problems.push(`${name}: not a valid URL`);
      }
      return raw.replace(/\/+$/, '');
    },
    oneOf(name, fallback, allowed) {
      const raw = text(name) ?? fallback;
      if (!isOneOf(allowed, raw)) {
        problems.push(`${name}: expected one of ${allowed.join(', ')}, got "${raw}"`);
        return fallback;
      }
      return raw;
    },
  };
}

/** `<PREFIX>_MAX` requests per `<PREFIX>_WINDOW_SECONDS`. */
export const rateLimit = (read: ValueReader, prefix: string, max: number, windowSeconds: number): RateLimit => ({
  max: read.integer(`${prefix}_MAX`, max, 1, 1_000_000),
  windowMs: read.integer(`${prefix}_WINDOW_SECONDS`, windowSeconds, 1, 86_400) * 1000,
});

/** 127.0.0.0/8, ::1 and localhost: the only addresses development mode may listen on. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/** The waits before each background retry of a delivery that met an outage (a passcode lives 5
 * minutes by default: the last retry comes well before). */
const DEFAULT_RETRY_DELAYS_MS: readonly number[] = Object.freeze([2_000, 15_000, 60_000]);

/** "2000,15000" → [2000, 15000]: one wait per retry; "none" → no retries. */
export function retryDelays(raw: string | undefined, problems: string[]): number[] {
  if (raw === undefined) return [...DEFAULT_RETRY_DELAYS_MS];
  if (raw === 'none') return [];
  const delays = raw.split(',').map((part) => Number(part.trim()));
  if (delays.length > 10 || delays.some((delay) => !Number.isInteger(delay) || delay < 0 || delay > 3_600_000)) {
    problems.push('DELIVERY_RETRY_DELAYS_MS: expected up to 10 comma-separated waits in milliseconds (0–3600000), or "none"');
    return [...DEFAULT_RETRY_DELAYS_MS];
  }
  return delays;
}

/** A 32-byte key given as base64 (standard or URL-safe), or null with a problem recorded. */
export function base64Key(name: string, raw: string, problems: string[]): string | null {
  const normalized = raw.replaceAll('-', '+').replaceAll('_', '/');
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(normalized) ? Buffer.from(normalized, 'base64') : Buffer.alloc(0);
  if (bytes.length !== 32) {
    problems.push(`${name}: expected 32 random bytes in base64 (e.g. the output of \`openssl rand -base64 32\`)`);
    return null;
  }
  return bytes.toString('base64');
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
