import type { TxSteps } from '../../engine/definition.js';
import type { AppRecord } from '../../repositories/app-repository.js';
import type { UserRecord } from '../../repositories/user-repository.js';
import { newId, newSecret } from '../../secrets/random.js';
import type { SecretHasher } from '../../secrets/secret-hasher.js';
import type { UserGrant } from '../../model/claims.js';
import { REFRESH_FAMILY_TTL_MS, type RefreshFamilies } from './effects.js';

// A new refresh-token family, started by a login or a silent authentication (a runner step the
// session flow's use cases take; never an effect handler).

/** Mints a family for a new authentication and returns its first token. */
export async function mintRefreshFamily(
  steps: TxSteps,
  families: RefreshFamilies,
  args: { hasher: SecretHasher; app: AppRecord; user: UserRecord; sessionId: string | null; grant: UserGrant; at: number },
): Promise<string> {
  const token = newSecret();
  await steps.start(families, {
    id: newId(),
    appId: args.app.id,
    input: { expiresAt: args.at + REFRESH_FAMILY_TTL_MS },
    create: {
      tenantId: args.app.tenantId,
      appId: args.app.id,
      userId: args.user.id,
      sessionId: args.sessionId,
      currentHash: args.hasher.hash(token),
      grant: args.grant,
      expiresAt: args.at + REFRESH_FAMILY_TTL_MS,
    },
    request: { app: args.app, user: args.user },
  });
  return token;
}
