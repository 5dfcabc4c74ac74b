import { connect, createServer, type Socket } from 'node:net';

// A TCP proxy on loopback in front of a database, which a test can stall: while stalled, every byte
// either way is held (the connections stay open, nothing is refused), as a database that stops
// answering for a while looks from the server; `resume` delivers what was held, in order.

export interface StallingProxy {
  readonly port: number;
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startStallingProxy(target: { host: string; port: number }): Promise<StallingProxy> {
  const sockets = new Set<Socket>();
  let stalled = false;
  let held: { to: Socket; chunk: Buffer }[] = [];
  const forward = (to: Socket) => (chunk: Buffer) => {
    if (stalled) held.push({ to, chunk });
    else to.write(chunk);
  };
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // Either side going away ends the pair, as a real network path would.
      socket.on('error', () => {});
    }
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    port: address.port,
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
      const pending = held;
      held = [];
      for (const { to, chunk } of pending) if (!to.destroyed) to.write(chunk);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
