/** The carrier service: deliveries on task queue `carrier`, and its HTTP API (`CARRIER_PORT`). */
import { createCarrierActivities } from '../activities/carrier/activities';
import { createCarrierErasureActivities } from '../activities/carrier/erasure';
import { createCarrierApi } from '../activities/carrier/http';
import { serviceToken } from '../config/service-token';
import { taskQueues } from '../contracts/temporal';
import { connectCarrier, type CarrierDb } from '../prisma/clients';
import { runWorker, type WorkerProcess } from './bootstrap';

export const carrierWorker: WorkerProcess<CarrierDb> = {
  service: 'carrier',
  taskQueue: taskQueues.carrier,
  database: { name: 'carrier', connect: connectCarrier, migrate: true },
  activities: (db, config, live) => ({
    ...createCarrierActivities(db, {
      carrierName: config.services.carrier.name,
      dailyCapacity: () => live.current().services.carrier.dailyCapacity,
    }),
    ...createCarrierErasureActivities(db),
  }),
  http: {
    port: (config) => config.services.carrier.port,
    app: (db, logger, live) =>
      createCarrierApi(db, logger, {
        dailyCapacity: () => live.current().services.carrier.dailyCapacity,
        // Only callers presenting the service token (the gateway) are answered; /health stays open.
        serviceToken: serviceToken(live.current()),
      }),
    registerAs: 'carrier',
  },
};

// Started as a process; imported (by the contracts suite) for its task queue and activities alone.
if (require.main === module) void runWorker(carrierWorker);
