import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { IdentifierType } from '../repositories/user-repository.js';
import { isOneOf } from '../fields.js';

// Identifiers are normalised once, the same way when stored and when looked up: emails
// lower-cased, phone numbers in E.164.

const IDENTIFIER_TYPES: readonly IdentifierType[] = ['email', 'phone_number', 'user_id', 'username'];

export function isIdentifierType(value: string): value is IdentifierType {
  return isOneOf(IDENTIFIER_TYPES, value);
}

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** E.164, or null when the text is not a valid international number. */
export function normalizePhoneNumber(phone: string): string | null {
  const parsed = parsePhoneNumberFromString(phone.trim());
  return parsed?.isValid() ? parsed.number : null;
}

/** The stored form of an identifier, or null when it cannot name anyone. */
export function normalizeIdentifier(type: IdentifierType, value: string): string | null {
  switch (type) {
    case 'email':
      return normalizeEmail(value);
    case 'phone_number':
      return normalizePhoneNumber(value);
    case 'user_id':
    case 'username':
      return value;
  }
}
