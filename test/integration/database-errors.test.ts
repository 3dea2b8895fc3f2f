import { spawn } from 'node:child_process';
import { ApplicationFailure } from '@temporalio/common';
import { asActivityFailure, permanentDatabaseFailure } from '../../activities/database-failures';
import { isDatabaseUnavailable, isUniqueViolation, permanentDatabaseError } from '../../prisma/errors';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { describeEachEngine } from '../support/engines';

/** The error a write meets, as the database and Prisma produce it. */
async function errorOf(write: Promise<unknown>): Promise<unknown> {
  try {
    await write;
  } catch (error) {
    return error;
  }
  throw new Error('the write succeeded; it was meant to be refused');
}

/** Another process holds the SQLite file's write lock until the returned function lets go. */
async function lockSqliteFile(url: string): Promise<() => Promise<void>> {
  const script = `
    const db = require('better-sqlite3')(process.argv[1], { timeout: 30000 });
    db.exec('BEGIN EXCLUSIVE');
    console.log('locked');
    process.stdin.on('data', () => undefined).on('end', () => { db.exec('COMMIT'); db.close(); });`;
  const child = spawn(process.execPath, ['-e', script, url.slice('file:'.length)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  return async () => {
    child.stdin!.end();
    await exited;
  };
}

const purchaseOf = (userId: string) => ({
  id: `purchase-of-${userId}`,
  workflowId: `purchase-purchase-of-${userId}`,
  userId,
  status: 'RECEIVED',
  items: [],
  address: {},
  totalCents: 100,
  discountCents: 0,
  history: [],
  version: 0,
});

describeEachEngine('database errors: permanent or worth a retry', (engine) => {
  let dbs: TestDatabases;
  beforeAll(async () => {
    dbs = await createTestDatabases(engine);
    await dbs.store.user.create({ data: { id: 'user-1', email: 'ada@example.com', passwordHash: 'x' } });
  });
  afterAll(() => dbs?.drop());

  it('calls a missing parent row (P2003) permanent, and the activity failure non-retryable and not a business refusal', async () => {
    const error = await errorOf(dbs.store.purchase.create({ data: purchaseOf('nobody') }));
    expect(permanentDatabaseError(error)).toEqual({ code: 'P2003', reason: 'a foreign key has no parent row' });

    const failure = asActivityFailure('recordPurchase', error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: permanentDatabaseFailure, nonRetryable: true });
    expect((failure as ApplicationFailure).message).toMatch(/^recordPurchase: .*foreign key.*\(Prisma P2003\)/);
  });

  it('calls a NOT NULL violation permanent, also from a raw query (P2010, told apart by the adapter’s kind)', async () => {
    const error = await errorOf(
      dbs.store.$executeRawUnsafe(`INSERT INTO ${engine === 'mysql' ? '`User`' : '"User"'} (id, email, ${engine === 'mysql' ? '`passwordHash`' : '"passwordHash"'}) VALUES ('user-2', NULL, 'x')`),
    );
    expect(permanentDatabaseError(error)).toEqual({ code: 'P2010', reason: 'a required value is null' });
  });

  it('leaves a unique violation (P2002) to the retry: it is how a race between two attempts shows', async () => {
    const error = await errorOf(dbs.store.user.create({ data: { id: 'user-3', email: 'ada@example.com', passwordHash: 'x' } }));
    expect(isUniqueViolation(error)).toBe(true);
    expect(permanentDatabaseError(error)).toBeUndefined();
    expect(asActivityFailure('anyActivity', error)).toBe(error);
  });

  it('leaves anything that is not a Prisma error to the retry', () => {
    const error = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    expect(permanentDatabaseError(error)).toBeUndefined();
    expect(asActivityFailure('anyActivity', error)).toBe(error);
  });

  if (engine === 'sqlite') {
    it('leaves a file locked by another process (SQLITE_BUSY, P1008) to the retry', async () => {
      const letGo = await lockSqliteFile(dbs.urls.store);
      let error: unknown;
      try {
        error = await errorOf(dbs.store.user.create({ data: { id: 'user-4', email: 'locked@example.com', passwordHash: 'x' } }));
      } finally {
        await letGo();
      }
      expect(isDatabaseUnavailable(error)).toBe(true);
      expect(permanentDatabaseError(error)).toBeUndefined();
      expect(asActivityFailure('recordPurchase', error)).toBe(error);
    });
  } else {
    it('leaves a server that cannot be reached to the retry', async () => {
      const { connectStore } = await import('../../prisma/clients');
      const url = new URL(dbs.urls.store);
      url.port = '1'; // nothing listens there
      const unreachable = connectStore(url.toString());
      try {
        const error = await errorOf(unreachable.user.findFirst());
        expect(permanentDatabaseError(error)).toBeUndefined();
        expect(asActivityFailure('recordPurchase', error)).toBe(error);
      } finally {
        await unreachable.$disconnect();
      }
    });
  }
});
