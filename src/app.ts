import type { FastifyBaseLogger, FastifyInstance, FastifyTypeProviderDefault } from 'fastify';
import { type AppService, createAppService } from './apps/app-service.js';
import type { Bootstrapped } from './bootstrap.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { createArgon2Gate, passwordSheddingLog } from './credentials/argon2-gate.js';
import { timeComparisons } from './credentials/comparison-timing.js';
import { createDecoyBudget } from './credentials/decoy-budget.js';
import { createPasswordHasher, type PasswordHasher } from './credentials/password-hasher.js';
import { createPasswordLogin } from './flows/password/use-case.js';
import { createPasswordService } from './flows/password/enrolment.js';
import { passwordInformation } from './flows/password/information.js';
import { refusalFloor } from './credentials/refusal-floor.js';
import { createTotpLogin } from './flows/totp/use-case.js';
import { createTotpService, type TotpService } from './flows/totp/enrolment.js';
import { createDeliveryWorker, type DeliveryWorker } from './delivery/delivery-worker.js';
import { createKeptOutcomes } from './delivery/kept-outcomes.js';
import { createOutbox } from './delivery/outbox.js';
import type { Senders } from './delivery/senders.js';
import { createInstanceViews } from './admin/instance-views.js';
import { createMachines, type Machines } from './engine/machines.js';
import { createRunner } from './engine/runner.js';
import { createMagicLinkService } from './flows/magic-link/use-case.js';
import { createRefreshService } from './flows/refresh/use-case.js';
import { refreshRoutes } from './flows/refresh/routes.js';
import { createOtpService } from './flows/otp/use-case.js';
import { clientAuthHook } from './http/client-auth.js';
import { adminRoutes } from './http/routes/admin.js';
import { adminGuard } from './http/routes/admin-guard.js';
import { adminInstanceRoutes } from './http/routes/admin-instances.js';
import { adminKeyRoutes } from './http/routes/admin-keys.js';
import { visualizerDataRoutes } from './http/routes/visualizer.js';
import { visualizerInstanceRoutes } from './http/routes/visualizer-instances.js';
import { visualizerPageRoutes } from './http/routes/visualizer-page.js';
import { MACHINE_SAMPLES } from './visualizer/samples.js';
import { createSimulator } from './visualizer/simulator.js';
import { machineGraph } from './visualizer/machine-graph.js';
import { linkRedirectRoutes } from './flows/magic-link/redirect-routes.js';
import { magicLinkRoutes } from './flows/magic-link/routes.js';
import { oidcRoutes } from './http/routes/oidc.js';
import { otpRoutes } from './flows/otp/routes.js';
import { databaseProbe, healthRoutes, outboxRoutes, readinessRoutes } from './http/routes/operations.js';
import { sessionRoutes } from './flows/session/routes.js';
import { passwordRoutes } from './flows/password/routes.js';
import { totpLoginRoutes, totpRoutes } from './flows/totp/routes.js';
import { passkeySampleRoutes, webauthnClientRoutes } from './flows/webauthn/browser-routes.js';
import { createPasskeyService } from './flows/webauthn/enrolment.js';
import { passkeyClientRoutes, passkeyStartRoutes, passkeyUserRoutes } from './flows/webauthn/routes.js';
import { createPasskeyLogin } from './flows/webauthn/use-case.js';
import { userRoutes } from './http/routes/users.js';
import { createSessionRequests } from './flows/session/use-case.js';
import type { RateLimiter } from './limits/rate-limiter.js';
import { findAppByClientId, findAppById } from './repositories/app-repository.js';
import { createDatabaseOutage, type DatabaseOutage } from './storage/database-outage.js';
import { createServer, type Server } from './http/server.js';
import type { Storage } from './storage/prisma.js';
import { createTokenService } from './tokens/token-service.js';
import { createUserService } from './users/user-service.js';

// buildApp(deps) wires services and routes into a Fastify instance. It never listens and never
// reads the environment: src/main.ts does both, tests build it with their own deps.

declare module 'fastify' {
  interface FastifyInstance {
    /** Attempts the kept messages that are due (main.ts runs it every DELIVERY_POLL_MS). */
    deliveries: DeliveryWorker;
    /** The database outage this app tracks: main.ts's periodic jobs report their faults to it. */
    databaseOutage: DatabaseOutage;
  }
}

export interface AppDeps {
  readonly config: Config;
  readonly storage: Storage;
  readonly clock: Clock;
  readonly boot: Bootstrapped;
  readonly senders: Senders;
  /** Rate-limit counters: in this process, or shared through Redis (src/limits/open-limiter.ts). */
  readonly limiter: RateLimiter;
  /** Argon2id for passwords (tests pass one that counts its work); made from the config when unset. */
  readonly passwordHasher?: PasswordHasher;
  /** Pino options, or false to silence (tests). Replaces the default options, redaction included. */
  readonly logger?: boolean | object;
  /** Where the default logger writes (stdout when unset). Tests capture the log here and still get
   * the production options, redaction included: passing `logger` instead would replace those. */
  readonly logStream?: { write(line: string): void };
}

