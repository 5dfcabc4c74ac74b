import { AuthError } from '../errors.js';
import { type AppRecord, findAppById } from '../repositories/app-repository.js';
import type { Tx } from '../storage/prisma.js';
import type { AppIdentity, ClientPrincipal } from '../tokens/token-service.js';

/** The app a verified client token speaks for (it may have been deleted since the token was issued). */
export async function loadCallerApp(db: Tx, caller: ClientPrincipal): Promise<AppRecord> {
  const app = await findAppById(db, caller.appId);
  if (app === null || app.tenantId !== caller.tenantId) throw new AuthError('APP_NOT_FOUND');
  return app;
}

export const appIdentity = (app: AppRecord): AppIdentity => ({ id: app.id, tenantId: app.tenantId, clientId: app.clientId, name: app.name });
