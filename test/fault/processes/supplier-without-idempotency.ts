/**
 * A broken supplier, for the fault suite to prove its invariants catch lost idempotency: its reserveStock keys each
 * attempt's reservation by a fresh id instead of the purchase id, and the first attempt crashes right after its commit.
 * Temporal retries it, as it should, and the first attempt's units stay reserved for nobody.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { createSupplierActivities } from '../../../activities/supplier/activities';
import { createSupplierApi } from '../../../activities/supplier/http';
import { serviceToken } from '../../../config/service-token';
import type { SupplierActivities } from '../../../contracts/activities';
import { taskQueues } from '../../../contracts/temporal';
import { connectSupplier } from '../../../prisma/clients';
import { runWorker } from '../../../workers/bootstrap';

void runWorker({
  service: 'supplier',
  taskQueue: taskQueues.supplier,
  database: { name: 'supplier', connect: connectSupplier, migrate: true },
  activities: (db, config): SupplierActivities => {
    const real = createSupplierActivities(db, {
      supplierName: config.services.supplier.name,
      leadTimeDays: config.services.supplier.leadTimeDays,
    });
    return {
      ...real,
      async reserveStock(input) {
        if (Context.current().info.attempt === 1) {
          await real.reserveStock({ ...input, purchaseId: randomUUID() });
          throw new Error('crashed after committing the reservation');
        }
        return real.reserveStock(input);
      },
    };
  },
  http: {
    port: (config) => config.services.supplier.port,
    app: (db, logger, live) => createSupplierApi(db, logger, { serviceToken: serviceToken(live.current()) }),
    registerAs: 'supplier',
  },
});
