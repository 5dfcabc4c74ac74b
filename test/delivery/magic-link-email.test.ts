import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/delivery/templates/escape-html.js';
import { renderMagicLinkEmail } from '../../src/delivery/templates/magic-link-email.js';
import type { EmailContent, MagicLinkEmailInput } from '../../src/delivery/templates/magic-link-email.js';

const LINK = 'https://keystate.test/cis/v1/auth/link/email/open?code=c0de-123&state=s1';

const input = (overrides: Partial<MagicLinkEmailInput> = {}): MagicLinkEmailInput => ({
  appName: 'Acme',
  link: LINK,
  expiresInMinutes: 15,
  content: null,
  ...overrides,
});

const occurrences = (haystack: string, needle: string): number => haystack.split(needle).length - 1;
const hrefs = (html: string): string[] => [...html.matchAll(/href="([^"]*)"/g)].map((match) => match[1] ?? '');

describe('renderMagicLinkEmail', () => {
  describe('default template', () => {
    it('puts the link exactly once in the HTML href and once in the text', () => {
      const email = renderMagicLinkEmail(input());

      expect(hrefs(email.html)).toEqual([escapeHtml(LINK)]);
      expect(occurrences(email.html, escapeHtml(LINK))).toBe(1);
      expect(occurrences(email.text, LINK)).toBe(1);
    });

    it('names the app, mentions the expiry and keeps the configured sender', () => {
      const email = renderMagicLinkEmail(input());

      expect(email.subject).toBe('Sign in to Acme');
      expect(email.fromName).toBeNull();
      expect(email.text).toContain('15 minutes');
      expect(email.html).toContain('15 minutes');
      expect(email.html).toContain('Sign in to Acme');
      expect(email.text).toContain('If you did not request this email');
    });

    it('escapes the app name and uses a valid app colour', () => {
      const email = renderMagicLinkEmail(input({ appName: 'Acme <b>Corp</b>', primaryColor: '#ff8800' }));

      expect(email.html).toContain('Acme &lt;b&gt;Corp&lt;/b&gt;');
      expect(email.html).not.toContain('<b>');
      expect(email.html).toContain('#ff8800');
    });

    it('loads no external resources', () => {
      const { html } = renderMagicLinkEmail(input());

      expect(html).not.toMatch(/src="(?!data:)/);
      expect(html).not.toMatch(/<link|url\(/i);
    });

    it('refuses a link that is not http(s)', () => {
      expect(() => renderMagicLinkEmail(input({ link: 'javascript:alert(1)' }))).toThrow(TypeError);
    });
  });

  describe('custom email_content', () => {
    const full: EmailContent = {
      subject: 'Your Acme login',
      primaryColor: '#6981FF',
      base64logo: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      headerText: 'Welcome back',
      bodyText: 'Tap below to continue.',
      linkText: 'Continue to Acme',
      infoText: 'Valid for a short time.',
      footerText: 'Not you? Ignore this.',
      senderName: 'Acme Security',
    };

    it('replaces every default text', () => {
      const email = renderMagicLinkEmail(input({ content: full }));

      expect(email.subject).toBe('Your Acme login');
      expect(email.fromName).toBe('Acme Security');
      for (const value of ['Welcome back', 'Tap below to continue.', 'Continue to Acme', 'Valid for a short time.', 'Not you? Ignore this.']) {
        expect(email.html).toContain(value);
        expect(email.text).toContain(value);
      }
      expect(email.html).not.toContain('Sign in to Acme');
      expect(email.text).not.toContain('15 minutes');
      expect(email.html).toContain('#6981FF');
      expect(email.html).toContain(`<img src="data:image/png;base64,${full.base64logo}"`);
      expect(hrefs(email.html)).toEqual([escapeHtml(LINK)]);
      expect(occurrences(email.text, LINK)).toBe(1);
    });

    it('escapes every caller-supplied text in the HTML part', () => {
      const hostile = '<script>alert("x")</script>';
      const email = renderMagicLinkEmail(
        input({
          content: {
            subject: hostile,
            headerText: hostile,
            bodyText: hostile,
            linkText: hostile,
            infoText: hostile,
            footerText: hostile,
            senderName: 'Acme',
          },
        }),
      );

      expect(email.html).not.toContain('<script>');
      expect(email.html).not.toContain('"x"');
      expect(occurrences(email.html, '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;')).toBe(6); // title + 5 blocks
    });

    it('renders missing fields empty and labels the button with the URL', () => {
      const email = renderMagicLinkEmail(input({ content: { subject: 'Hi' } }));

      expect(email.subject).toBe('Hi');
      expect(email.fromName).toBeNull();
      expect(email.html).not.toContain('<h1');
      expect(email.html).not.toContain('<img');
      expect(email.html).not.toContain('Sign in');
      expect(email.html).not.toContain('ignore');
      expect(hrefs(email.html)).toEqual([escapeHtml(LINK)]);
      expect(email.html).toContain(`>${escapeHtml(LINK)}</a>`);
      expect(email.text.trim()).toBe(LINK);
    });

    it('ignores a primaryColor that is not a hex colour', () => {
      for (const primaryColor of ['red', '#12', '#6981FF;background:url(https://evil.test/x)', 'expression(alert(1))']) {
        const email = renderMagicLinkEmail(input({ content: { subject: 'Hi', primaryColor } }));
        expect(email.html).not.toContain(primaryColor);
        expect(email.html).not.toContain('evil.test');
      }
    });

    it('ignores a base64logo that is a data URI, not base64, or too long', () => {
      for (const base64logo of ['data:image/png;base64,iVBORw0KGgo=', 'iVBORw0KGgo="><script>alert(1)</script>', 'https://evil.test/logo.png', 'A'.repeat(20_001)]) {
        const email = renderMagicLinkEmail(input({ content: { subject: 'Hi', base64logo } }));
        expect(email.html).not.toContain('<img');
        expect(email.html).not.toContain('evil.test');
      }
    });

    it('keeps subject and sender name on one line', () => {
      const email = renderMagicLinkEmail(input({ content: { subject: 'Hi\r\nBcc: attacker@evil.test', senderName: 'Acme\r\nX-Injected: 1' } }));

      expect(email.subject).toBe('Hi Bcc: attacker@evil.test');
      expect(email.fromName).toBe('Acme X-Injected: 1');
    });
  });
});
