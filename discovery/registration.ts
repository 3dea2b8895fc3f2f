import os from 'node:os';
import Consul from 'consul';
import type { Logger } from '../logging';
import { consulOptions } from '../config/consul';
import { registrationAddress, registrationId } from './address';

/** The names services register under; the gateway's locator looks supplier and carrier up by these. */
export type RegisteredServiceName = 'supplier' | 'carrier' | 'gateway' | 'orchestrator';

export interface ServiceRegistration {
  readonly id: string;
  /** `registered` while the agent answers and lists the instance; `away` while it does not (callers cannot find it). */
  state(): 'registered' | 'away';
  /** Removes the instance from Consul; call it on shutdown, before the HTTP server closes. */
  deregister(): Promise<void>;
}

const retryRegistrationMs = 5_000;
/** How often a registered instance checks that the agent still knows it (an agent restarted in dev mode forgets). */
const presenceCheckMs = 5_000;

/**
 * Registers one instance of a service with the local Consul agent, with an HTTP check on its `/health`, so that
 * callers only find instances that answer. If Consul cannot be reached the service keeps running and tries again
 * every few seconds: discovery is for finding it, not a condition for doing its work.
 */
export function registerService(options: {
  consulAddress: string;
  /** CONSUL_HTTP_TOKEN: sent with every request to the agent when set. */
  consulToken?: string;
  name: RegisteredServiceName;
  /** SERVICE_ADDRESS: the address others reach the instance at; else one is chosen (discovery/address.ts). */
  address?: string;
  /** The address its HTTP server listens on; undefined or 0.0.0.0 for every interface. */
  listenHost?: string;
  /** The host or pod name; with the port, it makes the instance's id unique. Default: this host's name. */
  instance?: string;
  port: number;
  logger: Logger;
  /** The host's interfaces, for tests; default: os.networkInterfaces(). */
  interfaces?: Parameters<typeof registrationAddress>[0]['interfaces'];
}): ServiceRegistration {
  const { consulAddress, name, port, logger } = options;
  const consul = new Consul(consulOptions(consulAddress, { token: options.consulToken }));
  const host = registrationAddress({ configured: options.address, listenHost: options.listenHost, interfaces: options.interfaces });
  const id = registrationId(name, options.instance ?? os.hostname(), port);
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  let registered = false;
  // Whether the agent answered last time: a change is logged once, not every attempt.
  let answering: boolean | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let attempt: Promise<void> = Promise.resolve();

  const register = async () => {
    try {
      await consul.agent.service.register({
        id,
        name,
        address: host,
        port,
        check: {
          name: `${name} /health`,
          http: `http://${hostInUrl}:${port}/health`,
          interval: '5s',
          timeout: '2s',
          // An instance that died without deregistering disappears on its own.
          deregistercriticalserviceafter: '1m',
        },
      });
      registered = true;
      answering = true;
      logger.info({ consul: consulAddress, serviceId: id, address: `${hostInUrl}:${port}` }, `Registered in Consul as ${name}`);
      if (!stopped) retry = setTimeout(() => (attempt = stayRegistered()), presenceCheckMs).unref();
    } catch (error) {
      if (answering !== false) {
        logger.warn(
          { err: error, consul: consulAddress },
          `Could not register in Consul; retrying every ${retryRegistrationMs / 1000}s until it answers`,
        );
      }
      answering = false;
      if (!stopped) retry = setTimeout(() => (attempt = register()), retryRegistrationMs).unref();
    }
  };
  // An agent that lost its state (restarted, or a new agent at the same address) no longer lists the instance:
  // register again so that callers find it without the process having to restart.
  const stayRegistered = async () => {
    let present = true;
    try {
      const services = (await consul.agent.service.list()) as Record<string, unknown>;
      present = id in services;
    } catch {
      present = false; // The agent is away; registering again is what brings the instance back when it returns.
      if (answering) logger.warn({ consul: consulAddress, serviceId: id }, 'Consul does not answer; registering again once it does');
      answering = false;
    }
    if (stopped) return;
    if (present) {
      answering = true;
      retry = setTimeout(() => (attempt = stayRegistered()), presenceCheckMs).unref();
      return;
    }
    if (answering !== false) logger.warn({ consul: consulAddress, serviceId: id }, 'Consul no longer lists this instance; registering again');
    await register();
  };
  attempt = register();

  return {
    id,
    state: () => (answering && registered ? 'registered' : 'away'),
    async deregister() {
      stopped = true;
      clearTimeout(retry);
      await attempt; // An attempt in flight may still succeed: deregister what it registers.
      if (!registered) return;
      try {
        await consul.agent.service.deregister(id);
        logger.info({ serviceId: id }, 'Deregistered from Consul');
      } catch (error) {
        logger.warn({ err: error, serviceId: id }, 'Could not deregister from Consul; its health check will expire it');
      }
    },
  };
}
