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
 * of its lifetime (`ttlMs`) remains, but never past `maxAgeMs` from its sign-in, however active it is. The
 * orchestrator's session sweep (activities/store/session-sweep.ts) deletes the ones that expired unused.
 */
export interface SessionStore {
  create(userId: string): Promise<{ token: string; expiresAt: Date }>;
  validate(token: string): Promise<{ session: SessionInfo; user: User } | null>;
  invalidate(sessionId: string): Promise<void>;
}

export interface SessionLifetime {
  /** The sliding lifetime (SESSION_TTL). */
  ttlMs: number;
  /** The absolute lifetime from sign-in (SESSION_MAX_AGE). */
  maxAgeMs: number;
}

function randomToken(bytes = 20): string {
  return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(bytes)));
}

function hashSecret(secret: string): Uint8Array {
  return sha256(new TextEncoder().encode(secret));
}

/** `lifetime` as a number is a sliding lifetime that is also the absolute one. */
export function createSessionStore(
  store: StoreDb,
  lifetime: SessionLifetime | number,
  now: () => number = Date.now,
): SessionStore {
  const { ttlMs, maxAgeMs } = typeof lifetime === 'number' ? { ttlMs: lifetime, maxAgeMs: lifetime } : lifetime;
  return {
    async create(userId) {
      const id = randomToken();
      const secret = randomToken();
      const createdAt = now();
      const expiresAt = new Date(createdAt + Math.min(ttlMs, maxAgeMs));
      await store.session.create({
        // createdAt from the same clock as the expiry: the absolute lifetime counts from it.
        data: { id, secretHash: new Uint8Array(hashSecret(secret)), userId, expiresAt, createdAt: new Date(createdAt) },
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
      const endOfLife = row.createdAt.getTime() + maxAgeMs;
      if (row.expiresAt.getTime() <= current || endOfLife <= current) {
        await store.session.deleteMany({ where: { id } });
        return null;
      }
      let expiresAt = row.expiresAt;
      if (expiresAt.getTime() - current < ttlMs / 2) {
        const extended = Math.min(current + ttlMs, endOfLife);
        if (extended > expiresAt.getTime()) {
          expiresAt = new Date(extended);
          await store.session.updateMany({ where: { id }, data: { expiresAt } });
        }
      }
      return { session: { id, expiresAt }, user: userFromRow(row.user) };
    },

    async invalidate(sessionId) {
      await store.session.deleteMany({ where: { id: sessionId } });
    },
  };
}
