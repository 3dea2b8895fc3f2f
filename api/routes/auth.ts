import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { ChangePasswordRequest, LoginRequest, LoginResponse, RegisterRequest, User } from '../../contracts/auth';
import type { StoreDb } from '../../prisma/clients';
import { authenticate, changePassword, registerUser } from '../auth/accounts';
import type { LoginThrottle } from '../auth/login-throttle';
import type { SessionStore } from '../auth/sessions';
import { clientAddress } from '../client-address';
import { currentSession, currentUser, type AuthMiddleware } from '../middleware/auth';
import { codecSessionCookie } from './codec';
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonContent, noSecurity } from '../openapi';

const UserAnswer = z.object({ user: User });

/**
 * The session as a cookie for the Temporal Web UI's codec calls, which send cookies and no bearer token: HttpOnly (no
 * script reads it), SameSite=Strict, and only sent to /codec, the one place that accepts it.
 */
function setCodecCookie(c: Context, token: string, expiresAt: Date) {
  const https = new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
  setCookie(c, codecSessionCookie, token, { httpOnly: true, sameSite: 'Strict', path: '/codec', expires: expiresAt, secure: https });
}

export function authRoutes(deps: {
  store: StoreDb;
  sessions: SessionStore;
  auth: AuthMiddleware;
  loginThrottle: LoginThrottle;
}) {
  const { store, sessions, auth, loginThrottle } = deps;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'post',
      path: '/auth/register',
      operationId: 'registerUser',
      tags: ['auth'],
      summary: 'Register a user (always role USER)',
      description: 'Creates a user with role USER; an email is registered once (409 EMAIL_TAKEN). Sign in with POST /auth/login.',
      security: noSecurity,
      request: { body: jsonBody(RegisterRequest) },
      responses: {
        201: jsonContent(UserAnswer, 'The new user'),
        ...errorResponses(400, 409, 413),
      },
    }),
    async (c) => {
      const user = await registerUser(store, c.req.valid('json'));
      return c.json({ user }, 201);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/auth/login',
      operationId: 'logIn',
      tags: ['auth'],
      summary: 'Sign in and receive a bearer session token',
      description:
        'Answers a session token to send as `Authorization: Bearer <token>`; its expiry slides while it is used, up to ' +
        'SESSION_MAX_AGE (default 30 days) after sign-in, however active. The same session comes as an HttpOnly, ' +
        'SameSite cookie for /codec only, where the Temporal Web UI sends it (an ADMIN reads payloads). Failed ' +
        'logins are throttled per account and client together (each try past the free failures waits twice as long) and ' +
        'per client: while it waits the answer is 429 RATE_LIMITED with Retry-After, even for the right password.',
      security: noSecurity,
      request: { body: jsonBody(LoginRequest) },
      responses: {
        200: jsonContent(LoginResponse, 'A session token, its expiry and the user'),
        ...errorResponses(400, 401, 413),
      },
    }),
    async (c) => {
      const credentials = c.req.valid('json');
      const user = await loginThrottle.attempt(credentials.email, clientAddress(c), () => authenticate(store, credentials));
      const session = await sessions.create(user.id);
      setCodecCookie(c, session.token, session.expiresAt);
      return c.json({ token: session.token, expiresAt: session.expiresAt.toISOString(), user }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/auth/logout',
      operationId: 'logOut',
      tags: ['auth'],
      summary: 'End the session: its token stops working',
      description: 'Deletes the session of the token sent; other sessions of the same user go on.',
      security: bearerSecurity,
      middleware: [auth.requireUser] as const,
      responses: { 204: { description: 'Signed out' }, ...errorResponses(401) },
    }),
    async (c) => {
      await sessions.invalidate(currentSession(c).id);
      deleteCookie(c, codecSessionCookie, { path: '/codec' });
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/auth/password',
      operationId: 'changePassword',
      tags: ['auth'],
      summary: 'Change the password; every other session of the user ends',
      description:
        'Sets a new password once the current one is given (401 INVALID_CREDENTIALS when it is wrong). Every other ' +
        'session of the user ends with it; the session of the token sent goes on. Wrong current passwords are throttled ' +
        'as failed logins are (429 RATE_LIMITED with Retry-After).',
      security: bearerSecurity,
      middleware: [auth.requireUser] as const,
      request: { body: jsonBody(ChangePasswordRequest) },
      responses: { 204: { description: 'Password changed' }, ...errorResponses(400, 401, 413) },
    }),
    async (c) => {
      const { currentPassword, newPassword } = c.req.valid('json');
      const user = currentUser(c);
      const keepSessionId = currentSession(c).id;
      await loginThrottle.attempt(user.email, clientAddress(c), () =>
        changePassword(store, { userId: user.id, currentPassword, newPassword, keepSessionId }),
      );
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/auth/me',
      operationId: 'getCurrentUser',
      tags: ['auth'],
      summary: 'The signed-in user',
      description: 'The user the bearer token belongs to, with its role.',
      security: bearerSecurity,
      middleware: [auth.requireUser] as const,
      responses: { 200: jsonContent(UserAnswer, 'The signed-in user'), ...errorResponses(401) },
    }),
    (c) => c.json({ user: currentUser(c) }, 200),
  );

  return router;
}
