import { formatReport } from '../../chaos/report';
import { runChaos } from '../../chaos/scenario';
import type { DatabaseName } from '../../prisma/databases';
import { createSystemDatabases } from '../support/databases';
import { describeEachEngine } from '../support/engines';

jest.setTimeout(300_000);

/**
 * The bounded version of `npm run chaos`, on every engine: every kind of fault once, a dozen purchases, every invariant
 * checked. On a server engine the database-away fault pauses a TCP proxy in front of the server.
 */
describeEachEngine('purchases under faults', (engine) => {
  it('keeps every invariant while workers die, Temporal restarts and databases stop answering', async () => {
    const databases = await createSystemDatabases(engine);
    try {
      const databaseUrls: Partial<Record<DatabaseName, string>> = {
        store: databases.env.DATABASE_URL,
        supplier: databases.env.SUPPLIER_DATABASE_URL,
        carrier: databases.env.CARRIER_DATABASE_URL,
      };
      for (const name of Object.keys(databaseUrls) as DatabaseName[]) if (!databaseUrls[name]) delete databaseUrls[name];
      const report = await runChaos({
        purchases: 12,
        durationMs: 40_000,
        extraFaults: 0,
        seed: 7,
        settleMs: 120_000,
        databaseUrls,
      });
      const summary = formatReport(report);

      expect(report.faults.map((fault) => fault.fault)).toEqual(
        expect.arrayContaining(['kill -9', 'stop Temporal', 'database away', 'second instance']),
      );
      expect(report.faults).toHaveLength(15);
      expect(report.plan.every((purchase) => purchase.id)).toBe(true);
      // Any broken invariant shows with what broke it, and the whole report.
      const broken = report.invariants.filter((invariant) => !invariant.held);
      expect(broken.length === 0 ? [] : [summary]).toEqual([]);
    } finally {
      await databases.drop();
    }
  });
});

describe('the fault suite itself', () => {
  it('catches a supplier that loses idempotency: the leaked reservation breaks stock conservation', async () => {
    const report = await runChaos({
      purchases: 4,
      durationMs: 4_000,
      fixedFaults: false,
      extraFaults: 0,
      seed: 11,
      settleMs: 60_000,
      entries: { supplier: 'test/fault/processes/supplier-without-idempotency.ts' },
    });
    const held = Object.fromEntries(report.invariants.map((invariant) => [invariant.name, invariant.held]));

    // The purchases themselves still end as they should: only the invariants can see the harm.
    expect(held['every purchase ends COMPLETED, FAILED or CANCELLED; record matches workflow']).toBe(true);
    expect(held['stock is conserved and never negative']).toBe(false);
    expect(held['no reservation without a purchase']).toBe(false);
  });
});
