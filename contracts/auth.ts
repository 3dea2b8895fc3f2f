import { z } from 'zod';

export const roles = ['USER', 'ADMIN'] as const;
export const Role = z.enum(roles).meta({ id: 'Role' });
export type Role = z.infer<typeof Role>;

export const User = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  role: Role,
}).meta({ id: 'User' });
export type User = z.infer<typeof User>;

const email = z
  .string()
  .trim()
  .max(254)
  .email()
  .transform((value) => value.toLowerCase());

/** Strict: a `role` in the body is an error, not a way to become ADMIN. */
export const RegisterRequest = z
  .object({
    email,
    password: z.string().min(8).max(256),
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
  .meta({ id: 'RegisterRequest' });
export type RegisterRequest = z.infer<typeof RegisterRequest>;

export const LoginRequest = z.object({ email, password: z.string().min(1).max(256) }).strict().meta({ id: 'LoginRequest' });
export type LoginRequest = z.infer<typeof LoginRequest>;

export const LoginResponse = z.object({ token: z.string(), expiresAt: z.string(), user: User }).meta({ id: 'LoginResponse' });

/** Strict, like the others; the new password follows registration's rule. */
export const ChangePasswordRequest = z
  .object({ currentPassword: z.string().min(1).max(256), newPassword: z.string().min(8).max(256) })
  .strict()
  .meta({ id: 'ChangePasswordRequest' });
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequest>;
