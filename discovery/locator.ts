import Consul from 'consul';
import type { Config } from '../config';
import { consulOptions } from '../config/consul';
import { CodedError } from '../contracts/errors';

export type ServiceName = 'supplier' | 'carrier';

/** Where to reach a service's HTTP API right now. */
export interface ServiceLocator {
  baseUrl(service: ServiceName): Promise<string>;
}

/**
 * Without Consul the configured URLs are used; with it, requests spread round-robin over the instances whose health
 * checks pass. The healthy list is cached briefly so that a burst of requests makes one Consul call, not one each;
 * while Consul does not answer, the last list it gave stays in use.
 */
export function createServiceLocator(
  config: Pick<Config, 'consulAddress' | 'services'> & { consulToken?: string },
  options: { cacheMs?: number } = {},
): ServiceLocator {
  if (!config.consulAddress) {
    const urls: Record<ServiceName, string> = {
      supplier: config.services.supplier.url,
      carrier: config.services.carrier.url,
    };
    return { baseUrl: async (service) => urls[service] };
  }
  return consulLocator(config.consulAddress, config.consulToken, options.cacheMs ?? 2_000);
}

interface HealthEntry {
  Node?: { Address?: string };
  Service?: { Address?: string; Port?: number };
}

function consulLocator(address: string, token: string | undefined, cacheMs: number): ServiceLocator {
  const consul = new Consul(consulOptions(address, { token }));
  const cache = new Map<ServiceName, { urls: string[]; fetchedAt: number }>();
  const next = new Map<ServiceName, number>();

  const healthyUrls = async (service: ServiceName): Promise<string[]> => {
    const cached = cache.get(service);
    if (cached && Date.now() - cached.fetchedAt < cacheMs) return cached.urls;
    let entries: HealthEntry[];
    try {
      const answer: unknown = await consul.health.service({ service, passing: true });
      // A connection reset while the agent goes away resolves with the error's shape ({code}) instead of rejecting.
      if (!Array.isArray(answer)) throw new Error(`unexpected answer ${JSON.stringify(answer)}`);
      entries = answer as HealthEntry[];
    } catch (error) {
      // The agent away is not the service away: the instances last seen healthy keep serving until it answers.
      if (cached) return cached.urls;
      throw new CodedError('SERVICE_UNAVAILABLE', `Consul could not be asked for ${service} instances: ${String(error)}`);
    }
    const urls = entries.flatMap((entry) => {
      const host = entry.Service?.Address || entry.Node?.Address;
      const port = entry.Service?.Port;
      if (!host || !port) return [];
      return [`http://${host.includes(':') ? `[${host}]` : host}:${port}`];
    });
    cache.set(service, { urls, fetchedAt: Date.now() });
    return urls;
  };

  return {
    async baseUrl(service) {
      const urls = await healthyUrls(service);
      if (urls.length === 0) throw new CodedError('SERVICE_UNAVAILABLE', `No healthy ${service} instance is registered`);
      const index = (next.get(service) ?? 0) % urls.length;
      next.set(service, index + 1);
      return urls[index];
    },
  };
}
