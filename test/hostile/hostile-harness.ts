import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { errorCodes } from '../../contracts/errors';
import { startGateway, type Gateway, type JsonResponse } from '../unit/api/gateway-harness';

export { bearer, json, signIn, type Gateway, type JsonResponse } from '../unit/api/gateway-harness';

import type { StubServices } from '../support/stub-services';

export { startStubServices, type StubServices } from '../support/stub-services';

/** Every line the gateway logged, parsed. */
export interface LogCapture {
  lines: Record<string, any>[];
}

export interface HostileGateway extends Gateway {
  logs: LogCapture;
}

/** The gateway on a real migrated SQLite store, its log captured, with whatever Temporal and services the test gives. */
export async function startHostileGateway(
  options: { env?: Record<string, string>; temporal?: Client; temporalTimeoutMs?: number } = {},
): Promise<HostileGateway> {
  const logs: LogCapture = { lines: [] };
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.lines.push(JSON.parse(line));
      done();
    },
  });
  const gateway = await startGateway(
    { RATE_LIMIT_PER_MINUTE: '1000000', LOGIN_MAX_FAILURES_PER_CLIENT: '1000000', ...options.env },
    {
      logger: pino({ level: 'info' }, destination),
      ...(options.temporal ? { temporal: options.temporal } : {}),
      ...(options.temporalTimeoutMs ? { temporalTimeoutMs: options.temporalTimeoutMs } : {}),
    },
  );
  return { ...gateway, logs };
}

const contractCodes = new Set<string>(errorCodes);

/** Internals no answer may show, whatever the input: stack frames, source paths, Prisma, socket errors, our hosts. */
const internals = [/\n\s+at\s/, /\.ts:\d+/, /\/work\/|node_modules/, /prisma|invocation/i, /ECONNREFUSED|fetch failed/, /127\.0\.0\.1/];

/**
 * What every answer to hostile input must be: no 5xx, and when it is a refusal, the contract's error shape with a
 * contract code, as JSON, with the security headers. Answers the parsed body.
 */
export async function expectOrderlyAnswer(response: JsonResponse, allowed?: number[]): Promise<any> {
  const text = await response.text();
  const context = `${response.status} ${text.slice(0, 300)}`;
  if (response.status >= 500) throw new Error(`a 5xx answer: ${context}`);
  if (allowed && !allowed.includes(response.status)) throw new Error(`expected one of ${allowed.join(', ')}, got ${context}`);
  expectSecurityHeaders(response);
  for (const pattern of internals) {
    if (pattern.test(text)) throw new Error(`the answer shows internals (${pattern}): ${context}`);
  }
  if (response.status === 204) return undefined;
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text);
  if (response.status >= 400) expectErrorShape(body, context);
  return body;
}

export function expectErrorShape(body: any, context = ''): void {
  const problems: string[] = [];
  if (typeof body !== 'object' || body === null || Object.keys(body).join() !== 'error') problems.push('not {error}');
  const error = body?.error ?? {};
  const keys = Object.keys(error).sort();
  if (!(keys.join() === 'code,message' || keys.join() === 'code,details,message')) problems.push(`keys ${keys.join()}`);
  if (!contractCodes.has(error.code)) problems.push(`code ${error.code}`);
  if (typeof error.message !== 'string' || error.message.length === 0) problems.push('message');
  if (problems.length > 0) throw new Error(`not the contract's error shape (${problems.join('; ')}): ${context}`);
}

export function expectSecurityHeaders(response: Pick<Response, 'headers' | 'status' | 'url'>): void {
  const headers = response.headers;
  const missing = [
    headers.get('x-content-type-options') === 'nosniff' ? undefined : 'X-Content-Type-Options',
    headers.get('x-frame-options') || /frame-ancestors/.test(headers.get('content-security-policy') ?? '')
      ? undefined
      : 'X-Frame-Options',
    headers.get('referrer-policy') ? undefined : 'Referrer-Policy',
    /max-age=\d+/.test(headers.get('strict-transport-security') ?? '') ? undefined : 'Strict-Transport-Security',
    headers.get('x-request-id') ? undefined : 'X-Request-Id',
    headers.has('x-powered-by') ? 'no X-Powered-By' : undefined,
  ].filter(Boolean);
  if (missing.length > 0) throw new Error(`security headers wrong on a ${response.status}: ${missing.join(', ')}`);
}

/** What a rejected request must leave as it was: rows in the store and the supplier's stock. */
export async function storeSnapshot(gateway: Gateway, services?: StubServices) {
  const [users, admins, sessions, products, purchases] = await Promise.all([
    gateway.store.user.count(),
    gateway.store.user.count({ where: { role: 'ADMIN' } }),
    gateway.store.session.count(),
    gateway.store.product.findMany({ orderBy: { sku: 'asc' } }),
    gateway.store.purchase.count(),
  ]);
  return {
    users,
    admins,
    sessions,
    products: products.map((row) => `${row.sku}:${row.name}:${row.priceCents}`),
    purchases,
    stock: services ? JSON.stringify([...services.stock].sort()) : undefined,
  };
}

/**
 * Waits until the saga of an accepted purchase has written its record (its first workflow task, a moment after the
 * 202), so that a snapshot taken after it counts that purchase and no write of it lands in a later one.
 */
export async function untilRecorded(gateway: Gateway, purchaseId: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await gateway.store.purchase.findUnique({ where: { id: purchaseId }, select: { id: true } }))) {
    if (Date.now() > deadline) throw new Error(`the saga of purchase ${purchaseId} wrote no record within ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The contract's routes with a body, path or query an attacker controls; `:x` marks a path parameter. */
export const contractRoutes = [
  { method: 'POST', path: '/auth/register', who: 'anyone' },
  { method: 'POST', path: '/auth/login', who: 'anyone' },
  { method: 'POST', path: '/auth/logout', who: 'user' },
  { method: 'GET', path: '/auth/me', who: 'user' },
  { method: 'GET', path: '/products', who: 'anyone' },
  { method: 'POST', path: '/products', who: 'admin' },
  { method: 'PATCH', path: '/products/:x', who: 'admin' },
  { method: 'DELETE', path: '/products/:x', who: 'admin' },
  { method: 'PUT', path: '/inventory/:x', who: 'admin' },
  { method: 'GET', path: '/inventory/:x', who: 'admin' },
  { method: 'GET', path: '/deliveries/:x', who: 'admin' },
  { method: 'POST', path: '/purchases', who: 'user' },
  { method: 'GET', path: '/purchases', who: 'user' },
  { method: 'GET', path: '/purchases/:x', who: 'user' },
  { method: 'POST', path: '/purchases/:x/cancel', who: 'user' },
  { method: 'GET', path: '/health', who: 'anyone' },
  { method: 'GET', path: '/ready', who: 'anyone' },
  { method: 'GET', path: '/openapi.json', who: 'anyone' },
  { method: 'GET', path: '/docs', who: 'anyone' },
] as const;
