import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError, createSmtpEmailSender } from '../../src/delivery/email-sender.js';
import type { EmailMessage, EmailSender } from '../../src/delivery/email-message.js';
import type { Outbox } from '../../src/delivery/outbox.js';
import { createOutboxEmailSender } from '../../src/delivery/outbox-email-sender.js';
import { startSmtpCatcher } from '../helpers/smtp-catcher.js';
import type { SmtpCatcher } from '../helpers/smtp-catcher.js';

const FROM = 'Keystate <no-reply@localhost>';
const SECRET_BODY = 'magic-code-7f3a9c';

const message = (overrides: Partial<EmailMessage> = {}): EmailMessage => ({
  to: 'user@example.com',
  subject: 'Sign in to Acme',
  text: `Open https://keystate.test/magic?code=${SECRET_BODY}\n`,
  html: `<p><a href="https://keystate.test/magic?code=${SECRET_BODY}">Sign in</a></p>`,
  ...overrides,
});

/** The DeliveryError a send rejects with (fails the test if it resolves or throws anything else). */
async function deliveryFailure(promise: Promise<void>): Promise<DeliveryError> {
  const outcome = await promise.then(
    () => new Error('expected the send to fail'),
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(DeliveryError);
  return outcome as DeliveryError;
}

describe('SMTP email sender', () => {
  let catcher: SmtpCatcher;
  let sender: EmailSender;

  beforeEach(async () => {
    catcher = await startSmtpCatcher();
    sender = createSmtpEmailSender({ smtpUrl: catcher.url, from: FROM, timeoutMs: 2_000 });
  });

  afterEach(async () => {
    await sender.close();
    await catcher.close();
  });

  it('delivers from, to, subject, text and html over SMTP with AUTH', async () => {
    expect(sender.kind).toBe('smtp');
    await sender.send(message());

    const mail = await catcher.nextMail();
    expect(mail.fromAddress).toBe('no-reply@localhost');
    expect(mail.fromName).toBe('Keystate');
    expect(mail.to).toEqual(['user@example.com']);
    expect(mail.subject).toBe('Sign in to Acme');
    expect(mail.text.trim()).toBe(`Open https://keystate.test/magic?code=${SECRET_BODY}`);
    expect(mail.html).toContain(`<a href="https://keystate.test/magic?code=${SECRET_BODY}">Sign in</a>`);
    expect(catcher.mails).toHaveLength(1);
  });

  it('replaces only the display name when fromName is given', async () => {
    await sender.send(message({ fromName: 'Acme Lögin "Team"' }));

    const mail = await catcher.nextMail();
    expect(mail.fromName).toBe('Acme Lögin "Team"');
    expect(mail.fromAddress).toBe('no-reply@localhost');
  });

  it('keeps the configured name when fromName is null or blank', async () => {
    await sender.send(message({ fromName: null }));
    await sender.send(message({ fromName: '  ' }));

    expect((await catcher.nextMail()).fromName).toBe('Keystate');
    expect((await catcher.nextMail()).fromName).toBe('Keystate');
  });

  it('maps an authentication failure to a non-transient error without leaking secrets', async () => {
    catcher.setFailure('reject-auth');

    const err = await deliveryFailure(sender.send(message()));
    expect(err).toMatchObject({ transient: false, reason: 'smtp_auth_failed', smtpCode: 535 });
    expect(err.message).not.toContain(catcher.pass);
    expect(err.message).not.toContain(SECRET_BODY);
    expect(err.message).not.toContain('user@example.com');
    expect(err.cause).toBeUndefined();
    expect(catcher.mails).toHaveLength(0);
  });

  it('treats wrong credentials in SMTP_URL as an authentication failure', async () => {
    const wrong = createSmtpEmailSender({
      smtpUrl: catcher.url.replace(encodeURIComponent(catcher.pass), 'not-the-password'),
      from: FROM,
      timeoutMs: 2_000,
    });
    try {
      const err = await deliveryFailure(wrong.send(message()));
      expect(err).toMatchObject({ transient: false, reason: 'smtp_auth_failed' });
      expect(err.message).not.toContain('not-the-password');
    } finally {
      await wrong.close();
    }
  });

  it('maps a 550 recipient rejection to a non-transient error', async () => {
    catcher.setFailure('reject-recipient');

    const err = await deliveryFailure(sender.send(message()));
    expect(err).toMatchObject({ transient: false, reason: 'smtp_rejected_recipient', smtpCode: 550 });
    expect(err.message).not.toContain('user@example.com');
  });

  it('maps a 451 to a transient error, and delivers once the server recovers', async () => {
    catcher.setFailure('temporary-failure');

    const err = await deliveryFailure(sender.send(message()));
    expect(err).toMatchObject({ transient: true, reason: 'smtp_temporary_failure', smtpCode: 451 });
    expect(err.message).not.toContain(SECRET_BODY);

    catcher.setFailure(null);
    await sender.send(message());
    expect((await catcher.nextMail()).subject).toBe('Sign in to Acme');
  });

  it('maps a server that is down to a transient error', async () => {
    await catcher.close();

    const err = await deliveryFailure(sender.send(message()));
    expect(err).toMatchObject({ transient: true, reason: 'smtp_unreachable', smtpCode: null });
    expect(err.message).not.toContain(catcher.pass);
  });

  it('maps a server that never greets to a transient timeout', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const stalled = createSmtpEmailSender({ smtpUrl: `smtp://u:p@127.0.0.1:${port}`, from: FROM, timeoutMs: 200 });
    try {
      const err = await deliveryFailure(stalled.send(message()));
      expect(err).toMatchObject({ transient: true, reason: 'smtp_timeout' });
    } finally {
      await stalled.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it.each([
    ['a CR/LF (header injection)', 'user@example.com\r\nBcc: attacker@evil.test'],
    ['a bare LF', 'user@example.com\nBcc: attacker@evil.test'],
    ['an address list', 'user@example.com, attacker@evil.test'],
    ['a display name', 'User <user@example.com>'],
    ['no address', 'not-an-address'],
  ])('refuses a recipient with %s before connecting', async (_label, to) => {
    const err = await deliveryFailure(sender.send(message({ to })));
    expect(err).toMatchObject({ transient: false, reason: 'invalid_recipient' });
    expect(catcher.mails).toHaveLength(0);
  });

  it('refuses to send after close()', async () => {
    await sender.close();
    const err = await deliveryFailure(sender.send(message()));
    expect(err).toMatchObject({ transient: true, reason: 'sender_closed' });
  });

  it('never echoes SMTP_URL credentials when the URL is invalid', () => {
    expect(() => createSmtpEmailSender({ smtpUrl: 'http://user:hunter2@mail.test', from: FROM })).toThrow(TypeError);
    expect(() => createSmtpEmailSender({ smtpUrl: 'smtp://user:hunter2@[bad', from: FROM })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });
});

describe('outbox email sender', () => {
  const recordingOutbox = () => {
    const stored: Parameters<Outbox['store']>[0][] = [];
    const outbox: Outbox = { store: async (message) => void stored.push(message), list: async () => [] };
    return { stored, outbox };
  };

  it('stores the message in the dev outbox instead of sending it', async () => {
    const { stored, outbox } = recordingOutbox();
    const sender = createOutboxEmailSender(outbox);

    expect(sender.kind).toBe('outbox');
    await sender.send(message({ fromName: 'Acme' }));
    await sender.close();

    expect(stored).toEqual([{ channel: 'email', to: 'user@example.com', subject: 'Sign in to Acme', text: message().text, html: message().html }]);
  });

  it('refuses the recipients the SMTP sender refuses', async () => {
    const { stored, outbox } = recordingOutbox();
    const sender = createOutboxEmailSender(outbox);

    const err = await deliveryFailure(sender.send(message({ to: 'user@example.com\r\nBcc: x@evil.test' })));
    expect(err).toMatchObject({ transient: false, reason: 'invalid_recipient' });
    expect(stored).toHaveLength(0);
  });
});
