import { z } from 'zod';
import { Delivery, StockLevel, SupplierOrder } from '../contracts/catalog';
import { CodedError } from '../contracts/errors';
import type { ServiceLocator, ServiceName } from '../discovery/locator';
import { unavailable } from './errors';

/** The gateway's calls to the supplier's and the carrier's HTTP APIs; it never opens their databases. */
export interface ServicesClient {
  listStock(): Promise<StockLevel[]>;
  getStock(sku: string): Promise<StockLevel>;
  setStock(sku: string, available: number): Promise<StockLevel>;
  getDelivery(id: string): Promise<Delivery>;
  getSupplierOrder(purchaseId: string): Promise<SupplierOrder>;
}

const StockList = z.object({ items: z.array(StockLevel) });
const DeliveryAnswer = z.object({ delivery: Delivery });
const SupplierOrderAnswer = z.object({ order: SupplierOrder });

export function createServicesClient(
  locator: ServiceLocator,
  options: {
    timeoutMs?: number;
    /** The service credential the owners' APIs require (config/service-token.ts), sent as a bearer token. */
    serviceToken?: string;
  } = {},
): ServicesClient {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const credential: Record<string, string> = options.serviceToken ? { authorization: `Bearer ${options.serviceToken}` } : {};

  async function call<T>(
    service: ServiceName,
    path: string,
    schema: z.ZodType<T>,
    init: { method?: string; body?: unknown } = {},
  ): Promise<T> {
    // Addresses, socket errors and the owner's status stay in the cause (logged with the request id), never in the
    // message a client reads.
    // Every call here is idempotent (reads, and a PUT of an absolute level), so a request that met an instance that
    // is gone (it died before its health check noticed) is sent once more, to the next instance the locator offers.
    let response: Response | undefined;
    for (let attempt = 1; !response; attempt++) {
      let baseUrl: string;
      try {
        baseUrl = await locator.baseUrl(service);
      } catch (error) {
        throw unavailable(`The ${service} service cannot be located; try again`, error);
      }
      try {
        response = await fetch(new URL(path, baseUrl), {
          method: init.method ?? 'GET',
          headers: {
            accept: 'application/json',
            ...credential,
            ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        if (attempt < 2 && !timedOut) continue;
        throw unavailable(`The ${service} service ${timedOut ? 'did not answer in time' : 'is unreachable'}; try again`, error);
      }
    }
    if (response.status === 404) {
      const message = await errorMessage(response);
      throw new CodedError('NOT_FOUND', message ?? `The ${service} service has no such resource`);
    }
    if (!response.ok) {
      throw unavailable(`The ${service} service failed to answer; try again`, new Error(`${init.method ?? 'GET'} ${path}: ${response.status}`));
    }
    const parsed = schema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw unavailable(`The ${service} service answered in an unexpected shape`, parsed.error);
    }
    return parsed.data;
  }

  const inventoryPath = (sku: string) => `/inventory/${encodeURIComponent(sku)}`;
  return {
    listStock: async () => (await call('supplier', '/inventory', StockList)).items,
    getStock: (sku) => call('supplier', inventoryPath(sku), StockLevel),
    setStock: (sku, available) => call('supplier', inventoryPath(sku), StockLevel, { method: 'PUT', body: { available } }),
    getDelivery: async (id) =>
      (await call('carrier', `/deliveries/${encodeURIComponent(id)}`, DeliveryAnswer)).delivery,
    getSupplierOrder: async (purchaseId) =>
      (await call('supplier', `/orders/${encodeURIComponent(purchaseId)}`, SupplierOrderAnswer)).order,
  };
}

/** The owner's own message for a 404, when it answered in the contract's error shape. */
async function errorMessage(response: Response): Promise<string | undefined> {
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: unknown } } | undefined;
  return typeof body?.error?.message === 'string' ? body.error.message : undefined;
}
