import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { arrivalQueue } from './arrival-queue.js';

// An SMTP server that has stopped working in the most awkward way: it accepts TCP connections and
// never says a word (no 220 greeting), so a client waits for its own timeout. A plain net.Server on
// 127.0.0.1:0. `drop()` ends the connections it holds (the server dies under its clients);
// `forwardTo()` heals it: later connections are piped to a working server (test/helpers/smtp-catcher.ts).

export interface SilentSmtp {
  /** `smtp://user:pass@127.0.0.1:PORT` with the credentials of the server it may forward to. */
  url(credentials: { user: string; pass: string }): string;
  /** Waits for the next connection it accepted (and holds, silent). */
  nextConnection(timeoutMs?: number): Promise<void>;
  /** Connections accepted and still open, never greeted. */
  readonly silentCount: number;
  /** Ends every silent connection it holds. */
  drop(): void;
  /** From now on, connections are piped to this port on 127.0.0.1 (the outage is over). */
  forwardTo(port: number): void;
  close(): Promise<void>;
}

/** How long a wait for something that will arrive may take: a guard against a hang, not a bound on
 * speed, generous for a loaded 2-core machine (issue 16 §5). */
const DEFAULT_WAIT_MS = 30_000;

export async function startSilentSmtp(): Promise<SilentSmtp> {
  const silent = new Set<Socket>();
  const open = new Set<Socket>();
  const arrivals = arrivalQueue<true>('an SMTP connection');
  let target: number | null = null;

  const server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => {
      open.delete(socket);
      silent.delete(socket);
    });
    socket.on('error', () => {});
    if (target === null) {
      silent.add(socket);
      arrivals.push(true);
      return;
    }
    const upstream = connect(target, '127.0.0.1');
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    upstream.on('error', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: ({ user, pass }) => `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${port}`,
    async nextConnection(timeoutMs = DEFAULT_WAIT_MS) {
      await arrivals.next(timeoutMs);
    },
    get silentCount() {
      return silent.size;
    },
    drop() {
      for (const socket of silent) socket.destroy();
    },
    forwardTo(targetPort) {
      target = targetPort;
    },
    async close() {
      arrivals.close();
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
