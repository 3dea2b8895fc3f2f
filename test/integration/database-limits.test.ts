import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import mariadb from 'mariadb';
import pg from 'pg';
import { withHeartbeat } from '../../activities/heartbeat';
import { createSupplierActivities } from '../../activities/supplier/activities';
import { activityTimeouts, databaseLimits, longestDatabaseWaitMs } from '../../contracts/timeouts';
import { mariadbUrl } from '../../prisma/databases';
import { runAbortable, writeTransaction } from '../../prisma/transactions';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { describeEachEngine, type Engine } from '../support/engines';
import { createTemporalTestEnvironment } from '../support/temporal-env';
import type { HeldTransactionActivities } from './workflows/held-transaction';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Longer than every lock wait the drivers allow, shorter than a test's patience.
const holdMs = 12_000;

/**
 * Holds the row (a server database) or the whole file (SQLite, from another process) under a lock for `ms`;
 * resolves `locked` once it holds it and `released` once it let go.
 */
function holdLock(engine: Engine, url: string, sku: string, ms: number) {
  let markLocked!: () => void;
  const locked = new Promise<void>((resolve) => (markLocked = resolve));
  const released = (async () => {
    if (engine === 'sqlite') {
      const script = `
        const db = require('better-sqlite3')(process.argv[1]);
        db.exec('BEGIN EXCLUSIVE');
        console.log('locked');
        setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[2]));`;
      const child = spawn(process.execPath, ['-e', script, url.slice('file:'.length), String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.once('data', () => markLocked());
      await new Promise((resolve) => child.once('exit', resolve));
    } else if (engine === 'postgresql') {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query('BEGIN');
      await client.query('SELECT * FROM "Inventory" WHERE sku = $1 FOR UPDATE', [sku]);
      markLocked();
      await sleep(ms);
      await client.query('COMMIT');
      await client.end();
    } else {
      const connection = await mariadb.createConnection(mariadbUrl(url));
      await connection.query('BEGIN');
      await connection.query('SELECT * FROM `Inventory` WHERE sku = ? FOR UPDATE', [sku]);
      markLocked();
      await sleep(ms);
      await connection.query('COMMIT');
      await connection.end();
    }
  })();
  return { locked, released };
}

/**
 * How long a held transaction waits to hear that its attempt was cancelled: longer than the news can take (the first
 * heartbeat goes out after `heartbeatEveryMs`; Temporal's SDK sends the next ones at most every 0.8 × the heartbeat
 * timeout), and shorter than the transaction's own limit, so that a transaction that never hears it commits.
 */
const heardWithinMs = databaseLimits.transactionMs - 3_000;

let env: TestWorkflowEnvironment;
let heldTransactionBundle: { code: string };
beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const quiet = () => undefined;
  [env, heldTransactionBundle] = await Promise.all([
    createTemporalTestEnvironment(),
    bundleWorkflowCode({
      workflowsPath: require.resolve('./workflows/held-transaction'),
      logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet },
    }),
  ]);
});
afterAll(async () => {
  await env?.teardown();
});

