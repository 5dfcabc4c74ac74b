import { randomBytes } from 'node:crypto';
import { type Child, freePort, spawnChild, waitForHealth } from './processes.js';

// The real server, started as the README's Quick start does (`node dist/src/main.js` after
// `npm run build`), configured only through its environment.

export type Alg = 'ES256' | 'RS256';

export interface Servers {
  readonly urls: readonly string[];
  readonly pids: readonly number[];
  readonly adminToken: string;
  stop(): Promise<void>;
}

/** High enough that no limit is reached in a bench run (the configuration accepts up to 1e6). */
const NO_LIMIT = '1000000';
// ARGON2_DECOYS_PER_APP too: the password flood's logins for nobody then compare for real
// throughout (the hardest case; past the budget they would wait on a timer instead).
const RATE_LIMITS = ['CLIENT_TOKEN', 'SEND', 'SEND_PER_APP', 'AUTHENTICATE', 'SILENT_AUTH'];
const BUDGETS = ['ARGON2_DECOYS_PER_APP'];

export interface RealServerOptions {
  readonly root: string;
  readonly databaseUrl: string;
  readonly alg: Alg;
  readonly instances: number;
  /** Start with `node --cpu-prof` writing into this folder. */
  readonly profileDir?: string;
  /** Added to the bench's own environment (--server-env). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Starts the instances one after the other (the first applies the migrations), all on one
 * database with one master key, and waits until each answers /health. */
export async function startRealServers(options: RealServerOptions): Promise<Servers> {
  const adminToken = randomBytes(24).toString('base64url');
  const masterKey = randomBytes(32).toString('base64');
  const children: Child[] = [];
  const urls: string[] = [];
  try {
    for (let index = 0; index < options.instances; index++) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const env: NodeJS.ProcessEnv = {
        // Only what the bench chooses: nothing from the caller's environment (SMTP, Redis…).
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'development',
        HOST: '127.0.0.1',
        PORT: String(port),
        PUBLIC_URL: url,
        // One deployment: every instance issues tokens under the same name.
        ISSUER: urls[0] ?? url,
        DATABASE_URL: options.databaseUrl,
        KEYSTATE_ADMIN_TOKEN: adminToken,
        KEYSTATE_MASTER_KEY: masterKey,
        TOKEN_SIGNING_ALG: options.alg,
        LOG_LEVEL: 'warn',
        ...Object.fromEntries([...RATE_LIMITS.map((name) => `RATE_LIMIT_${name}`), ...BUDGETS].map((name) => [`${name}_MAX`, NO_LIMIT])),
        ...options.env,
      };
      const profile = options.profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.profileDir];
      const child = spawnChild(process.execPath, [...profile, 'dist/src/main.js'], { cwd: options.root, env });
      children.push(child);
      await waitForHealth(url, child);
      urls.push(url);
    }
  } catch (error) {
    await Promise.all(children.map((child) => child.stop()));
    throw error;
  }
  return {
    urls,
    pids: children.map((child) => child.pid),
    adminToken,
    async stop() {
      await Promise.all(children.map((child) => child.stop()));
    },
  };
}
