import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { bootstrap } from './bootstrap.js';
import { parseKeyKinds, rotateKeys } from './keys/rotation.js';
import { systemClock } from './clock.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { createOutbox } from './delivery/outbox.js';
import { createSenders, unconfiguredChannels } from './delivery/senders.js';
import { createDevAppIfEmpty } from './dev-bootstrap.js';
import { openRateLimiter } from './limits/open-limiter.js';
import { logLimiterReachability } from './limits/reachability-log.js';
import { startPeriodicJob } from './maintenance/periodic-job.js';
import { startPurgeJob } from './maintenance/purge-job.js';
import { keyPurgeStep } from './keys/purge-keys.js';
import { loadMasterKey } from './secrets/master-key.js';
import { migrate, providerOf, sqliteFilePath } from './storage/migrate.js';
import { openStorage, type Storage } from './storage/prisma.js';
import { storageStartError } from './storage/start-failure.js';

// Process entry: the only place that reads process.env, listens and handles signals.
//   node dist/src/main.js                       serve
//   node dist/src/main.js keys rotate [signing|hmac]   rotate keys and exit

const SHUTDOWN_GRACE_MS = 10_000;

/** Where development keeps what it generates (the master key): beside the SQLite file, else ./data. */
const dataDirOf = (config: Config): string => (providerOf(config.databaseUrl) === 'sqlite' ? dirname(sqliteFilePath(config.databaseUrl)) : resolve('data'));

/** The migrations, then the client. Another process on the same SQLite file (a server, `keys
 * rotate`) is fine: an up-to-date database needs no schema engine, and writes wait out its locks.
 * A failure is one line naming the database file and what is wrong with it. */
async function openDatabase(databaseUrl: string): Promise<Storage> {
  try {
    await migrate(databaseUrl);
    return await openStorage(databaseUrl);
  } catch (error) {
    throw storageStartError(error, databaseUrl);
  }
}

async function open(config: Config) {
  const storage = await openDatabase(config.databaseUrl);
  try {
    const masterKey = loadMasterKey(config.masterKey, dataDirOf(config));
    const boot = await bootstrap(storage, config, systemClock, masterKey.key).catch((error: unknown) => {
      throw storageStartError(error, config.databaseUrl);
    });
    return { storage, boot, generatedKeyFile: masterKey.generatedFile };
  } catch (error) {
    await storage.close();
    throw error;
  }
}

async function rotate(args: readonly string[]): Promise<void> {
  const kinds = parseKeyKinds(args);
  if (kinds === null) throw new Error('usage: keys rotate [signing] [hmac]');
  const { storage, boot } = await open(loadConfig(process.env));
  try {
    console.log(JSON.stringify(await rotateKeys(boot.keys, kinds), null, 2));
  } finally {
    await storage.close();
  }
}

/** The config from the environment; in development without an admin token, with one generated
 * for this run (printed once, never logged). */
function serveConfig(): { config: Config; generatedAdminToken: string | null } {
  const config = loadConfig(process.env);
  if (config.adminToken !== null || config.nodeEnv === 'production') return { config, generatedAdminToken: null };
  const generatedAdminToken = randomBytes(24).toString('base64url');
  return { config: loadConfig({ ...process.env, KEYSTATE_ADMIN_TOKEN: generatedAdminToken }), generatedAdminToken };
}

type Opened = Awaited<ReturnType<typeof open>>;
type Senders = Awaited<ReturnType<typeof createSenders>>;
type Limiter = Awaited<ReturnType<typeof openRateLimiter>>;
type App = Awaited<ReturnType<typeof buildApp>>;

