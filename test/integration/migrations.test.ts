import childProcess, { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrateDatabase, migrationStatus } from '../../prisma/migrations';
import { connectCarrier, connectStore, connectSupplier } from '../../prisma/clients';
import { adapterFor, databaseNames, type DatabaseName } from '../../prisma/databases';
import { migrationsPath, sourceSchemaPath } from '../../prisma/schemas';
import { describeEachEngine, createEmptyDatabase, type Engine } from '../support/engines';

/**
 * Each engine's checked-in migrations take an empty database to the latest schema, `migrate status` is clean after,
 * and the migrated tables are what the Prisma models say: the same tables, columns, column types, nullability and
 * unique keys. On MySQL, where the migrations are written by hand, this is what keeps them honest.
 */

interface Column {
  table: string;
  column: string;
  type: string;
  nullable: boolean;
}

/** The models of a source schema, read the simple way: scalar fields become columns, relation fields do not. */
function expectedModel(database: DatabaseName) {
  const source = fs.readFileSync(sourceSchemaPath(database), 'utf8');
  const models = [...source.matchAll(/model (\w+) \{([\s\S]*?)\n\}/g)].map(([, name, body]) => ({ name, body }));
  const modelNames = new Set(models.map((model) => model.name));
  const columns: Column[] = [];
  const uniqueKeys: string[] = [];
  for (const { name, body } of models) {
    for (const line of body.split('\n').map((text) => text.replace(/\/\/.*$/, '').trim())) {
      const field = /^(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/.exec(line);
      if (field && !line.startsWith('@@')) {
        const [, column, type, list, optional, attributes] = field;
        if (list || modelNames.has(type)) continue;
        columns.push({ table: name, column, type, nullable: Boolean(optional) });
        if (/@unique\b/.test(attributes)) uniqueKeys.push(`${name}_${column}_key`);
      }
      const compound = /^@@unique\(\[([^\]]+)\]\)/.exec(line);
      if (compound) uniqueKeys.push(`${name}_${compound[1].split(',').map((f) => f.trim()).join('_')}_key`);
    }
  }
  return { tables: [...modelNames].sort(), columns, uniqueKeys };
}

/** How Prisma maps each scalar type on each engine (MariaDB reports JSON as LONGTEXT, MySQL as json). */
const columnTypes: Record<Engine, Record<string, string[]>> = {
  sqlite: { String: ['TEXT'], Int: ['INTEGER'], DateTime: ['DATETIME'], Json: ['JSONB'], Bytes: ['BLOB'] },
  postgresql: {
    String: ['text'],
    Int: ['integer'],
    DateTime: ['timestamp without time zone'],
    Json: ['jsonb'],
    Bytes: ['bytea'],
  },
  mysql: {
    String: ['varchar(191)'],
    Int: ['int(11)', 'int'],
    DateTime: ['datetime(3)'],
    Json: ['longtext', 'json'],
    Bytes: ['longblob'],
  },
};

const bookkeeping = ['_prisma_migrations', 'schemaversion'];

type RawClient = { $queryRawUnsafe<T = unknown>(sql: string): Promise<T>; $disconnect(): Promise<void> };

function connect(database: DatabaseName, url: string): RawClient {
  return { store: connectStore, supplier: connectSupplier, carrier: connectCarrier }[database](url) as unknown as RawClient;
}

async function migratedColumns(engine: Engine, db: RawClient): Promise<Column[]> {
  type Row = { table_name: string; column_name: string; data_type: string; nullable: unknown };
  const sql = {
    sqlite: `SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type, 1 - p."notnull" AS nullable
             FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'`,
    postgresql: `SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type,
                 CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS nullable
                 FROM information_schema.columns WHERE table_schema = 'public'`,
    mysql: `SELECT table_name AS table_name, column_name AS column_name, column_type AS data_type,
            CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS nullable
            FROM information_schema.columns WHERE table_schema = DATABASE()`,
  }[engine];
  const rows = await db.$queryRawUnsafe<Row[]>(sql);
  return rows
    .filter((row) => !bookkeeping.includes(row.table_name) && !row.table_name.startsWith('sqlite_'))
    .map((row) => ({ table: row.table_name, column: row.column_name, type: row.data_type, nullable: Number(row.nullable) === 1 }));
}

async function uniqueIndexes(engine: Engine, db: RawClient): Promise<string[]> {
  const sql = {
    sqlite: `SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE 'CREATE UNIQUE%'`,
    postgresql: `SELECT indexname::text AS name FROM pg_indexes WHERE schemaname = 'public' AND indexdef LIKE 'CREATE UNIQUE%'`,
    mysql: `SELECT DISTINCT index_name AS name FROM information_schema.statistics
            WHERE table_schema = DATABASE() AND non_unique = 0 AND index_name <> 'PRIMARY'`,
  }[engine];
  return (await db.$queryRawUnsafe<{ name: string }[]>(sql)).map((row) => row.name);
}

