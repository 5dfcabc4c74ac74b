import { AuthError } from '../errors.js';

/** 409 for an identifier or username another user holds (the newer spec's `ts_error_code` too):
 * creating a user, and setting a username with a password. */
export const userConflict = (message: string) => new AuthError('USER_EXISTS', { message, extraBody: { ts_error_code: 'user_already_exists' } });
