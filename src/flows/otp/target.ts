import type { OtpChannel, OtpInput } from '../../../machines/otp.context.js';
import { AuthError } from '../../errors.js';
import { normalizeEmail, normalizePhoneNumber } from '../../users/identifiers.js';

/** Where the code goes, and which primary address redeeming it proves (none for custom targets). */
export function deliveryTarget(
  request: { readonly channel: OtpChannel; readonly customEmail: string | null; readonly customPhoneNumber: string | null },
  user: { readonly email: string | null; readonly phoneNumber: string | null },
): { to: string | null; verifies: OtpInput['verifies'] } {
  switch (request.channel) {
    case 'direct':
      return { to: null, verifies: null };
    case 'email': {
      if (request.customEmail !== null) return { to: normalizeEmail(request.customEmail), verifies: null };
      if (user.email === null) throw new AuthError('OTP_EMAIL_MISSING');
      return { to: user.email, verifies: 'email' };
    }
    case 'sms': {
      if (request.customPhoneNumber !== null) {
        const phone = normalizePhoneNumber(request.customPhoneNumber);
        if (phone === null) throw new AuthError('OTP_INVALID_INPUT', { message: ['custom_phone_number must be a valid phone number in E.164 format'] });
        return { to: phone, verifies: null };
      }
      if (user.phoneNumber === null) throw new AuthError('OTP_PHONE_MISSING');
      return { to: user.phoneNumber, verifies: 'phone' };
    }
  }
}
