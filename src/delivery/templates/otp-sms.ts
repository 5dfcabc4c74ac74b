// The one-time-passcode SMS (mosaic-backend-api.md §2.3, §5.4). `custom_sms_input.custom_message`
// replaces our default text; it must carry both placeholders, `{otp}` (the code) and `{app}` (the
// app name), and stay within 140 characters. The API checks it with checkCustomSmsMessage() and
// answers 400 before anything is generated or sent.

const CUSTOM_SMS_MAX_CHARS = 140;

export interface OtpSmsInput {
  readonly appName: string;
  readonly code: string;
  /** custom_sms_input.custom_message; null or blank = our default text. */
  readonly customMessage: string | null;
}

export function renderOtpSms(input: OtpSmsInput): string {
  const appName = plainText(input.appName);
  const custom = input.customMessage?.trim() ?? '';
  if (custom === '') return `${input.code} is your ${appName} verification code.`;
  const problem = checkCustomSmsMessage(custom);
  if (problem !== null) throw new TypeError(problem);
  // One pass, so an app name that itself contains "{otp}" is not expanded a second time.
  return custom.replace(/\{(otp|app)\}/g, (_match, name: string) => (name === 'otp' ? input.code : appName));
}

/** A human-readable problem with a custom_message (§5.4), or null when it may be used. */
export function checkCustomSmsMessage(message: string): string | null {
  const problems: string[] = [];
  if (!message.includes('{otp}')) problems.push('must contain the {otp} placeholder');
  if (!message.includes('{app}')) problems.push('must contain the {app} placeholder');
  // Characters as a person counts them: an emoji is one, not two UTF-16 units.
  if ([...message].length > CUSTOM_SMS_MAX_CHARS) problems.push(`must be at most ${CUSTOM_SMS_MAX_CHARS} characters`);
  return problems.length === 0 ? null : `custom_message ${problems.join(', and ')}`;
}

/** The app name inside a text message: no line breaks or other control characters. */
function plainText(value: string): string {
  return (
    value
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/ {2,}/g, ' ')
      .trim()
  );
}