/** What the operator should know before the first request: what is missing, and what runs. */
function logStart(log: App['log'], config: Config, opened: Opened, senders: Senders, limiter: Limiter): void {
  const { storage, boot, generatedKeyFile } = opened;
  if (config.nodeEnv === 'production' && config.adminToken === null) log.warn('KEYSTATE_ADMIN_TOKEN is not set: the admin API answers 401 to every call');
  if (generatedKeyFile !== null)
    log.warn({ file: generatedKeyFile }, 'development: secrets at rest are sealed with a generated master key kept beside the database; set KEYSTATE_MASTER_KEY in production');
  for (const channel of config.nodeEnv === 'production' ? unconfiguredChannels(senders) : []) {
    log.warn(`no provider for ${channel}: sends on this channel answer external_provider_configuration_error`);
  }
  if (storage.provider === 'postgresql' && !limiter.shared) log.warn('REDIS_URL is not set: rate limits are counted per instance (each server instance allows the full limit)');
  // Redis down at start (or later) is an outage, not a failed start: a line when it begins and ends.
  logLimiterReachability(limiter, config.redisUrl, log);
  if (boot.sealed.signingKeys + boot.sealed.hmacKeys + boot.sealed.outboxMessages > 0) log.info(boot.sealed, 'sealed secrets an older version stored in plaintext');
  log.info(
    { database: storage.provider, email: senders.email.kind, sms: senders.sms.kind, signing: config.tokenSigningAlg, limits: limiter.shared ? 'redis' : 'memory', kek: boot.sealer.kekId },
    'keystate starting',
  );
}

/** The key and app refreshes, the purge and the delivery worker; what stops the two jobs. */
function startBackground(app: App, config: Config, opened: Opened) {
  const { storage, boot } = opened;
  const log = app.log;
  // A background run that meets a database outage is the outage's to log (once, with its end);
  // anything else is logged with its stack.
  const outage = app.databaseOutage;
  const runFailed = (message: string) => (error: unknown) => {
    if (!outage.absorb(error)) log.error({ err: error }, message);
  };
  boot.keys.startRefreshing(runFailed('could not re-read the keys'));
  boot.apps.startRefreshing(runFailed('could not read the apps revision'));

  const purgeJob = startPurgeJob({ storage, clock: systemClock, retention: config.retention, log, outage, purgeOptions: { extraSteps: [keyPurgeStep] } });
  // Retries of deliveries that met an outage, and first attempts a stopped process never made.
  const deliveryJob = startPeriodicJob({
    intervalMs: config.deliveryPollMs,
    run: async (signal) => void (await app.deliveries.runDue(signal)),
    onError: runFailed('delivery worker run failed'),
  });
  return { purgeJob, deliveryJob };
}

async function serve(): Promise<void> {
  const { config, generatedAdminToken } = serveConfig();
  const opened = await open(config);
  const { storage, boot } = opened;
  const devApp = config.nodeEnv === 'production' ? null : await createDevAppIfEmpty(storage, boot, config.publicUrl);
  const senders = await createSenders(config, createOutbox({ db: storage.db, clock: systemClock, sealer: boot.sealer }));
  const limiter = await openRateLimiter(config, systemClock);

  const app = await buildApp({ config, storage, clock: systemClock, boot, senders, limiter });
  const log = app.log;
  logStart(log, config, opened, senders, limiter);
  const { purgeJob, deliveryJob } = startBackground(app, config, opened);

  closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'shutting down after an error');
    else log.info({ signal }, 'shutting down');
    // Before the storage closes: a purge in progress stops after its current batch, none starts.
    await purgeJob.stop();
    await deliveryJob.stop();
    await app.close();
    // Attempts a send stopped waiting for: their outcomes go to their flows while the database is open.
    await app.deliveries.drain();
    boot.keys.stop();
    boot.apps.stop();
    await senders.close();
    await limiter.close();
    await storage.close();
  });

  await app.listen({ host: config.host, port: config.port });
  // Printed once, on stdout, for the developer at the terminal; never logged.
  if (generatedAdminToken !== null) console.log(`\nDevelopment admin token (generated for this run): ${generatedAdminToken}`);
  if (devApp !== null) {
    console.log(`Dev App created: client_id=${devApp.clientId} client_secret=${devApp.clientSecret} (shown once; redirect URI http://localhost:3000/verify)`);
  }
  if (config.nodeEnv !== 'production') console.log(`Keystate listening on ${config.publicUrl} (API docs at ${config.publicUrl}/docs, dev outbox at ${config.publicUrl}/dev/outbox)\n`);
}

const [command, subcommand, ...rest] = process.argv.slice(2);
const run = command === undefined ? serve() : command === 'keys' && subcommand === 'rotate' ? rotate(rest) : Promise.reject(new Error('usage: main.js [keys rotate [signing] [hmac]]'));
run.catch((error: unknown) => {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) console.error(`Configuration error: ${problem}`);
  } else {
    console.error('Keystate failed to start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
