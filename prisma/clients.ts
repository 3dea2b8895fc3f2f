import type { PrismaClient as CarrierClient } from './carrier/generated/client';
import { adapterFor } from './databases';
import { engineOf, type Engine } from './engines';
import type { PrismaClient as StoreClient } from './store/generated/client';
import type { PrismaClient as SupplierClient } from './supplier/generated/client';

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
  /** SQLite: false runs Prisma's adapter as it ships, preparing each query's statement again (a benchmark's baseline). */
  statementCache?: boolean;
}

const engineByClient = new WeakMap<object, Engine>();

/**
 * Each engine's client is loaded when a URL first asks for it: a process loads the one it uses, not nine generated
 * clients with their query compilers (about 20 MB of memory per process).
 */
type ClientLoaders = Record<Engine, () => AnyClient>;

function connect<Db extends object>(clients: ClientLoaders, url: string, options: ConnectOptions = {}): Db {
  const engine = engineOf(url);
  const Client = clients[engine]();
  const db = new Client({ adapter: adapterFor(url, options) }) as Db;
  engineByClient.set(db, engine);
  return db;
}

/** The engine a client runs on: the few places that need their own SQL per engine ask this. */
export function engineOfClient(db: object): Engine {
  const engine = engineByClient.get(db);
  if (!engine) throw new Error('Not a client made by prisma/clients.ts');
  return engine;
}

/**
 * Each service opens only its own database. The three maps differ only in their paths, which stay literal: the build
 * (scripts/build.ts) bundles each generated client by the path its `require` names.
 */
export const connectStore = (url: string, options?: ConnectOptions): StoreDb =>
  connect(
    {
      sqlite: () => require('./store/generated/client').PrismaClient,
      postgresql: () => require('./store/engines/postgresql/generated/client').PrismaClient,
      mysql: () => require('./store/engines/mysql/generated/client').PrismaClient,
    },
    url,
    options,
  );
export const connectSupplier = (url: string, options?: ConnectOptions): SupplierDb =>
  connect(
    {
      sqlite: () => require('./supplier/generated/client').PrismaClient,
      postgresql: () => require('./supplier/engines/postgresql/generated/client').PrismaClient,
      mysql: () => require('./supplier/engines/mysql/generated/client').PrismaClient,
    },
    url,
    options,
  );
export const connectCarrier = (url: string, options?: ConnectOptions): CarrierDb =>
  connect(
    {
      sqlite: () => require('./carrier/generated/client').PrismaClient,
      postgresql: () => require('./carrier/engines/postgresql/generated/client').PrismaClient,
      mysql: () => require('./carrier/engines/mysql/generated/client').PrismaClient,
    },
    url,
    options,
  );
