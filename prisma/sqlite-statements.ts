import type BetterSqlite3 from 'better-sqlite3';
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';

/** Distinct statements kept per connection: Prisma's query shapes, and a few per length of an `IN (…)` list. */
export const sqliteStatementCacheSize = 500;

type Statement = BetterSqlite3.Statement<unknown[]>;

/** What Prisma's SQLite adapter calls on a statement it prepared: it binds the arguments, then runs or reads. */
interface PreparedQuery {
  bind(args: unknown[]): BoundQuery;
  run(): unknown;
}

/**
 * One query's arguments on a cached statement. better-sqlite3's own `bind` fixes a statement's arguments for good,
 * so a cached statement takes them on each call instead.
 */
class BoundQuery {
  constructor(
    private readonly statement: Statement,
    private readonly args: unknown[],
  ) {}

  get reader(): boolean {
    return this.statement.reader;
  }

  columns() {
    return this.statement.columns();
  }

  run() {
    return this.statement.run(this.args);
  }

  raw() {
    const statement = this.statement.raw(true);
    return { all: () => statement.all(this.args) };
  }
}

/**
 * A better-sqlite3 connection that prepares each distinct SQL text once. Prisma's adapter prepares every query's
 * statement again, and SQLite's parse and plan of it was a tenth of an owner's query time; the connection is the
 * adapter's alone, so a statement is never run by two queries at once (every call runs it to the end).
 */
export function cachingStatements(db: BetterSqlite3.Database, capacity = sqliteStatementCacheSize): BetterSqlite3.Database {
  const statements = new Map<string, Statement>();
  const prepare = (sql: string): PreparedQuery => {
    let statement = statements.get(sql);
    if (statement) {
      // Most recently used last: the first key is the one to evict.
      statements.delete(sql);
    } else {
      statement = db.prepare(sql);
      if (statements.size >= capacity) statements.delete(statements.keys().next().value as string);
    }
    statements.set(sql, statement);
    const prepared = statement;
    return { bind: (args) => new BoundQuery(prepared, args), run: () => prepared.run() };
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') return prepare;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

type Factory = SqlMigrationAwareDriverAdapterFactory | SqlDriverAdapterFactory;

/** Prisma's better-sqlite3 adapter factory whose connections cache their statements (`cachingStatements`). */
export function withStatementCache<F extends Factory>(factory: F): F {
  const connected = async (adapter: SqlDriverAdapter): Promise<SqlDriverAdapter> => {
    const holder = adapter as unknown as { client?: BetterSqlite3.Database };
    // The adapter keeps its connection as `client`; without it, the adapter is not the one this was written for.
    if (!holder.client || typeof holder.client.prepare !== 'function') {
      throw new Error("Prisma's better-sqlite3 adapter no longer keeps its connection as `client`");
    }
    holder.client = cachingStatements(holder.client);
    return adapter;
  };
  const wrapped = Object.create(factory) as F;
  wrapped.connect = async () => connected(await factory.connect());
  if ('connectToShadowDb' in factory) {
    (wrapped as SqlMigrationAwareDriverAdapterFactory).connectToShadowDb = async () =>
      connected(await factory.connectToShadowDb());
  }
  return wrapped;
}
