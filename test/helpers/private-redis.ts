import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './process.js';

// A Redis of the test's own, never the shared one (TEST_REDIS_URL): its own port and data
// directory, started, stopped and started again by the test, so an outage is a real stopped
// process. `redis-server` is on PATH (.ci/run installs it).

export interface PrivateRedis {
  /** With the password, as REDIS_URL. */
  readonly url: string;
  /** Resolves once it accepts connections. */
  start(): Promise<void>;
  /** Resolves once the process has exited. */
  stop(): Promise<void>;
  /** Stops it if running and deletes its directory. */
  remove(): Promise<void>;
}

export async function privateRedis(password: string): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'keystate-redis-'));
  let running: { child: ChildProcess; exited: Promise<void> } | null = null;

  const redis: PrivateRedis = {
    url: `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    async start() {
      if (running !== null) return;
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--requirepass', password, '--logfile', ''];
      const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      let output = '';
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: unknown) => {
          output += String(chunk);
          if (output.includes('Ready to accept connections')) resolve();
        };
        child.stdout?.on('data', onData);
        child.stderr?.on('data', onData);
        void exited.then(() => reject(new Error(`redis-server on port ${port} exited:\n${output}`)));
      });
      running = { child, exited };
    },
    async stop() {
      if (running === null) return;
      const { child, exited } = running;
      running = null;
      child.kill('SIGTERM');
      await exited;
    },
    async remove() {
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return redis;
}