/** What the admin faces of the server are built from. */
interface AdminFaces {
  readonly apps: AppService;
  readonly keys: Bootstrapped['keys'];
  readonly machines: Machines;
  readonly db: Storage['db'];
  readonly config: Config;
  readonly guard: ReturnType<typeof adminGuard>;
}

/** The services the routes call, wired from the deps (no route registered here). */
function createServices(deps: AppDeps, log: FastifyBaseLogger) {
  const { config, storage, clock, boot } = deps;
  const hasher = boot.keys.hasher;
  const tokens = createTokenService({ issuer: config.issuer, clock, keys: boot.keys });
  const runner = createRunner({ storage, clock });
  const delivery = { senders: deps.senders, sealer: boot.sealer, provider: storage.provider, log, firstAttemptMs: config.deliveryFirstAttemptMs, kept: createKeptOutcomes(log) };
  // Argon2 work is bounded (issue 15): timed, so a login past its app's decoy budget can wait as long
  // as a comparison takes; gated, so it never takes the whole thread pool.
  const timing = timeComparisons(deps.passwordHasher ?? createPasswordHasher(config.passwordHashing));
  const passwordHasher = timing.hasher;
  const argon2Gate = createArgon2Gate({ ...config.passwordWork, onShedding: passwordSheddingLog(log) });
  // A stand-in's comparison (a login for nobody) spends its app's decoy budget (./credentials/decoy-budget.ts).
  const decoys = createDecoyBudget({ hasher: passwordHasher, timing, limiter: deps.limiter, limit: config.passwordWork.decoysPerApp, clock });
  const machines = createMachines({ config, hasher, passwordHasher, decoys, tokens, delivery, provider: storage.provider });
  const { families, sessions } = machines;
  // What every factor's use case hands its verdict to (src/flows/session/post-login.ts).
  const postLoginDeps = { hasher, tokens, sessions, families };

  const limiter = deps.limiter;
  const limits = config.rateLimits;
  const apps = createAppService({ storage, hasher, tokens, defaultTenantId: boot.defaultTenant.id, cache: boot.apps.cache });
  const magicLinks = createMagicLinkService({ ...postLoginDeps, storage, clock, runner, magicLinks: machines.magicLink, limiter, limits, retryDelaysMs: config.deliveryRetryDelaysMs });
  const passwords = createPasswordService({ storage, clock, runner, passwords: machines.passwords, gate: argon2Gate });
  const users = createUserService({ storage, clock, runner, passwords, passwordInformation });
  const otp = createOtpService({ ...postLoginDeps, storage, clock, runner, otp: machines.otp, passcodeLocks: machines.passcodeLocks, limiter, limits, retryDelaysMs: config.deliveryRetryDelaysMs });
  const refresh = createRefreshService({ runner, hasher, families });
  const sessionRequests = createSessionRequests({ storage, runner, hasher, sessions, families, tokens, limiter, limits });
  const loadApp = (appId: string) => boot.apps.cache.get(appId, (id) => findAppById(storage.db, id));
  const passkeyDeps = { storage, clock, runner, ceremonies: machines.webauthn, passkeys: machines.passkeys };
  const passkeyLogin = createPasskeyLogin({ ...postLoginDeps, ...passkeyDeps, limiter, limits });
  const passkeys = createPasskeyService({ ...passkeyDeps, hasher, sessions, loadApp, users });
  return { tokens, runner, delivery, argon2Gate, machines, postLoginDeps, apps, magicLinks, passwords, users, otp, refresh, sessionRequests, loadApp, passkeyLogin, passkeys };
}

