import type { Context, MiddlewareHandler } from 'hono';
import type { Role, User } from '../../contracts/auth';
import { CodedError } from '../../contracts/errors';
import type { SessionStore } from '../auth/sessions';
import type { AppEnv, SessionInfo } from '../context';

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

export interface AuthMiddleware {
  /** 401 unless the request carries a live session token. */
  requireUser: MiddlewareHandler<AppEnv>;
  /** 401 without a session, 403 for a signed-in user who is not ADMIN. */
  requireAdmin: MiddlewareHandler<AppEnv>;
}

export function createAuthMiddleware(sessions: SessionStore): AuthMiddleware {
  const authenticate = async (c: Context<AppEnv>) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token) throw new CodedError('UNAUTHORIZED', 'Sign in first: send Authorization: Bearer <token>');
    const validated = await sessions.validate(token);
    if (!validated) throw new CodedError('UNAUTHORIZED', 'The session token is invalid or has expired');
    c.set('user', validated.user);
    c.set('session', validated.session);
    return validated.user;
  };
  const requireRole =
    (role?: Role): MiddlewareHandler<AppEnv> =>
    async (c, next) => {
      const user = await authenticate(c);
      if (role && user.role !== role) throw new CodedError('FORBIDDEN', `Only ${role} may do this`);
      await next();
    };
  return { requireUser: requireRole(), requireAdmin: requireRole('ADMIN') };
}

/** The signed-in user; only reachable behind `requireUser` or `requireAdmin`. */
export function currentUser(c: Context<AppEnv>): User {
  const user = c.get('user');
  if (!user) throw new CodedError('UNAUTHORIZED', 'Sign in first');
  return user;
}

export function currentSession(c: Context<AppEnv>): SessionInfo {
  const session = c.get('session');
  if (!session) throw new CodedError('UNAUTHORIZED', 'Sign in first');
  return session;
}
