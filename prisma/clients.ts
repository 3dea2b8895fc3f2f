import { PrismaClient as CarrierClient } from './carrier/generated/client';
import { adapterFor } from './databases';
import { PrismaClient as StoreClient } from './store/generated/client';
import { PrismaClient as SupplierClient } from './supplier/generated/client';

export type StoreDb = InstanceType<typeof StoreClient>;
export type SupplierDb = InstanceType<typeof SupplierClient>;
export type CarrierDb = InstanceType<typeof CarrierClient>;

/** Each service opens only its own database. */
export const connectStore = (url: string): StoreDb => new StoreClient({ adapter: adapterFor(url) });
export const connectSupplier = (url: string): SupplierDb => new SupplierClient({ adapter: adapterFor(url) });
export const connectCarrier = (url: string): CarrierDb => new CarrierClient({ adapter: adapterFor(url) });
