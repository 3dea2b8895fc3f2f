import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
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
  /**
   * As requireAdmin, but the session may also come as the `cookie` POST /auth/login sets: the Web UI's codec calls
   * carry cookies, never a bearer token. Only the codec routes take it.
   */
  requireAdminOrSessionCookie(cookie: string): MiddlewareHandler<AppEnv>;
}

export function createAuthMiddleware(sessions: SessionStore): AuthMiddleware {
  const authenticate = async (c: Context<AppEnv>, cookie?: string) => {
    const token = bearerToken(c.req.header('authorization')) ?? (cookie ? getCookie(c, cookie) : undefined);
    if (!token) throw new CodedError('UNAUTHORIZED', 'Sign in first: send Authorization: Bearer <token>');
    const validated = await sessions.validate(token);
    if (!validated) throw new CodedError('UNAUTHORIZED', 'The session token is invalid or has expired');
    c.set('user', validated.user);
    c.set('session', validated.session);
    return validated.user;
  };
  const requireRole =
    (role?: Role, cookie?: string): MiddlewareHandler<AppEnv> =>
    async (c, next) => {
      const user = await authenticate(c, cookie);
      if (role && user.role !== role) throw new CodedError('FORBIDDEN', `Only ${role} may do this`);
      await next();
    };
  return {
    requireUser: requireRole(),
    requireAdmin: requireRole('ADMIN'),
    requireAdminOrSessionCookie: (cookie) => requireRole('ADMIN', cookie),
  };
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
