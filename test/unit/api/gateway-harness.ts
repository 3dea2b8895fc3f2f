import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createApp, type GatewayDeps } from '../../../api/app';
import { purchaseWorkflowId } from '../../../contracts/temporal';
import { seedCatalogIfEmpty } from '../../../api/catalog-seed';
import { loadConfig } from '../../../config';
import { migrateDatabase } from '../../../prisma/migrations';
import { connectStore, type StoreDb } from '../../../prisma/clients';

/** Nothing listens here: the supplier, the carrier and Temporal are all "down" unless a test says otherwise. */
export const unreachable = 'http://127.0.0.1:9';

let migratedTemplate: Promise<string> | undefined;

/** Migrating takes a Prisma CLI run; do it once per test file and copy the file for each gateway. */
function migratedStoreFile(): Promise<string> {
  migratedTemplate ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-template-'));
    const file = path.join(dir, 'store.db');
    await migrateDatabase('store', `file:${file}`);
    return file;
  })();
  return migratedTemplate;
}

/** A Response whose JSON the tests read without declaring every shape. */
export type JsonResponse = Omit<Response, 'json'> & { json(): Promise<any> };

export interface Gateway {
  app: ReturnType<typeof createApp>;
  request(path: string, init?: RequestInit, env?: unknown): Promise<JsonResponse>;
  store: StoreDb;
  close(): Promise<void>;
}

export async function startGateway(
  env: Record<string, string> = {},
  overrides: Partial<Omit<GatewayDeps, 'config' | 'store'>> = {},
): Promise<Gateway> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-'));
  const file = path.join(dir, 'store.db');
  fs.copyFileSync(await migratedStoreFile(), file);
  const config = loadConfig({
    SUPPLIER_URL: unreachable,
    CARRIER_URL: unreachable,
    RATE_LIMIT_PER_MINUTE: '10000',
    ...env,
  });
  const store = connectStore(`file:${file}`);
  await seedCatalogIfEmpty(store);
  // Unless the test brings its own: a real client on a lazy connection to a port where no Temporal listens, so that
  // routes that need it answer 503.
  const connection = overrides.temporal ? undefined : unreachableTemporal();
  const temporal = overrides.temporal ?? new Client({ connection });
  const app = createApp({
    config,
    store,
    logger: pino({ level: 'silent' }),
    temporalTimeoutMs: 500,
    ...overrides,
    temporal,
  });
  return {
    app,
    store,
    request: async (path, init, bindings) => (await app.request(path, init, bindings)) as unknown as JsonResponse,
    async close() {
      await connection?.close();
      await store.$disconnect();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A connection to a port where no Temporal listens, without the client's retries: a retry is a timer that outlives
 * the call's deadline, and one firing after `close()` throws "Channel has been shut down" into whichever test file
 * runs next in this process.
 */
export function unreachableTemporal(): Connection {
  return Connection.lazy({ address: '127.0.0.1:9', interceptors: [] });
}

export const json = (body: unknown, headers: Record<string, string> = {}) => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let counter = 0;

/** Registers and signs in a fresh user; `role: 'ADMIN'` promotes it in the database, as start-up does. */
export async function signIn(gateway: Gateway, role: 'USER' | 'ADMIN' = 'USER') {
  counter += 1;
  const email = `user${counter}-${Date.now()}@example.com`;
  const password = 'correct horse battery';
  const registered = await gateway.request('/auth/register', {
    method: 'POST',
    ...json({ email, password, name: `User ${counter}` }),
  });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}`);
  const { user } = (await registered.json()) as { user: { id: string } };
  if (role === 'ADMIN') await gateway.store.user.update({ where: { id: user.id }, data: { role: 'ADMIN' } });
  const login = await gateway.request('/auth/login', { method: 'POST', ...json({ email, password }) });
  const body = (await login.json()) as { token: string; expiresAt: string; user: { id: string; role: string } };
  return { ...body, email, password, headers: bearer(body.token) };
}

/** A purchase record in flight (ORDER_REQUESTED), as the saga's store activity writes it, for the read routes. */
export async function insertPurchaseInFlight(store: StoreDb, userId: string): Promise<string> {
  const id = crypto.randomUUID();
  await store.purchase.create({
    data: {
      id,
      workflowId: purchaseWorkflowId(id),
      userId,
      status: 'ORDER_REQUESTED',
      items: [{ sku: 'SKU-1', quantity: 1, unitPriceCents: 1250 }],
      address: { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' },
      totalCents: 1250,
      discountCents: 0,
      history: [{ status: 'RECEIVED', at: new Date().toISOString() }],
      version: 1,
      createdAt: new Date(),
    },
  });
  return id;
}