describeEachEngine('database waits', (engine) => {
  let dbs: TestDatabases;
  beforeAll(async () => {
    dbs = await createTestDatabases(engine);
  });
  afterAll(() => dbs?.drop());

  it('sets each engine’s longest waits from contracts/timeouts.ts on every connection', async () => {
    const db = dbs.supplier;
    if (engine === 'sqlite') {
      const [{ timeout }] = await db.$queryRawUnsafe<{ timeout: number | bigint }[]>('PRAGMA busy_timeout');
      expect(Number(timeout)).toBe(databaseLimits.sqliteBusyTimeoutMs);
    } else if (engine === 'postgresql') {
      const rows = await db.$queryRawUnsafe<{ name: string; setting: string }[]>(
        `SELECT name, setting FROM pg_settings WHERE name IN ('lock_timeout', 'statement_timeout') ORDER BY name`,
      );
      expect(rows.map((row) => [row.name, Number(row.setting)])).toEqual([
        ['lock_timeout', databaseLimits.lockWaitMs],
        ['statement_timeout', databaseLimits.statementMs],
      ]);
    } else {
      const [row] = await db.$queryRawUnsafe<{ lockWait: unknown; statement: unknown }[]>(
        'SELECT @@SESSION.innodb_lock_wait_timeout AS lockWait, @@SESSION.max_statement_time AS statement',
      );
      expect(Number(row.lockWait)).toBe(databaseLimits.lockWaitMs / 1000);
      expect(Number(row.statement)).toBe(databaseLimits.statementMs / 1000);
    }
  });

  it('ends an activity’s wait on a lock held elsewhere well before its start-to-close, and before the lock is let go', async () => {
    const sku = `LOCK-${randomUUID().slice(0, 8)}`;
    await dbs.supplier.inventory.create({ data: { sku, available: 5, reserved: 0 } });
    const supplier = createSupplierActivities(dbs.supplier, { supplierName: 'Test Supply', leadTimeDays: 1 });
    await supplier.reserveStock({ purchaseId: randomUUID(), items: [{ sku, quantity: 1 }] }); // connected, supplier row made

    const lock = holdLock(engine, dbs.urls.supplier, sku, holdMs);
    await lock.locked;
    let letGo = false;
    void lock.released.then(() => (letGo = true));
    const attempt = supplier.reserveStock({ purchaseId: randomUUID(), items: [{ sku, quantity: 1 }] });
    // The attempt fails (an infrastructure fault Temporal retries) while the lock is still held: it never waits out
    // a lock longer than the driver's limit, which is far inside the activity's start-to-close.
    await expect(attempt).rejects.toThrow();
    expect(letGo).toBe(false);
    await lock.released;
    expect(await dbs.supplier.inventory.findUniqueOrThrow({ where: { sku } })).toMatchObject({ available: 4, reserved: 1 });
  });

  /**
   * The activity for workflows/held-transaction.ts, heartbeating as every owner's does (activities/heartbeat.ts). In
   * one write transaction it takes one of the SKU's stock; its first attempt then keeps the transaction open until the
   * attempt's cancellation signal fires or `heardWithinMs` passes, and returns either way: never a throw of its own, so
   * whether the transaction commits is up to withHeartbeat and writeTransaction alone. A retry returns at once.
   * `ended` says how each attempt ended.
   */
  function heldTransactionActivities() {
    let entered!: () => void;
    const inTransaction = new Promise<void>((resolve) => (entered = resolve));
    const ended: { attempt: number; outcome: string }[] = [];
    const activities: HeldTransactionActivities = {
      takeStockAndHold: async (sku) => {
        const { cancellationSignal, info } = Context.current();
        try {
          await withHeartbeat(activityTimeouts.supplier.heartbeatEveryMs, () =>
            writeTransaction(dbs.supplier, 'Inventory', async (tx) => {
              await tx.inventory.update({ where: { sku }, data: { available: { decrement: 1 }, reserved: { increment: 1 } } });
              if (info.attempt > 1) return;
              entered();
              await new Promise<void>((resolve) => {
                const patience = setTimeout(resolve, heardWithinMs);
                cancellationSignal.addEventListener('abort', () => (clearTimeout(patience), resolve()), { once: true });
              });
            }),
          );
          ended.push({ attempt: info.attempt, outcome: 'committed' });
        } catch (error) {
          ended.push({ attempt: info.attempt, outcome: error instanceof CancelledFailure ? `rolled back, cancelled: ${error.message}` : String(error) });
          throw error;
        }
      },
    };
    return { activities, inTransaction, ended };
  }

  async function stockOf(sku: string) {
    const { available, reserved } = await dbs.supplier.inventory.findUniqueOrThrow({ where: { sku } });
    return { available, reserved };
  }

  it('rolls back the transaction of an activity cancelled in Temporal, which hears it through its heartbeats', async () => {
    const sku = `CANCEL-${randomUUID().slice(0, 8)}`;
    await dbs.supplier.inventory.create({ data: { sku, available: 5, reserved: 0 } });
    const { activities, inTransaction, ended } = heldTransactionActivities();
    const taskQueue = `held-transaction-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: heldTransactionBundle, activities });
    const seen = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('heldTransaction', { taskQueue, workflowId: taskQueue, args: [sku] });
      await inTransaction;
      await handle.cancel();
      const workflow = await handle.result().then(
        () => 'completed',
        (error: unknown) => (error instanceof WorkflowFailedError && error.cause instanceof CancelledFailure ? 'cancelled' : String(error)),
      );
      // How Temporal saw the attempt end: cancelled (it heard the cancellation), not completed after it nor timed out.
      const { events } = await handle.fetchHistory();
      const attempts = events!.flatMap((event) =>
        event.activityTaskCanceledEventAttributes
          ? ['cancelled']
          : event.activityTaskCompletedEventAttributes
            ? ['completed']
            : event.activityTaskFailedEventAttributes
              ? ['failed']
              : event.activityTaskTimedOutEventAttributes
                ? ['timed out']
                : [],
      );
      return { workflow, attempts };
    });
    // Read once the worker has stopped, so the attempt's transaction has ended one way or the other.
    expect({ ...seen, ended, stock: await stockOf(sku) }).toEqual({
      workflow: 'cancelled',
      attempts: ['cancelled'],
      // CANCELLED: the answer to a heartbeat said so (without heartbeats the SDK would time the attempt out instead).
      ended: [{ attempt: 1, outcome: 'rolled back, cancelled: CANCELLED' }],
      stock: { available: 5, reserved: 0 },
    });
  });

  it('rolls back the transaction of an attempt that timed out, heard through its heartbeats, and not beside its retry', async () => {
    const sku = `TIMEOUT-${randomUUID().slice(0, 8)}`;
    await dbs.supplier.inventory.create({ data: { sku, available: 5, reserved: 0 } });
    const { activities, ended } = heldTransactionActivities();
    const taskQueue = `held-transaction-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: heldTransactionBundle, activities });
    await worker.runUntil(async () => {
      await env.client.workflow.execute('heldTransactionRetried', { taskQueue, workflowId: taskQueue, args: [sku] });
    });
    // The first attempt timed out holding its transaction open; a retry took the stock. The first rolled back, so the
    // stock is taken once. (Retries that met the first one's lock failed and rolled back too.)
    expect({
      first: ended.find((attempt) => attempt.attempt === 1),
      committed: ended.filter((attempt) => attempt.outcome === 'committed').length,
      stock: await stockOf(sku),
    }).toEqual({
      // NOT_FOUND: Temporal refused a heartbeat of the attempt it had timed out, and so the attempt heard it.
      first: { attempt: 1, outcome: 'rolled back, cancelled: NOT_FOUND' },
      committed: 1,
      stock: { available: 4, reserved: 1 },
    });
  });

  it('rolls back a transaction whose attempt was cancelled instead of committing it', async () => {
    const sku = `ABORT-${randomUUID().slice(0, 8)}`;
    await dbs.supplier.inventory.create({ data: { sku, available: 5, reserved: 0 } });
    const attempt = new AbortController();
    const work = runAbortable(attempt.signal, () =>
      writeTransaction(dbs.supplier, 'Inventory', async (tx) => {
        await tx.inventory.update({ where: { sku }, data: { available: 0 } });
        attempt.abort(new Error('the attempt timed out'));
      }),
    );
    await expect(work).rejects.toThrow('the attempt timed out');
    expect(await dbs.supplier.inventory.findUniqueOrThrow({ where: { sku } })).toMatchObject({ available: 5 });
  });
});

describe('activity timeouts', () => {
  it('give every owner’s activities a start-to-close longer than the longest database wait they can meet', () => {
    for (const timeouts of Object.values(activityTimeouts)) {
      expect(timeouts.startToCloseMs).toBeGreaterThan(longestDatabaseWaitMs);
      // A heartbeat timeout that only a dead or stuck worker misses: several beats fit in it.
      expect(timeouts.heartbeatEveryMs * 3).toBeLessThanOrEqual(timeouts.heartbeatTimeoutMs);
      expect(timeouts.heartbeatTimeoutMs).toBeLessThan(timeouts.startToCloseMs);
    }
    expect(longestDatabaseWaitMs).toBeGreaterThanOrEqual(
      databaseLimits.connectMs + databaseLimits.transactionMaxWaitMs + databaseLimits.transactionMs,
    );
    expect(databaseLimits.statementMs).toBeGreaterThan(databaseLimits.lockWaitMs);
  });
});
