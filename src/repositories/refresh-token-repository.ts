import type { Tx } from '../storage/prisma.js';
import type { UserGrant } from '../tokens/token-service.js';
import { toJson } from './json.js';

export interface NewRefreshToken {
  readonly id: string;
  readonly tokenHash: string;
  readonly familyId: string;
  readonly sessionId: string | null;
  readonly tenantId: string;
  readonly appId: string;
  readonly userId: string;
  readonly grant: UserGrant;
  readonly expiresAt: number;
  readonly createdAt: number;
}

export async function insertRefreshToken(db: Tx, token: NewRefreshToken): Promise<void> {
  await db.refreshToken.create({
    data: {
      ...token,
      grant: toJson(token.grant),
      expiresAt: new Date(token.expiresAt),
      createdAt: new Date(token.createdAt),
    },
  });
}
