import { z } from 'zod';
import { Delivery, StockLevel } from '../contracts/catalog';
import { CodedError } from '../contracts/errors';
import type { ServiceLocator, ServiceName } from '../discovery/locator';

/** The gateway's calls to the supplier's and the carrier's HTTP APIs; it never opens their databases. */
export interface ServicesClient {
  listStock(): Promise<StockLevel[]>;
  getStock(sku: string): Promise<StockLevel>;
  setStock(sku: string, available: number): Promise<StockLevel>;
  getDelivery(id: string): Promise<Delivery>;
}

const StockList = z.object({ items: z.array(StockLevel) });
const DeliveryAnswer = z.object({ delivery: Delivery });

export function createServicesClient(locator: ServiceLocator, options: { timeoutMs?: number } = {}): ServicesClient {
  const timeoutMs = options.timeoutMs ?? 5_000;

  async function call<T>(
    service: ServiceName,
    path: string,
    schema: z.ZodType<T>,
    init: { method?: string; body?: unknown } = {},
  ): Promise<T> {
    const baseUrl = await locator.baseUrl(service);
    let response: Response;
    try {
      response = await fetch(new URL(path, baseUrl), {
        method: init.method ?? 'GET',
        headers: { accept: 'application/json', ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new CodedError('SERVICE_UNAVAILABLE', `The ${service} service is unreachable (${describe(error)})`);
    }
    if (response.status === 404) {
      const message = await errorMessage(response);
      throw new CodedError('NOT_FOUND', message ?? `The ${service} service has no ${path}`);
    }
    if (!response.ok) {
      throw new CodedError('SERVICE_UNAVAILABLE', `The ${service} service answered ${response.status} to ${path}`);
    }
    const parsed = schema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new CodedError('SERVICE_UNAVAILABLE', `The ${service} service answered ${path} in an unexpected shape`);
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
  };
}

function describe(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return cause ?? (error instanceof Error ? error.message : String(error));
}

/** The owner's own message for a 404, when it answered in the contract's error shape. */
async function errorMessage(response: Response): Promise<string | undefined> {
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: unknown } } | undefined;
  return typeof body?.error?.message === 'string' ? body.error.message : undefined;
}
