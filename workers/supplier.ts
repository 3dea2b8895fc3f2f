/** The supplier service: stock reservations on task queue `supplier`, and its HTTP API (`SUPPLIER_PORT`). */
import { createSupplierActivities } from '../activities/supplier/activities';
import { createSupplierApi } from '../activities/supplier/http';
import { ensureSupplier } from '../activities/supplier/orders';
import { seedStock } from '../activities/supplier/stock';
import { seedCatalog } from '../config/seed-catalog';
import { serviceToken } from '../config/service-token';
import { taskQueues } from '../contracts/temporal';
import { connectSupplier, type SupplierDb } from '../prisma/clients';
import { runWorker, type WorkerProcess } from './bootstrap';

export const supplierWorker: WorkerProcess<SupplierDb> = {
  service: 'supplier',
  taskQueue: taskQueues.supplier,
  database: { name: 'supplier', connect: connectSupplier, migrate: true },
  activities: (db, config) =>
    createSupplierActivities(db, {
      supplierName: config.services.supplier.name,
      leadTimeDays: config.services.supplier.leadTimeDays,
    }),
  http: {
    port: (config) => config.services.supplier.port,
    // Only callers presenting the service token (the gateway) are answered; /health stays open.
    app: (db, logger, live) => createSupplierApi(db, logger, { serviceToken: serviceToken(live.current()) }),
    registerAs: 'supplier',
  },
  async prepare({ db, config, logger }) {
    const { name, leadTimeDays } = config.services.supplier;
    await ensureSupplier(db, { name, leadTimeDays });
    if (config.seedCatalog && (await seedStock(db, seedCatalog))) {
      logger.info('Seeded the stock of the first-start catalog');
    }
  },
};

// Started as a process; imported (by the contracts suite) for its task queue and activities alone.
if (require.main === module) void runWorker(supplierWorker);
