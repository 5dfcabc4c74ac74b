import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/delivery/templates/escape-html.js';
import type { EmailContent } from '../../src/delivery/templates/magic-link-email.js';
import { renderOtpEmail } from '../../src/delivery/templates/otp-email.js';
import type { OtpEmailInput } from '../../src/delivery/templates/otp-email.js';
import { checkCustomSmsMessage, renderOtpSms } from '../../src/delivery/templates/otp-sms.js';

const CODE = '482913';

const input = (overrides: Partial<OtpEmailInput> = {}): OtpEmailInput => ({
  appName: 'Acme',
  code: CODE,
  expiresInMinutes: 5,
  content: null,
  ...overrides,
});

const occurrences = (haystack: string, needle: string): number => haystack.split(needle).length - 1;

describe('renderOtpEmail', () => {
  describe('default template', () => {
    it('shows the code exactly once in the HTML and once in the text, never in the subject', () => {
      const email = renderOtpEmail(input());

      expect(occurrences(email.html, CODE)).toBe(1);
      expect(occurrences(email.text, CODE)).toBe(1);
      expect(email.subject).not.toContain(CODE);
      expect(email.html).toMatch(new RegExp(`font-size:32px[^>]*>${CODE}<`));
    });

    it('names the app, mentions the expiry and keeps the configured sender', () => {
      const email = renderOtpEmail(input({ expiresInMinutes: 10 }));

      expect(email.subject).toBe('Your Acme code');
      expect(email.fromName).toBeNull();
      expect(email.text).toContain('10 minutes');
      expect(email.html).toContain('10 minutes');
      expect(email.html).toContain('Your Acme code');
      expect(email.text).toContain('If you did not request this code');
    });

    it('escapes the app name and uses a valid app colour', () => {
      const email = renderOtpEmail(input({ appName: 'Acme <b>Corp</b>', primaryColor: '#ff8800' }));

      expect(email.html).toContain('Acme &lt;b&gt;Corp&lt;/b&gt;');
      expect(email.html).not.toContain('<b>');
      expect(email.html).toContain('#ff8800');
    });

    it('has no links and loads no external resources', () => {
      const { html } = renderOtpEmail(input());

      expect(html).not.toContain('href=');
      expect(html).not.toMatch(/src="(?!data:)/);
      expect(html).not.toMatch(/<link|url\(/i);
    });

    it('refuses a code that is not plain letters and digits', () => {
      for (const code of ['', '12', '12 34', '<b>1234</b>', '1234\n']) {
        expect(() => renderOtpEmail(input({ code }))).toThrow(TypeError);
      }
    });
  });

  describe('custom email_content', () => {
    const full: EmailContent = {
      subject: 'Your Acme passcode',
      primaryColor: '#6981FF',
      base64logo: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      headerText: 'Welcome back',
      bodyText: 'Enter the code below.',
      infoText: 'Valid for a short time.',
      footerText: 'Not you? Ignore this.',
      senderName: 'Acme Security',
    };

    it('replaces every default text and keeps the code', () => {
      const email = renderOtpEmail(input({ content: full }));

      expect(email.subject).toBe('Your Acme passcode');
      expect(email.fromName).toBe('Acme Security');
      for (const value of ['Welcome back', 'Enter the code below.', 'Valid for a short time.', 'Not you? Ignore this.']) {
        expect(email.html).toContain(value);
        expect(email.text).toContain(value);
      }
      expect(email.html).not.toContain('Your Acme code');
      expect(email.text).not.toContain('5 minutes');
      expect(email.html).toContain('#6981FF');
      expect(email.html).toContain(`<img src="data:image/png;base64,${full.base64logo}"`);
      expect(occurrences(email.html, CODE)).toBe(1);
      expect(occurrences(email.text, CODE)).toBe(1);
    });

    it('escapes every caller-supplied text in the HTML part', () => {
      const hostile = '<script>alert("x")</script>';
      const email = renderOtpEmail(
        input({
          content: { subject: hostile, headerText: hostile, bodyText: hostile, infoText: hostile, footerText: hostile, senderName: 'Acme' },
        }),
      );

      expect(email.html).not.toContain('<script>');
      expect(email.html).not.toContain('"x"');
      expect(occurrences(email.html, escapeHtml(hostile))).toBe(5); // title + 4 blocks
    });

    it('renders missing fields empty, the code alone', () => {
      const email = renderOtpEmail(input({ content: { subject: 'Hi' } }));

      expect(email.subject).toBe('Hi');
      expect(email.fromName).toBeNull();
      expect(email.html).not.toContain('<h1');
      expect(email.html).not.toContain('<img');
      expect(email.html).not.toContain('ignore');
      expect(email.text.trim()).toBe(CODE);
      expect(occurrences(email.html, CODE)).toBe(1);
    });

    it('ignores a bad colour and keeps subject and sender name on one line', () => {
      const email = renderOtpEmail(
        input({
          content: {
            subject: 'Hi\r\nBcc: attacker@evil.test',
            senderName: 'Acme\r\nX-Injected: 1',
            primaryColor: '#6981FF;background:url(https://evil.test/x)',
          },
        }),
      );

      expect(email.subject).toBe('Hi Bcc: attacker@evil.test');
      expect(email.fromName).toBe('Acme X-Injected: 1');
      expect(email.html).not.toContain('evil.test/x');
    });
  });
});

describe('renderOtpSms', () => {
  it('uses the default text without a custom message', () => {
    expect(renderOtpSms({ appName: 'Acme', code: CODE, customMessage: null })).toBe(`${CODE} is your Acme verification code.`);
    expect(renderOtpSms({ appName: 'Acme', code: CODE, customMessage: '   ' })).toBe(`${CODE} is your Acme verification code.`);
  });

  it('replaces every {otp} and {app} in a custom message', () => {
    const text = renderOtpSms({ appName: 'Acme', code: CODE, customMessage: '{app}: {otp}. Never share {otp} with anyone at {app}.' });
    expect(text).toBe(`Acme: ${CODE}. Never share ${CODE} with anyone at Acme.`);
  });

  it('does not expand placeholders or replacement patterns inside the app name', () => {
    const text = renderOtpSms({ appName: "{otp} $& $' Co", code: CODE, customMessage: 'Code {otp} for {app}' });
    expect(text).toBe(`Code ${CODE} for {otp} $& $' Co`);
  });

  it('keeps the app name on one line', () => {
    expect(renderOtpSms({ appName: 'Acme\r\nEvil', code: CODE, customMessage: null })).toBe(`${CODE} is your Acme Evil verification code.`);
  });

  it('refuses a custom message that checkCustomSmsMessage rejects', () => {
    expect(() => renderOtpSms({ appName: 'Acme', code: CODE, customMessage: 'Your code is {otp}' })).toThrow(TypeError);
  });
});

describe('checkCustomSmsMessage', () => {
  it('accepts a message with both placeholders within 140 characters', () => {
    expect(checkCustomSmsMessage('{otp} is your {app} code')).toBeNull();
    const exact = `{otp}{app}${'x'.repeat(130)}`;
    expect(exact).toHaveLength(140);
    expect(checkCustomSmsMessage(exact)).toBeNull();
  });

  it('names a missing {otp}', () => {
    expect(checkCustomSmsMessage('Welcome to {app}')).toMatch(/\{otp\}/);
  });

  it('names a missing {app}', () => {
    expect(checkCustomSmsMessage('Your code: {otp}')).toMatch(/\{app\}/);
  });

  it('refuses more than 140 characters, counting an emoji as one', () => {
    expect(checkCustomSmsMessage(`{otp}{app}${'x'.repeat(131)}`)).toMatch(/140 characters/);
    expect(checkCustomSmsMessage(`{otp}{app}${'🔐'.repeat(130)}`)).toBeNull();
  });

  it('reports every problem at once', () => {
    const problem = checkCustomSmsMessage('x'.repeat(141));
    expect(problem).toMatch(/\{otp\}/);
    expect(problem).toMatch(/\{app\}/);
    expect(problem).toMatch(/140 characters/);
  });
});
