// The magic-link email (mosaic-backend-api.md §2.1, §5.3). Without `email_content` we render our
// default template; with it, the caller's object replaces the template entirely: every field it
// leaves out renders empty, only the link button always stays (labelled with the URL itself when
// no `linkText` is given, so the email remains usable).
//
// Every caller-supplied text is escaped before it reaches the HTML part; the colour and the logo
// are used only when they pass a strict pattern, otherwise they are ignored. No external resources:
// the HTML is inline-styled and table-based, and a logo can only be an inline data URI.

import { escapeHtml } from './escape-html.js';

/** `email_content` as the send request carries it (§5.3). */
export interface EmailContent {
  readonly subject: string;
  readonly primaryColor?: string;
  readonly base64logo?: string;
  readonly headerText?: string;
  readonly bodyText?: string;
  readonly linkText?: string;
  readonly infoText?: string;
  readonly footerText?: string;
  readonly senderName?: string;
}

export interface MagicLinkEmailInput {
  readonly appName: string;
  /** The full link the button opens: built by us from PUBLIC_URL, always http(s). */
  readonly link: string;
  readonly expiresInMinutes: number;
  readonly content: EmailContent | null;
  /** The app's configured brand colour; used by the default template only. */
  readonly primaryColor?: string | null;
}

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Display name to send as (the address stays EMAIL_FROM's); null = EMAIL_FROM's own name. */
  readonly fromName: string | null;
}

const DEFAULT_COLOR = '#2563eb';
const COLOR_PATTERN = /^#[0-9a-fA-F]{3,8}$/;
const LOGO_PATTERN = /^[A-Za-z0-9+/=\s]+$/;
const LOGO_MAX_CHARS = 20_000;
const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

interface Blocks {
  readonly subject: string;
  readonly color: string;
  readonly logo: string | null;
  readonly header: string;
  readonly body: string;
  readonly linkText: string;
  readonly info: string;
  readonly footer: string;
  readonly fromName: string | null;
}

export function renderMagicLinkEmail(input: MagicLinkEmailInput): RenderedEmail {
  if (!/^https?:\/\//i.test(input.link)) {
    throw new TypeError('A magic link must be an absolute http(s) URL');
  }
  const blocks = input.content === null ? defaultBlocks(input) : customBlocks(input.content);
  return {
    subject: blocks.subject,
    text: renderText(blocks, input.link),
    html: renderHtml(blocks, input.link),
    fromName: blocks.fromName,
  };
}

function defaultBlocks(input: MagicLinkEmailInput): Blocks {
  const appName = singleLine(input.appName);
  return {
    subject: `Sign in to ${appName}`,
    color: validColor(input.primaryColor) ?? DEFAULT_COLOR,
    logo: null,
    header: `Sign in to ${appName}`,
    body: `Use the button below to sign in to ${appName}.`,
    linkText: 'Sign in',
    info: `This link expires in ${formatDuration(input.expiresInMinutes)} and can only be used once.`,
    footer: 'If you did not request this email, you can safely ignore it.',
    fromName: null,
  };
}

/** §5.3: the object replaces the template entirely; a field left out renders empty. */
function customBlocks(content: EmailContent): Blocks {
  const senderName = singleLine(text(content.senderName));
  return {
    subject: singleLine(text(content.subject)),
    color: validColor(content.primaryColor) ?? DEFAULT_COLOR,
    logo: validLogo(content.base64logo),
    header: text(content.headerText),
    body: text(content.bodyText),
    linkText: singleLine(text(content.linkText)),
    info: text(content.infoText),
    footer: text(content.footerText),
    fromName: senderName === '' ? null : senderName,
  };
}

function renderText(blocks: Blocks, link: string): string {
  const paragraphs: string[] = [];
  if (blocks.header !== '') paragraphs.push(blocks.header);
  if (blocks.body !== '') paragraphs.push(blocks.body);
  paragraphs.push(blocks.linkText === '' ? link : `${blocks.linkText}: ${link}`);
  if (blocks.info !== '') paragraphs.push(blocks.info);
  if (blocks.footer !== '') paragraphs.push(`--\n${blocks.footer}`);
  return `${paragraphs.map(normalizeNewlines).join('\n\n')}\n`;
}

