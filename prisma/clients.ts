import { PrismaClient as CarrierClient } from './carrier/generated/client';
import { PrismaClient as CarrierMysqlClient } from './carrier/engines/mysql/generated/client';
import { PrismaClient as CarrierPostgresClient } from './carrier/engines/postgresql/generated/client';
import { adapterFor } from './databases';
import { engineOf, type Engine } from './engines';
import { PrismaClient as StoreClient } from './store/generated/client';
import { PrismaClient as StoreMysqlClient } from './store/engines/mysql/generated/client';
import { PrismaClient as StorePostgresClient } from './store/engines/postgresql/generated/client';
import { PrismaClient as SupplierClient } from './supplier/generated/client';
import { PrismaClient as SupplierMysqlClient } from './supplier/engines/mysql/generated/client';
import { PrismaClient as SupplierPostgresClient } from './supplier/engines/postgresql/generated/client';

/**
 * One TypeScript type per service's database, whatever the engine: the client generated from the source schema.
 * Every engine's client is generated from the same models (prisma/schemas.ts), so they answer the same calls with the
 * same shapes; only the SQL they send differs. The URL's scheme picks the client at run time.
 */
export type StoreDb = InstanceType<typeof StoreClient>;
export type SupplierDb = InstanceType<typeof SupplierClient>;
export type CarrierDb = InstanceType<typeof CarrierClient>;

type AnyClient = new (options: { adapter: ReturnType<typeof adapterFor> }) => unknown;

/**
 * `waitForLocks`: a client allowed to wait for an SQLite lock, blocking its event loop (contracts/timeouts.ts): for a
 * process's one-off start-up work, and for tools that read a running system's files (the chaos run's checks).
 */
export interface ConnectOptions {
  waitForLocks?: boolean;
}

const engineByClient = new WeakMap<object, Engine>();

function connect<Db extends object>(clients: Record<Engine, AnyClient>, url: string, options: ConnectOptions = {}): Db {
  const engine = engineOf(url);
  const db = new clients[engine]({ adapter: adapterFor(url, options) }) as Db;
  engineByClient.set(db, engine);
  return db;
}

/** The engine a client runs on: the few places that need their own SQL per engine ask this. */
export function engineOfClient(db: object): Engine {
  const engine = engineByClient.get(db);
  if (!engine) throw new Error('Not a client made by prisma/clients.ts');
  return engine;
}

/** Each service opens only its own database. */
export const connectStore = (url: string, options?: ConnectOptions): StoreDb =>
  connect({ sqlite: StoreClient, postgresql: StorePostgresClient, mysql: StoreMysqlClient }, url, options);
export const connectSupplier = (url: string, options?: ConnectOptions): SupplierDb =>
  connect({ sqlite: SupplierClient, postgresql: SupplierPostgresClient, mysql: SupplierMysqlClient }, url, options);
export const connectCarrier = (url: string, options?: ConnectOptions): CarrierDb =>
  connect({ sqlite: CarrierClient, postgresql: CarrierPostgresClient, mysql: CarrierMysqlClient }, url, options);
