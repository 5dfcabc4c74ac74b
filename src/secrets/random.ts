import { randomBytes } from 'node:crypto';
import { nanoid } from 'nanoid';

/** 21-character URL-safe id (126 bits): tenants, apps, users, flows, rows. Not a secret. */
export const newId = (): string => nanoid();

/** A bearer secret (session id, magic-link code, refresh token, client secret): 256 random bits,
 * base64url. Anything that authorizes by possession comes from here. */
export const newSecret = (): string => randomBytes(32).toString('base64url');
