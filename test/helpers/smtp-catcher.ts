// A real SMTP server on 127.0.0.1:0 for tests (Kratos' courier/smtp_wire_test.go idea): it
// requires AUTH PLAIN/LOGIN with the credentials embedded in `url`, parses every message with
// mailparser and hands them out in arrival order through nextMail(), which waits on arrival
// events rather than polling. setFailure() makes it refuse in the ways a real server does.

import type { AddressInfo } from 'node:net';
import { arrivalQueue } from './arrival-queue.js';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';

export type SmtpFailureMode = 'reject-auth' | 'reject-recipient' | 'temporary-failure';

export interface CaughtMail {
  /** The From header as text, e.g. `Acme <no-reply@localhost>`. */
  readonly from: string;
  readonly fromName: string;
  readonly fromAddress: string;
  /** Envelope recipients (RCPT TO). */
  readonly to: string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly raw: string;
}

export interface SmtpCatcher {
  /** `smtp://user:pass@127.0.0.1:PORT` */
  readonly url: string;
  readonly user: string;
  readonly pass: string;
  /** Every accepted message, in arrival order (taken or not). */
  readonly mails: CaughtMail[];
  /** The next message nextMail() has not handed out yet; waits for one to arrive. */
  nextMail(timeoutMs?: number): Promise<CaughtMail>;
  setFailure(mode: SmtpFailureMode | null): void;
  close(): Promise<void>;
}

export interface SmtpCatcherOptions {
  readonly failWith?: SmtpFailureMode | null;
  readonly user?: string;
  readonly pass?: string;
}

/** How long a wait for something that will arrive may take: a guard against a hang, not a bound on
 * speed, generous for a loaded 2-core machine (issue 16 §5). */
const DEFAULT_WAIT_MS = 30_000;

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

export async function startSmtpCatcher(options: SmtpCatcherOptions = {}): Promise<SmtpCatcher> {
  const user = options.user ?? 'keystate';
  const pass = options.pass ?? 'catcher-secret';
  let failure: SmtpFailureMode | null = options.failWith ?? null;
  const arrivals = arrivalQueue<CaughtMail>('mail');
  const mails = arrivals.items;

  const deliver = (mail: CaughtMail): void => arrivals.push(mail);

  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: false,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    banner: 'keystate smtp catcher',
    closeTimeout: 1_000,
    disableReverseLookup: true,
    onAuth(auth: SMTPServerAuthentication, _session, callback) {
      if (failure === 'reject-auth' || auth.username !== user || auth.password !== pass) {
        callback(smtpError('Authentication credentials invalid', 535));
        return;
      }
      callback(null, { user: auth.username });
    },
    onRcptTo(_address: SMTPServerAddress, _session, callback) {
      if (failure === 'reject-recipient') {
        callback(smtpError('Mailbox unavailable', 550));
        return;
      }
      callback();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err: Error) => callback(err));
      stream.on('end', () => {
        if (failure === 'temporary-failure') {
          callback(smtpError('Temporary local problem, try again later', 451));
          return;
        }
        const raw = Buffer.concat(chunks);
        const to = session.envelope.rcptTo.map((address) => address.address);
        simpleParser(raw).then(
          (parsed) => {
            const sender = parsed.from?.value[0];
            deliver({
              from: parsed.from?.text ?? '',
              fromName: sender?.name ?? '',
              fromAddress: sender?.address ?? '',
              to,
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              raw: raw.toString('utf8'),
            });
            callback(null, 'Message caught');
          },
          (err: unknown) => callback(err instanceof Error ? err : new Error('Message could not be parsed')),
        );
      });
    },
  });
  // Client-side resets and the like surface here; a test server must not crash the run on them.
  server.on('error', () => {});

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${port}`,
    user,
    pass,
    mails,
    nextMail(timeoutMs = DEFAULT_WAIT_MS) {
      return arrivals.next(timeoutMs);
    },
    setFailure(mode) {
      failure = mode;
    },
    async close() {
      if (!arrivals.close()) return;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