function renderHtml(blocks: Blocks, link: string): string {
  const color = blocks.color;
  const rows: string[] = [];
  if (blocks.logo !== null) {
    rows.push(
      row(
        `<img src="data:image/png;base64,${blocks.logo}" alt="" style="display:block;margin:0 auto;max-width:160px;max-height:80px;border:0;">`,
        'padding:32px 32px 0;text-align:center;',
      ),
    );
  }
  if (blocks.header !== '') {
    rows.push(
      row(
        `<h1 style="margin:0;font-family:${FONT};font-size:22px;line-height:1.3;font-weight:600;color:#111827;">${html(blocks.header)}</h1>`,
        'padding:32px 32px 0;',
      ),
    );
  }
  if (blocks.body !== '') {
    rows.push(row(paragraph(blocks.body, '16px', '#374151'), 'padding:16px 32px 0;'));
  }
  // The only place the link appears in the HTML part: the button's href. Without a label the URL
  // itself becomes the label, so the email stays usable.
  const label = blocks.linkText === '' ? html(link) : html(blocks.linkText);
  rows.push(
    row(
      '<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 auto;"><tr>' +
        `<td align="center" bgcolor="${color}" style="border-radius:6px;background-color:${color};">` +
        `<a href="${escapeHtml(link)}" target="_blank" rel="noopener noreferrer" style="display:inline-block;padding:12px 28px;font-family:${FONT};font-size:16px;font-weight:600;line-height:1.3;color:#ffffff;text-decoration:none;border-radius:6px;word-break:break-all;">${label}</a>` +
        '</td></tr></table>',
      'padding:28px 32px;text-align:center;',
    ),
  );
  if (blocks.info !== '') {
    rows.push(row(paragraph(blocks.info, '14px', '#4b5563'), 'padding:0 32px 24px;'));
  }
  if (blocks.footer !== '') {
    rows.push(row(paragraph(blocks.footer, '12px', '#6b7280'), 'padding:16px 32px 24px;border-top:1px solid #e5e7eb;'));
  }

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(blocks.subject)}</title>`,
    '</head>',
    '<body style="margin:0;padding:0;background-color:#f3f4f6;">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f3f4f6;">',
    '<tr><td align="center" style="padding:24px 12px;">',
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:560px;background-color:#ffffff;border-radius:8px;border-top:4px solid ${color};">`,
    ...rows,
    '</table>',
    '</td></tr>',
    '</table>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function row(content: string, style: string): string {
  return `<tr><td style="${style}">${content}</td></tr>`;
}

function paragraph(value: string, size: string, color: string): string {
  return `<p style="margin:0;font-family:${FONT};font-size:${size};line-height:1.5;color:${color};">${html(value)}</p>`;
}

/** Escaped, with the caller's line breaks kept as <br>. */
function html(value: string): string {
  return escapeHtml(normalizeNewlines(value)).replace(/\n/g, '<br>');
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** For the subject, the sender name and the button label: no line breaks or other control characters. */
function singleLine(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

function normalizeNewlines(value: string): string {
  return value.replace(/\r\n?/g, '\n');
}

function validColor(value: unknown): string | null {
  return typeof value === 'string' && COLOR_PATTERN.test(value) ? value : null;
}

/** A plain base64 string (no data: URI, nothing else) within the §5.3 size limit. */
function validLogo(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > LOGO_MAX_CHARS || !LOGO_PATTERN.test(value)) {
    return null;
  }
  const compact = value.replace(/\s+/g, '');
  return compact === '' ? null : compact;
}

function formatDuration(minutes: number): string {
  const whole = Math.max(1, Math.round(minutes));
  if (whole >= 60 && whole % 60 === 0) {
    const hours = whole / 60;
    return hours === 1 ? '1 hour' : `${hours} hours`;
  }
  return whole === 1 ? '1 minute' : `${whole} minutes`;
}
