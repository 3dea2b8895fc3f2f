import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { adapterFor } from '../../../prisma/databases';
import { cachingStatements } from '../../../prisma/sqlite-statements';

interface Connection {
  prepare(sql: string): { run(...args: unknown[]): unknown; all(...args: unknown[]): unknown[] };
  exec(sql: string): void;
  close(): void;
}

/** A real in-memory connection that counts the statements SQLite was asked to prepare. */
function countedConnection() {
  const db = new Database(':memory:') as unknown as Connection;
  db.exec('CREATE TABLE stock (sku TEXT PRIMARY KEY, available INTEGER NOT NULL CHECK (available >= 0))');
  const prepared: string[] = [];
  const prepare = db.prepare.bind(db);
  db.prepare = (sql: string) => {
    prepared.push(sql);
    return prepare(sql);
  };
  return { db, prepared };
}

describe('cachingStatements', () => {
  it('prepares each SQL text once and binds each call its own arguments', () => {
    const { db, prepared } = countedConnection();
    const cached = cachingStatements(db as never) as unknown as {
      prepare(sql: string): { bind(args: unknown[]): { run(): unknown; reader: boolean; raw(): { all(): unknown[] } } };
    };
    const insert = 'INSERT INTO stock (sku, available) VALUES (?, ?)';
    cached.prepare(insert).bind(['A', 1]).run();
    cached.prepare(insert).bind(['B', 2]).run();
    const select = 'SELECT sku, available FROM stock WHERE sku = ?';
    expect(cached.prepare(select).bind(['A']).reader).toBe(true);
    expect(cached.prepare(select).bind(['A']).raw().all()).toEqual([['A', 1]]);
    expect(cached.prepare(select).bind(['B']).raw().all()).toEqual([['B', 2]]);
    expect(prepared).toEqual([insert, select]);
    db.close();
  });

  it('keeps a statement usable after it failed', () => {
    const { db } = countedConnection();
    const cached = cachingStatements(db as never) as unknown as {
      prepare(sql: string): { bind(args: unknown[]): { run(): unknown; raw(): { all(): unknown[] } } };
    };
    const insert = 'INSERT INTO stock (sku, available) VALUES (?, ?)';
    cached.prepare(insert).bind(['A', 1]).run();
    expect(() => cached.prepare(insert).bind(['A', 5]).run()).toThrow(/UNIQUE/);
    expect(() => cached.prepare(insert).bind(['B', -1]).run()).toThrow(/CHECK/);
    cached.prepare(insert).bind(['C', 3]).run();
    expect(cached.prepare('SELECT sku FROM stock ORDER BY sku').bind([]).raw().all()).toEqual([['A'], ['C']]);
    db.close();
  });

  it('holds at most its capacity, dropping the statement used longest ago', () => {
    const { db, prepared } = countedConnection();
    const cached = cachingStatements(db as never, 2) as unknown as { prepare(sql: string): { bind(args: unknown[]): { raw(): { all(): unknown[] } } } };
    const query = (n: number) => cached.prepare(`SELECT ${n}`).bind([]).raw().all();
    query(1);
    query(2);
    query(1); // 2 is now the oldest
    query(3); // evicts 2
    query(1);
    query(2); // prepared again; evicts 3
    query(1);
    expect(prepared).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3', 'SELECT 2']);
    db.close();
  });
});

describe("Prisma's SQLite adapter from adapterFor", () => {
  const files: string[] = [];
  afterAll(() => files.forEach((file) => fs.rmSync(file, { force: true })));

  it('runs transactions and queries on cached statements, each with its own arguments', async () => {
    const file = path.join(os.tmpdir(), `statements-${randomUUID()}.db`);
    files.push(file);
    const prepares = jest.spyOn(Database.prototype as unknown as { prepare(sql: string): unknown }, 'prepare');
    const adapter = await adapterFor(`file:${file}`).connect();
    try {
      await adapter.executeScript('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
      const insert = { sql: 'INSERT INTO t (id, name) VALUES (?, ?)', argTypes: [{ scalarType: 'int', arity: 'scalar' }, { scalarType: 'string', arity: 'scalar' }] } as const;
      for (const [id, name] of [[1, 'one'], [2, 'two']] as const) {
        const tx = await adapter.startTransaction();
        await tx.executeRaw({ ...insert, args: [id, name] } as never);
        // Prisma's engine ends the transaction with its own statement, then tells the adapter.
        await tx.executeRaw({ sql: 'COMMIT', args: [], argTypes: [] });
        await tx.commit();
      }
      const rolledBack = await adapter.startTransaction();
      await rolledBack.executeRaw({ ...insert, args: [3, 'three'] } as never);
      await rolledBack.executeRaw({ sql: 'ROLLBACK', args: [], argTypes: [] });
      await rolledBack.rollback();
      const read = (id: number) =>
        adapter.queryRaw({ sql: 'SELECT name FROM t WHERE id = ?', args: [id], argTypes: [{ scalarType: 'int', arity: 'scalar' }] } as never);
      expect((await read(1)).rows).toEqual([['one']]);
      expect((await read(2)).rows).toEqual([['two']]);
      expect((await read(3)).rows).toEqual([]);
      const readSql = 'SELECT name FROM t WHERE id = ?';
      expect(prepares.mock.calls.filter(([sql]) => sql === readSql)).toHaveLength(1);
      expect(prepares.mock.calls.filter(([sql]) => sql === insert.sql)).toHaveLength(1);
    } finally {
      await adapter.dispose();
      prepares.mockRestore();
    }
  });
});
