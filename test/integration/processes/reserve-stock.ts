/**
 * A stand-in for a second supplier worker process: runs reservations on the same database as the test (a SQLite file,
 * or a PostgreSQL or MariaDB database) and prints each outcome as JSON. On SQLite two in-process Prisma clients
 * cannot imitate this: better-sqlite3 waits for the file lock synchronously, which would block the very event loop
 * the lock holder needs to finish.
 *
 * argv[2]: JSON {url, startAt, requests: [{purchaseId, items}]}; all requests start together at `startAt` (epoch ms).
 */
import { ApplicationFailure } from '@temporalio/common';
import { createSupplierActivities } from '../../../activities/supplier/activities';
import type { ItemRequest } from '../../../contracts/purchase';
import { connectSupplier } from '../../../prisma/clients';
import { retryAsTemporal } from '../../support/retry-as-temporal';

export type ReservationOutcome = { orderId: string } | { refusal: string } | { error: string };

async function main() {
  const { url, startAt, requests } = JSON.parse(process.argv[2]) as {
    url: string;
    startAt: number;
    requests: { purchaseId: string; items: ItemRequest[] }[];
  };
  const db = connectSupplier(url);
  const supplier = createSupplierActivities(db, { supplierName: 'Test Supply', leadTimeDays: 1 });
  await db.$connect();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
  // An attempt that meets the other process's lock fails at once (SQLite's short busy timeout); Temporal would retry
  // it with backoff, and so does this stand-in, the same attempt again, as often as Temporal would.
  const attempt = async (request: (typeof requests)[number]): Promise<ReservationOutcome> => {
    try {
      return { orderId: (await retryAsTemporal(() => supplier.reserveStock(request))).orderId };
    } catch (error) {
      return error instanceof ApplicationFailure && error.type ? { refusal: error.type } : { error: String(error) };
    }
  };
  const outcomes = await Promise.all(requests.map((request) => attempt(request)));
  await db.$disconnect();
  process.stdout.write(JSON.stringify(outcomes));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
