// The magic-link email (mosaic-backend-api.md §2.1, §5.3). Without `email_content` we render our
// default template; with it, the caller's object replaces the template entirely: every field it
// leaves out renders empty, only the link button always stays (labelled with the URL itself when
// no `linkText` is given, so the email remains usable). The frame around the button, and all
// escaping and validation of caller-supplied texts, live in layout.ts (shared with the OTP email).

import { escapeHtml } from './escape-html.js';
import { DEFAULT_COLOR, FONT, contentText, customFrame, formatDuration, renderFrameHtml, renderFrameText, row, singleLine, validColor } from './layout.js';
import type { EmailContent, EmailFrame, RenderedEmail } from './layout.js';

export type { EmailContent, RenderedEmail } from './layout.js';

export interface MagicLinkEmailInput {
  readonly appName: string;
  /** The full link the button opens: built by us from PUBLIC_URL, always http(s). */
  readonly link: string;
  readonly expiresInMinutes: number;
  readonly content: EmailContent | null;
  /** The app's configured brand colour; used by the default template only. */
  readonly primaryColor?: string | null;
}

export function renderMagicLinkEmail(input: MagicLinkEmailInput): RenderedEmail {
  if (!/^https?:\/\//i.test(input.link)) {
    throw new TypeError('A magic link must be an absolute http(s) URL');
  }
  const frame = input.content === null ? defaultFrame(input) : customFrame(input.content);
  const linkText = input.content === null ? 'Sign in' : singleLine(contentText(input.content.linkText));
  return {
    subject: frame.subject,
    text: renderFrameText(frame, linkText === '' ? input.link : `${linkText}: ${input.link}`),
    html: renderFrameHtml(frame, buttonRow(frame.color, input.link, linkText)),
    fromName: frame.fromName,
  };
}

function defaultFrame(input: MagicLinkEmailInput): EmailFrame {
  const appName = singleLine(input.appName);
  return {
    subject: `Sign in to ${appName}`,
    color: validColor(input.primaryColor) ?? DEFAULT_COLOR,
    logo: null,
    header: `Sign in to ${appName}`,
    body: `Use the button below to sign in to ${appName}.`,
    info: `This link expires in ${formatDuration(input.expiresInMinutes)} and can only be used once.`,
    footer: 'If you did not request this email, you can safely ignore it.',
    fromName: null,
  };
}

/**
 * The only place the link appears in the HTML part: the button's href. Without a label the URL
 * itself becomes the label, so the email stays usable.
 */
function buttonRow(color: string, link: string, linkText: string): string {
  const label = escapeHtml(linkText === '' ? link : linkText);
  return row(
    '<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 auto;"><tr>' +
      `<td align="center" bgcolor="${color}" style="border-radius:6px;background-color:${color};">` +
      `<a href="${escapeHtml(link)}" target="_blank" rel="noopener noreferrer" style="display:inline-block;padding:12px 28px;font-family:${FONT};font-size:16px;font-weight:600;line-height:1.3;color:#ffffff;text-decoration:none;border-radius:6px;word-break:break-all;">${label}</a>` +
      '</td></tr></table>',
    'padding:28px 32px;text-align:center;',
  );
}