function checkedInMigrations(database: DatabaseName, engine: Engine): number {
  return fs.readdirSync(migrationsPath(database, engine)).filter((entry) => entry !== 'migration_lock.toml').length;
}

describeEachEngine('migrations', (engine) => {
  for (const database of databaseNames) {
    describe(`the ${database} database`, () => {
      let url: string;
      let drop: () => Promise<void>;
      beforeAll(async () => {
        ({ url, drop } = await createEmptyDatabase(engine, database));
      });
      afterAll(() => drop?.());

      it('takes an empty database to the latest schema, and migrate status is clean after', async () => {
        const before = await migrationStatus(database, url);
        expect(before.upToDate).toBe(false);
        expect(before.pending).toHaveLength(checkedInMigrations(database, engine));

        await migrateDatabase(database, url);

        const after = await migrationStatus(database, url);
        expect(after).toMatchObject({ engine, upToDate: true, pending: [] });
        await migrateDatabase(database, url); // nothing left to apply: a second start changes nothing
        expect((await migrationStatus(database, url)).upToDate).toBe(true);
      });

      it('has exactly the tables, columns, types and unique keys of the Prisma models', async () => {
        const expected = expectedModel(database);
        const db = connect(database, url);
        try {
          const columns = await migratedColumns(engine, db);
          expect([...new Set(columns.map((column) => column.table))].sort()).toEqual(expected.tables);
          const byName = (column: Column) => `${column.table}.${column.column}`;
          expect(columns.map(byName).sort()).toEqual(expected.columns.map(byName).sort());
          for (const column of expected.columns) {
            const actual = columns.find((candidate) => byName(candidate) === byName(column))!;
            expect({ column: byName(column), type: columnTypes[engine][column.type].includes(actual.type.toLowerCase()) || columnTypes[engine][column.type].includes(actual.type) })
              .toEqual({ column: byName(column), type: true });
            expect({ column: byName(column), nullable: actual.nullable }).toEqual({ column: byName(column), nullable: column.nullable });
          }
          expect(await uniqueIndexes(engine, db)).toEqual(expect.arrayContaining(expected.uniqueKeys));
        } finally {
          await db.$disconnect();
        }
      });
    });
  }

  describe('every model round-trips through the client', () => {
    let databases: { url: string; drop(): Promise<void> }[] = [];
    afterAll(() => Promise.all(databases.map((database) => database.drop())));

    async function migrated(database: DatabaseName) {
      const created = await createEmptyDatabase(engine, database);
      databases.push(created);
      await migrateDatabase(database, created.url);
      return created.url;
    }

    it('writes and reads back every store model, JSON and bytes included', async () => {
      const db = connectStore(await migrated('store'));
      try {
        const user = await db.user.create({ data: { id: randomUUID(), email: 'ada@example.com', name: 'Ada', passwordHash: 'h' } });
        const secretHash = new Uint8Array([0, 1, 2, 254, 255]);
        const expiresAt = new Date('2031-01-02T03:04:05.678Z');
        await db.session.create({ data: { id: 's1', secretHash, userId: user.id, expiresAt } });
        await db.product.create({ data: { id: 'p1', sku: 'SKU-1', name: 'Coffee', priceCents: 1250 } });
        const items = [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 }];
        const address = { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };
        await db.purchase.create({
          data: {
            id: 'pu1', workflowId: 'purchase-pu1', userId: user.id, idempotencyKey: 'k', status: 'RECEIVED', items, address,
            totalCents: 2500, discountCents: 0, history: [{ status: 'RECEIVED', at: 'now' }], supplier: { orderId: 'o', name: 'n' },
          },
        });

        const session = await db.session.findUniqueOrThrow({ where: { id: 's1' }, include: { user: true } });
        expect([...session.secretHash]).toEqual([...secretHash]);
        expect(session.expiresAt).toEqual(expiresAt);
        expect(session.user.email).toBe('ada@example.com');
        expect(await db.product.findUniqueOrThrow({ where: { sku: 'SKU-1' } })).toMatchObject({ name: 'Coffee', priceCents: 1250 });
        expect(await db.purchase.findUniqueOrThrow({ where: { id: 'pu1' } })).toMatchObject({
          items, address, supplier: { orderId: 'o', name: 'n' }, delivery: null, failure: null, version: 0,
        });
        await expect(db.user.create({ data: { id: randomUUID(), email: 'ada@example.com', passwordHash: 'h' } })).rejects.toMatchObject({ code: 'P2002' });
      } finally {
        await db.$disconnect();
      }
    });

    it('writes and reads back every supplier model', async () => {
      const db = connectSupplier(await migrated('supplier'));
      try {
        await db.supplier.create({ data: { id: 'sup', name: 'Acme', leadTimeDays: 2 } });
        await db.inventory.create({ data: { sku: 'SKU-1', available: 5 } });
        await db.supplierOrder.create({
          data: {
            id: 'o1', purchaseId: 'p1', status: 'RESERVED', supplierName: 'Acme', supplierId: 'sup', expectedShipDate: '2031-01-03',
            items: { create: [{ sku: 'SKU-1', quantity: 2 }] },
          },
        });
        expect(await db.supplierOrder.findUniqueOrThrow({ where: { purchaseId: 'p1' }, include: { items: true, supplier: true } })).toMatchObject({
          expectedShipDate: '2031-01-03', items: [{ sku: 'SKU-1', quantity: 2 }], supplier: { name: 'Acme', leadTimeDays: 2 },
        });
        expect(await db.inventory.findUniqueOrThrow({ where: { sku: 'SKU-1' } })).toMatchObject({ available: 5, reserved: 0 });
      } finally {
        await db.$disconnect();
      }
    });

    it('writes and reads back every carrier model', async () => {
      const db = connectCarrier(await migrated('carrier'));
      try {
        const address = { name: 'Ada', country: 'PT' };
        await db.delivery.create({
          data: {
            id: 'd1', purchaseId: 'p1', status: 'SCHEDULED', carrier: 'Swift', trackingNumber: 'SP1', estimatedDate: '2031-01-06',
            country: 'PT', address, events: { create: { sequence: 1, status: 'SCHEDULED', at: new Date('2031-01-02T09:00:00.123Z') } },
          },
        });
        await db.deliveryDay.create({ data: { date: '2031-01-06', booked: 1 } });
        expect(await db.delivery.findUniqueOrThrow({ where: { purchaseId: 'p1' }, include: { events: true } })).toMatchObject({
          address, events: [{ sequence: 1, status: 'SCHEDULED', at: new Date('2031-01-02T09:00:00.123Z') }],
        });
        expect(await db.deliveryDay.findUniqueOrThrow({ where: { date: '2031-01-06' } })).toMatchObject({ booked: 1 });
      } finally {
        await db.$disconnect();
      }
    });
  });
});

