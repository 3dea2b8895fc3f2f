import { randomUUID } from 'node:crypto';
import { Role, type LoginRequest, type RegisterRequest, type User } from '../../contracts/auth';
import { CodedError } from '../../contracts/errors';
import type { StoreDb } from '../../prisma/clients';
import { isUniqueViolation } from '../../prisma/errors';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords';

interface UserRow {
  id: string;
  email: string;
  name: string | null;
  role: string;
}

/** The user resource from its row; an unexpected role in the database reads as the least privileged one. */
export function userFromRow(row: UserRow): User {
  const role = Role.safeParse(row.role);
  return { id: row.id, email: row.email, name: row.name, role: role.success ? role.data : 'USER' };
}

/** Registration always makes a USER: the request schema is strict, so no body can ask for more. */
export async function registerUser(store: StoreDb, request: RegisterRequest): Promise<User> {
  const passwordHash = await hashPassword(request.password);
  try {
    const row = await store.user.create({
      data: { id: randomUUID(), email: request.email, name: request.name ?? null, passwordHash, role: 'USER' },
    });
    return userFromRow(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw new CodedError('EMAIL_TAKEN', `The email ${request.email} is already registered`);
    throw error;
  }
}

/** One answer for an unknown email and a wrong password, in about the same time. */
export async function authenticate(store: StoreDb, request: LoginRequest): Promise<User> {
  const row = await store.user.findUnique({ where: { email: request.email } });
  const valid = row ? await verifyPassword(row.passwordHash, request.password) : await verifyAgainstDummy(request.password);
  if (!row || !valid) throw new CodedError('INVALID_CREDENTIALS', 'Wrong email or password');
  return userFromRow(row);
}

/**
 * Start-up: the configured admin exists with the configured password. An existing user with that email is promoted
 * and its password reset. Its sessions are kept: a gateway restart must not sign the admin out.
 */
export async function ensureAdmin(store: StoreDb, admin: { email: string; password: string }): Promise<User> {
  const email = admin.email.trim().toLowerCase();
  const passwordHash = await hashPassword(admin.password);
  const row = await store.user.upsert({
    where: { email },
    create: { id: randomUUID(), email, name: 'Administrator', passwordHash, role: 'ADMIN' },
    update: { passwordHash, role: 'ADMIN' },
  });
  return userFromRow(row);
}

/**
 * A password change by the signed-in user: the current password must match (401 INVALID_CREDENTIALS otherwise). The
 * new hash and the end of every other session of that user are one transaction, so no other session outlives the old
 * password; `keepSessionId`, the caller's, goes on.
 */
export async function changePassword(
  store: StoreDb,
  change: { userId: string; currentPassword: string; newPassword: string; keepSessionId: string },
): Promise<{ endedSessions: number }> {
  const row = await store.user.findUnique({ where: { id: change.userId } });
  const valid = row
    ? await verifyPassword(row.passwordHash, change.currentPassword)
    : await verifyAgainstDummy(change.currentPassword);
  if (!row || !valid) throw new CodedError('INVALID_CREDENTIALS', 'The current password is wrong');
  const passwordHash = await hashPassword(change.newPassword);
  const [, ended] = await store.$transaction([
    store.user.update({ where: { id: row.id }, data: { passwordHash } }),
    store.session.deleteMany({ where: { userId: row.id, id: { not: change.keepSessionId } } }),
  ]);
  return { endedSessions: ended.count };
}
