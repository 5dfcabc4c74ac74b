// The shared shape of our emails (magic link, OTP): a frame of optional texts (header, body, info,
// footer, logo, colour) around one "action" (the link button, the code). The frame comes either
// from a template's defaults or from the caller's `email_content`, which replaces the defaults
// entirely: every field it leaves out renders empty (mosaic-backend-api.md §5.3).
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

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Display name to send as (the address stays EMAIL_FROM's); null = EMAIL_FROM's own name. */
  readonly fromName: string | null;
}

/** Everything around the action; an empty text is left out of both parts. */
export interface EmailFrame {
  readonly subject: string;
  readonly color: string;
  readonly logo: string | null;
  readonly header: string;
  readonly body: string;
  readonly info: string;
  readonly footer: string;
  readonly fromName: string | null;
}

export const DEFAULT_COLOR = '#2563eb';
export const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const COLOR_PATTERN = /^#[0-9a-fA-F]{3,8}$/;
const LOGO_PATTERN = /^[A-Za-z0-9+/=\s]+$/;
const LOGO_MAX_CHARS = 20_000;

/** §5.3: the object replaces the template entirely; a field left out renders empty. */
export function customFrame(content: EmailContent): EmailFrame {
  const senderName = singleLine(contentText(content.senderName));
  return {
    subject: singleLine(contentText(content.subject)),
    color: validColor(content.primaryColor) ?? DEFAULT_COLOR,
    logo: validLogo(content.base64logo),
    header: contentText(content.headerText),
    body: contentText(content.bodyText),
    info: contentText(content.infoText),
    footer: contentText(content.footerText),
    fromName: senderName === '' ? null : senderName,
  };
}

/** The text part: the frame's texts as paragraphs with `action` after the body. */
export function renderFrameText(frame: EmailFrame, action: string): string {
  const paragraphs: string[] = [];
  if (frame.header !== '') paragraphs.push(frame.header);
  if (frame.body !== '') paragraphs.push(frame.body);
  paragraphs.push(action);
  if (frame.info !== '') paragraphs.push(frame.info);
  if (frame.footer !== '') paragraphs.push(`--\n${frame.footer}`);
  return `${paragraphs.map(normalizeNewlines).join('\n\n')}\n`;
}

/** The HTML part: `actionRow` (already escaped, built with row()) goes after the body. */
export function renderFrameHtml(frame: EmailFrame, actionRow: string): string {
  const color = frame.color;
  const rows: string[] = [];
  if (frame.logo !== null) {
    rows.push(row(`<img src="data:image/png;base64,${frame.logo}" alt="" style="display:block;margin:0 auto;max-width:160px;max-height:80px;border:0;">`, 'padding:32px 32px 0;text-align:center;'));
  }
  if (frame.header !== '') {
    rows.push(row(`<h1 style="margin:0;font-family:${FONT};font-size:22px;line-height:1.3;font-weight:600;color:#111827;">${htmlText(frame.header)}</h1>`, 'padding:32px 32px 0;'));
  }
  if (frame.body !== '') {
    rows.push(row(paragraph(frame.body, '16px', '#374151'), 'padding:16px 32px 0;'));
  }
  rows.push(actionRow);
  if (frame.info !== '') {
    rows.push(row(paragraph(frame.info, '14px', '#4b5563'), 'padding:0 32px 24px;'));
  }
  if (frame.footer !== '') {
    rows.push(row(paragraph(frame.footer, '12px', '#6b7280'), 'padding:16px 32px 24px;border-top:1px solid #e5e7eb;'));
  }

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(frame.subject)}</title>`,
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

/** One table row; `content` must already be escaped. */
export function row(content: string, style: string): string {
  return `<tr><td style="${style}">${content}</td></tr>`;
}

function paragraph(value: string, size: string, color: string): string {
  return `<p style="margin:0;font-family:${FONT};font-size:${size};line-height:1.5;color:${color};">${htmlText(value)}</p>`;
}

/** Escaped, with the caller's line breaks kept as <br>. */
function htmlText(value: string): string {
  return escapeHtml(normalizeNewlines(value)).replace(/\n/g, '<br>');
}

/** A caller-supplied field: trimmed text, or empty when absent or not a string. */
export function contentText(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** For the subject, the sender name and the button label: no line breaks or other control characters. */
export function singleLine(value: string): string {
  return (
    value
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/ {2,}/g, ' ')
      .trim()
  );
}

function normalizeNewlines(value: string): string {
  return value.replace(/\r\n?/g, '\n');
}

export function validColor(value: unknown): string | null {
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

export function formatDuration(minutes: number): string {
  const whole = Math.max(1, Math.round(minutes));
  if (whole >= 60 && whole % 60 === 0) {
    const hours = whole / 60;
    return hours === 1 ? '1 hour' : `${hours} hours`;
  }
  return whole === 1 ? '1 minute' : `${whole} minutes`;
}