describe('an SQLite file on a service’s restart', () => {
  const files: string[] = [];
  afterAll(() => {
    for (const file of files) for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
  });
  const newFile = () => {
    const file = path.join(os.tmpdir(), `restart-${randomUUID()}.db`);
    files.push(file);
    return file;
  };

  it('is in WAL mode once migrated, so readers and the writer do not wait for each other', async () => {
    const file = newFile();
    await migrateDatabase('supplier', `file:${file}`);
    const db = await adapterFor(`file:${file}`).connect();
    try {
      const { rows } = await db.queryRaw({ sql: 'PRAGMA journal_mode', args: [], argTypes: [] });
      expect(rows).toEqual([['wal']]);
    } finally {
      await db.dispose();
    }
  });

  it('migrates nothing when every migration is applied, so a restart starts while another process writes the file', async () => {
    const file = newFile();
    await migrateDatabase('supplier', `file:${file}`);
    // Another process writing: a transaction that holds the write lock until it is told to commit.
    const writer = spawn(
      process.execPath,
      [
        '-e',
        "const db = require('better-sqlite3')(process.argv[1]); db.exec('BEGIN IMMEDIATE'); " +
          "db.exec('UPDATE inventory SET available = available'); console.log('writing'); " +
          "process.stdin.on('data', () => undefined).on('end', () => { db.exec('COMMIT'); db.close(); console.log('committed'); });",
        file,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const said: string[] = [];
    const saying = new Promise<void>((resolve) =>
      writer.stdout!.on('data', (chunk) => {
        said.push(...String(chunk).split('\n').filter(Boolean));
        resolve();
      }),
    );
    const exited = new Promise((resolve) => writer.once('exit', resolve));
    try {
      await saying;
      // In WAL mode (set by the first migrate), the reads below wait for no writer, and the mode needs no change.
      const db = await adapterFor(`file:${file}`).connect();
      try {
        expect((await db.queryRaw({ sql: 'PRAGMA journal_mode', args: [], argTypes: [] })).rows).toEqual([['wal']]);
      } finally {
        await db.dispose();
      }
      const spawned = jest.spyOn(childProcess, 'spawn');
      try {
        await migrateDatabase('supplier', `file:${file}`);
        // No Prisma CLI ran: `migrate deploy` would have met the writer's lock (SQLITE_BUSY, tried again and again).
        expect(spawned.mock.calls.map(([command, args]) => [command, ...((args as string[] | undefined) ?? [])].join(' '))).toEqual([]);
      } finally {
        spawned.mockRestore();
      }
      // The migrate ended while the writer still held the write lock, so it wrote nothing and waited for no lock;
      // the writer's transaction, untouched, commits after.
      expect(said).toEqual(['writing']);
      writer.stdin!.end();
      await exited;
      expect(said).toEqual(['writing', 'committed']);
    } finally {
      writer.kill('SIGKILL');
    }
  });
});
