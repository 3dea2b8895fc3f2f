/**
 * `npm run bench:owner-queries [-- --purchases N] [--rounds R]`: what the owners' activities cost in their own
 * process, on SQLite, with the statement cache Prisma's adapter runs on here (prisma/sqlite-statements.ts) and
 * without it. A purchase is the happy path of both owners: the supplier reserves and sells, the carrier schedules and
 * dispatches, each one transaction on a fresh database file, called as the workers call them (input validation
 * included), without Temporal. The two ways alternate round by round in one process, so both see the same machine;
 * the figures per way are its median and lowest round's CPU time (process.cpuUsage) per purchase, and the statements
 * prepared.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCarrierActivities } from '../activities/carrier/activities';
import { createSupplierActivities } from '../activities/supplier/activities';
import { seedStock } from '../activities/supplier/stock';
import { connectCarrier, connectSupplier } from '../prisma/clients';
import { migrateDatabase } from '../prisma/migrations';

const { values } = parseArgs({
  options: { purchases: { type: 'string', default: '300' }, rounds: { type: 'string', default: '9' } },
});
const purchases = Number(values.purchases);
const rounds = Number(values.rounds);

type Way = 'statement cache' | 'a statement per query';

/** better-sqlite3 counts no prepares of its own: this counts the driver's, for every connection in the process. */
const Database = require('better-sqlite3') as { prototype: { prepare(sql: string): unknown } };
let prepared = 0;
const prepare = Database.prototype.prepare;
Database.prototype.prepare = function counted(this: unknown, sql: string) {
  prepared += 1;
  return prepare.call(this, sql);
};

async function owners(way: Way, dir: string) {
  const supplierUrl = `file:${path.join(dir, `supplier-${way.replace(/ /g, '-')}.db`)}`;
  const carrierUrl = `file:${path.join(dir, `carrier-${way.replace(/ /g, '-')}.db`)}`;
  await migrateDatabase('supplier', supplierUrl);
  await migrateDatabase('carrier', carrierUrl);
  const statementCache = way === 'statement cache';
  const supplierDb = connectSupplier(supplierUrl, { statementCache });
  const carrierDb = connectCarrier(carrierUrl, { statementCache });
  await seedStock(supplierDb, [
    { sku: 'BENCH-A', stock: 10_000_000 },
    { sku: 'BENCH-B', stock: 10_000_000 },
  ]);
  const supplier = createSupplierActivities(supplierDb, { supplierName: 'Bench Supplier', leadTimeDays: 2 });
  // Room for every delivery on the first day: a booking that moves on to later days would measure the calendar.
  const carrier = createCarrierActivities(carrierDb, { carrierName: 'Bench Carrier', dailyCapacity: 10_000_000 });
  const address = { name: 'Ada Bench', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };
  const purchase = async () => {
    const purchaseId = randomUUID();
    await supplier.reserveStock({ purchaseId, items: [{ sku: 'BENCH-A', quantity: 1 }, { sku: 'BENCH-B', quantity: 2 }] });
    await carrier.scheduleDelivery({ purchaseId, address });
    await supplier.confirmSale({ purchaseId });
    await carrier.dispatchDelivery({ purchaseId });
  };
  return { purchase, close: () => Promise.all([supplierDb.$disconnect(), carrierDb.$disconnect()]) };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owner-queries-'));
  const ways: Way[] = ['statement cache', 'a statement per query'];
  const systems = Object.fromEntries(await Promise.all(ways.map(async (way) => [way, await owners(way, dir)] as const)));
  const figures: Record<Way, { cpuMs: number[]; prepares: number[] }> = {
    'statement cache': { cpuMs: [], prepares: [] },
    'a statement per query': { cpuMs: [], prepares: [] },
  };
  try {
    // Unmeasured: the JIT's compilation and Prisma's query plans, for both ways.
    for (const way of ways) for (let i = 0; i < 50; i += 1) await systems[way].purchase();
    for (let round = 0; round < rounds; round += 1) {
      for (const way of round % 2 === 0 ? ways : [...ways].reverse()) {
        const before = process.cpuUsage();
        const preparedBefore = prepared;
        for (let i = 0; i < purchases; i += 1) await systems[way].purchase();
        const used = process.cpuUsage(before);
        figures[way].cpuMs.push((used.user + used.system) / 1000 / purchases);
        figures[way].prepares.push((prepared - preparedBefore) / purchases);
      }
    }
  } finally {
    await Promise.all(ways.map((way) => systems[way].close()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  console.log(`${purchases} purchases per round, ${rounds} rounds; ${os.cpus().length} cores; load ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);
  console.log('way                     CPU ms per purchase (median, min..max)   statements prepared per purchase');
  for (const way of ways) {
    const { cpuMs, prepares } = figures[way];
    const range = `${Math.min(...cpuMs).toFixed(2)}..${Math.max(...cpuMs).toFixed(2)}`;
    console.log(`${way.padEnd(24)}${median(cpuMs).toFixed(2).padStart(6)} (${range})`.padEnd(65) + median(prepares).toFixed(1));
  }
  const [cached, uncached] = [figures['statement cache'].cpuMs, figures['a statement per query'].cpuMs];
  const ratio = (of: (list: number[]) => number) => (of(cached) / of(uncached)).toFixed(2);
  // A round's CPU only grows with what else the machine does (a GC, a core shared): the lowest round is the steadiest.
  console.log(`statement cache: ${ratio(median)}× the CPU of a statement per query (medians), ${ratio((list) => Math.min(...list))}× (lowest rounds)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
