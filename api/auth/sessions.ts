import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import type { User } from '../../contracts/auth';
import type { StoreDb } from '../../prisma/clients';
import type { SessionInfo } from '../context';
import { userFromRow } from './accounts';

/**
 * Sessions in the style of Lucia's sessions guide: the token is `<id>.<secret>`, the database keeps only the secret's
 * SHA-256, so a leaked table holds no usable token. Expiry slides: a session in use is extended once less than half
 * of its lifetime remains.
 */
export interface SessionStore {
  create(userId: string): Promise<{ token: string; expiresAt: Date }>;
  validate(token: string): Promise<{ session: SessionInfo; user: User } | null>;
  invalidate(sessionId: string): Promise<void>;
}

function randomToken(bytes = 20): string {
  return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(bytes)));
}

function hashSecret(secret: string): Uint8Array {
  return sha256(new TextEncoder().encode(secret));
}

export function createSessionStore(store: StoreDb, ttlMs: number, now: () => number = Date.now): SessionStore {
  return {
    async create(userId) {
      const id = randomToken();
      const secret = randomToken();
      const expiresAt = new Date(now() + ttlMs);
      await store.session.create({
        data: { id, secretHash: new Uint8Array(hashSecret(secret)), userId, expiresAt },
      });
      return { token: `${id}.${secret}`, expiresAt };
    },

    async validate(token) {
      const parts = token.split('.');
      if (parts.length !== 2 || !parts[0] || !parts[1]) return null;
      const [id, secret] = parts;
      const row = await store.session.findUnique({ where: { id }, include: { user: true } });
      if (!row) return null;
      if (!constantTimeEqual(hashSecret(secret), new Uint8Array(row.secretHash))) return null;
      const current = now();
      if (row.expiresAt.getTime() <= current) {
        await store.session.deleteMany({ where: { id } });
        return null;
      }
      let expiresAt = row.expiresAt;
      if (expiresAt.getTime() - current < ttlMs / 2) {
        expiresAt = new Date(current + ttlMs);
        await store.session.updateMany({ where: { id }, data: { expiresAt } });
      }
      return { session: { id, expiresAt }, user: userFromRow(row.user) };
    },

    async invalidate(sessionId) {
      await store.session.deleteMany({ where: { id: sessionId } });
    },
  };
}
