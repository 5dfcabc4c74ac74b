import { connect, type Socket } from 'node:net';

// A raw HTTP/1.1 connection for tests that need what fetch cannot send or observe: malformed
// requests, slow clients, several requests on one connection, the moment the server closes it.

export interface RawResponse {
  readonly status: number;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface RawConnection {
  write(data: string | Buffer): void;
  /** The next complete response (1xx included); rejects if none arrives within `limitMs`. */
  nextResponse(limitMs?: number): Promise<RawResponse>;
  /** Milliseconds from connecting until the server closed the connection; rejects if it stays
   * open past `limitMs` (waiting for the server is the point: the bound is an upper limit only). */
  closed(limitMs?: number): Promise<number>;
  /** Every response parsed so far. */
  readonly responses: readonly RawResponse[];
  readonly isClosed: boolean;
  destroy(): void;
}

const HEADER_END = '\r\n\r\n';
/** The default wait for an answer or a close that will come: a guard against a hang, not a bound on
 * speed (issue 16 §5); tests of a deadline pass their own. */
const GUARD_MS = 30_000;

export async function openRaw(serverUrl: string): Promise<RawConnection> {
  const { hostname, port } = new URL(serverUrl);
  const socket: Socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const openedAt = performance.now();
  let closedAt: number | null = null;
  // latin1 keeps one character per byte, so Content-Length counts characters.
  let pending = '';
  const responses: RawResponse[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };

  const parse = () => {
    for (;;) {
      const headerEnd = pending.indexOf(HEADER_END);
      if (headerEnd === -1) return;
      const [statusLine = '', ...lines] = pending.slice(0, headerEnd).split('\r\n');
      const status = Number(statusLine.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = status < 200 ? 0 : Number(headers['content-length'] ?? 0);
      const bodyStart = headerEnd + HEADER_END.length;
      if (pending.length < bodyStart + length) return;
      responses.push({ status, headers, body: Buffer.from(pending.slice(bodyStart, bodyStart + length), 'latin1').toString('utf8') });
      pending = pending.slice(bodyStart + length);
    }
  };
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    parse();
    notify();
  });
  // The server may reset a connection it refuses; what arrived before still counts.
  socket.on('error', () => {});
  socket.on('close', () => {
    closedAt = performance.now();
    notify();
  });

  /** Resolves with what `ready()` returns once it returns something (it may throw to reject),
   * checked after every socket event; rejects after `limitMs`. */
  const waitFor = <T>(ready: () => T | undefined, limitMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      const check = () => {
        try {
          const value = ready();
          if (value !== undefined) finish(() => resolve(value));
        } catch (error) {
          finish(() => reject(error));
        }
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`${what} within ${limitMs} ms; received so far: ${JSON.stringify(responses)} ${JSON.stringify(pending)}`))), limitMs);
      waiters.add(check);
      check();
    });

  let consumed = 0;
  return {
    write(data) {
      if (!socket.destroyed && socket.writable) socket.write(data);
    },
    nextResponse(limitMs = GUARD_MS) {
      return waitFor(
        () => {
          if (responses.length > consumed) return responses[consumed++];
          if (closedAt !== null) throw new Error(`connection closed without a response; received ${JSON.stringify(pending)}`);
          return undefined;
        },
        limitMs,
        'no response',
      );
    },
    closed(limitMs = GUARD_MS) {
      return waitFor(() => (closedAt === null ? undefined : closedAt - openedAt), limitMs, 'connection still open').finally(() => socket.destroy());
    },
    get responses() {
      return responses;
    },
    get isClosed() {
      return closedAt !== null;
    },
    destroy() {
      socket.destroy();
    },
  };
}

/** One request on a fresh connection, which the server must close after answering (send
 * `Connection: close` with a well-formed request): the final response (after any 100 Continue),
 * and how long the connection lived. */
export async function rawExchange(serverUrl: string, request: string | Buffer, limitMs = GUARD_MS): Promise<RawResponse & { closedAfterMs: number }> {
  const connection = await openRaw(serverUrl);
  connection.write(request);
  try {
    let response = await connection.nextResponse(limitMs);
    while (response.status < 200) response = await connection.nextResponse(limitMs);
    return { ...response, closedAfterMs: await connection.closed(limitMs) };
  } finally {
    connection.destroy();
  }
}