type Services = ReturnType<typeof createServices>;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, storage, clock, boot } = deps;
  const app = await createServer(deps, (log) => createDatabaseOutage({ clock, log, nextChangeCommitted: () => storage.nextChangeCommitted() }));
  const { databaseOutage } = app;
  const services = createServices(deps, app.log);
  const { tokens, runner, delivery, machines, apps, magicLinks } = services;
  app.decorate('deliveries', createDeliveryWorker({ storage, runner, clock, flows: machines.delivering, delivery }));

  const limiter = deps.limiter;
  const limits = config.rateLimits;
  await app.register(healthRoutes, { ping: () => storage.ping(), outage: databaseOutage });
  // Redis, when the rate limits live there: a server that cannot count refuses the limited routes.
  const redisProbe = deps.limiter.shared ? [{ name: 'redis', check: () => deps.limiter.ping() }] : [];
  await app.register(readinessRoutes, { probes: [databaseProbe(() => storage.probeWrite(), databaseOutage), ...redisProbe] });
  await app.register(oidcRoutes, { apps, tokens, config, limiter });
  await app.register(linkRedirectRoutes, { magicLinks });
  await registerAdminFaces(app, { apps, keys: boot.keys, machines, db: storage.db, config, guard: adminGuard({ adminToken: config.adminToken, limiter, limit: limits.adminAuth }) });
  // Registering an authenticator app or a passkey takes the user's own access token instead.
  const { loadApp } = services;
  const verifyUser = (token: string) => tokens.verifyUserAccessToken(token);
  const totp = createTotpService({ storage, clock, runner, totp: machines.totp, sessions: machines.sessions, loadApp, overrideWithinMs: config.totpOverrideWindowMs });
  await app.register(totpRoutes, { totp, verifyUser });
  await app.register(passkeyUserRoutes, { passkeys: services.passkeys, verifyUser });
  // A passkey ceremony starts with the app's client_id only (a browser may call it).
  await app.register(passkeyStartRoutes, {
    login: services.passkeyLogin,
    appByClientId: (clientId) => boot.apps.cache.getByClientId(clientId, (id) => findAppByClientId(storage.db, id)),
    limiter,
    limits,
  });
  await app.register(clientRoutes, { deps, services, totp });
  // The passkey helper module apps import (public: a file, no data).
  await app.register(webauthnClientRoutes);
  if (config.nodeEnv !== 'production') {
    const outbox = createOutbox({ db: storage.db, clock, sealer: boot.sealer });
    await app.register(outboxRoutes, { listOutbox: (filter) => outbox.list(filter) });
    // A page that plays an app's backend in the browser: never in production.
    await app.register(passkeySampleRoutes);
  }
  // The TypeBox provider only types the routes: callers see a plain instance (the same object).
  return app.withTypeProvider<FastifyTypeProviderDefault>();
}

/** Everything else under /cis/v1 but the emailed link needs the caller's client access token. */
async function clientRoutes(scope: FastifyInstance, options: { deps: AppDeps; services: Services; totp: TotpService }): Promise<void> {
  const { deps, services, totp } = options;
  const { config, storage, clock, limiter } = deps;
  const { runner, machines, postLoginDeps, apps, argon2Gate } = services;
  const limits = config.rateLimits;
  scope.addHook(
    'onRequest',
    clientAuthHook((token) => apps.authorizeCaller(token)),
  );
  await scope.register(magicLinkRoutes, { magicLinks: services.magicLinks });
  await scope.register(userRoutes, { users: services.users });
  await scope.register(otpRoutes, { otp: services.otp });
  await scope.register(sessionRoutes, { sessions: services.sessionRequests });
  await scope.register(refreshRoutes, { refresh: services.refresh });
  await scope.register(passkeyClientRoutes, { login: services.passkeyLogin, passkeys: services.passkeys });
  // Refused logins answer no sooner than LOGIN_REFUSAL_FLOOR_MS: their timing tells nobody apart.
  const floor = refusalFloor(config.loginRefusalFloorMs);
  await scope.register(totpLoginRoutes, {
    login: createTotpLogin({ ...postLoginDeps, storage, runner, totp: machines.totp, standIns: machines.standIns.totp, clock, limiter, limits, floor }),
    totp,
  });
  const passwordLogin = createPasswordLogin({
    ...postLoginDeps,
    storage,
    runner,
    passwords: machines.passwords,
    standIns: machines.standIns.password,
    clock,
    limiter,
    limits,
    gate: argon2Gate,
    floor,
  });
  await scope.register(passwordRoutes, { login: passwordLogin, passwords: services.passwords });
}

/** The admin API, instance views and the visualizer (its page is public: it carries no data). */
async function registerAdminFaces(app: Server, faces: AdminFaces): Promise<void> {
  const { apps, keys, machines, db, config, guard } = faces;
  await app.register(adminRoutes, { apps, guard });
  await app.register(adminKeyRoutes, { keys, guard });
  const views = createInstanceViews({ db, definitions: machines.all.map((machine) => machine.definition) });
  await app.register(adminInstanceRoutes, { views, guard });
  const graphs = new Map(machines.all.map((machine) => [machine.definition.name, machineGraph(machine.definition)] as const));
  await app.register(visualizerDataRoutes, { graphs, config, guard });
  const simulate = createSimulator(
    machines.all.map((machine) => machine.definition),
    MACHINE_SAMPLES,
  );
  await app.register(visualizerInstanceRoutes, { views, simulate, config, guard });
  // The page itself is public: it carries no data, and asks for the admin token the data needs.
  await app.register(visualizerPageRoutes);
}
