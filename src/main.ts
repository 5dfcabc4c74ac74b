import { randomBytes } from 'node:crypto';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { bootstrap } from './bootstrap.js';
import { systemClock } from './clock.js';
import { ConfigError, loadConfig } from './config.js';
import { createSenders } from './delivery/senders.js';
import { createDevAppIfEmpty } from './dev-bootstrap.js';
import { startPurgeJob } from './maintenance/purge-job.js';
import { migrate } from './storage/migrate.js';
import { openStorage } from './storage/prisma.js';

// Process entry: the only place that reads process.env, listens and handles signals.

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  let config = loadConfig(process.env);
  let generatedAdminToken: string | null = null;
  if (config.adminToken === null && config.nodeEnv !== 'production') {
    generatedAdminToken = randomBytes(24).toString('base64url');
    config = loadConfig({ ...process.env, KEYSTATE_ADMIN_TOKEN: generatedAdminToken });
  }

  await migrate(config.databaseUrl);
  const storage = await openStorage(config.databaseUrl);
  const boot = await bootstrap(storage, config, systemClock);
  const devApp = config.nodeEnv === 'production' ? null : await createDevAppIfEmpty(storage, boot);
  const senders = createSenders(config, { db: storage.db, clock: systemClock });

  const app = await buildApp({ config, storage, clock: systemClock, boot, senders });
  if (config.nodeEnv === 'production' && config.adminToken === null) app.log.warn('KEYSTATE_ADMIN_TOKEN is not set: the admin API answers 401 to every call');
  app.log.info({ database: storage.provider, email: senders.email.kind, sms: senders.sms.kind, signing: config.tokenSigningAlg }, 'keystate starting');

  const purgeJob = startPurgeJob({ storage, clock: systemClock, retention: config.retention, log: app.log });

  closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    // Before the storage closes: a purge in progress stops after its current batch, none starts.
    await purgeJob.stop();
    await app.close();
    await senders.close();
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

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) console.error(`Configuration error: ${problem}`);
  } else {
    console.error('Keystate failed to start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
